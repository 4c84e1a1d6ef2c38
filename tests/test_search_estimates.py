"""What a process keeps of title searches' estimates (crm.search.Estimates)."""

from __future__ import annotations

from crm.search import Estimates


def test_estimates_keep_the_latest_of_each_search_and_forget_the_oldest_past_their_size() -> None:
    estimates = Estimates(size=2)
    assert estimates.get("a") == (None, None)
    estimates.put("a", 10.0, 100.0)
    estimates.put("b", 20.0, 100.0)
    estimates.put("a", 11.0, 101.0)  # kept anew: now the most recent
    estimates.put("c", 30.0, 101.0)
    assert [estimates.get(k) for k in "abc"] == [(11.0, 101.0), (None, None), (30.0, 101.0)]
