"""`make bench`: the service at a million tickets under wrk, beside its ceilings (not a test)."""
