"""Changes that span several statements: rules, SQL, history in one transaction."""
