"""Pages handed over by the request threads: batched without a posting twice, a failed window
fails the step only after every page received is taken in."""

from __future__ import annotations

import pytest

from marketplaces.ozon.sync import postings as sync
from marketplaces.ozon.sync.catalogue import StepResult


def _page(*numbers: str) -> list[dict]:
    return [{"posting_number": n} for n in numbers]


@pytest.fixture
def taken(monkeypatch) -> list[list[str]]:
    batches: list[list[str]] = []

    def take_in(*, account, postings, result, catalogue=None) -> None:
        batches.append([p["posting_number"] for p in postings])

    monkeypatch.setattr(sync, "postings_take_in", take_in)
    return batches


def test_two_windows_returning_the_same_posting_never_share_a_batch(taken):
    pages = {1: [_page("A", "B"), _page("C")], 2: [_page("B", "D"), _page("A")]}
    sync._fetch_and_take_in(object(), [1, 2], lambda w: iter(pages[w]), StepResult())
    for batch in taken:
        assert len(batch) == len(set(batch))
    assert sorted(n for batch in taken for n in batch) == ["A", "A", "B", "B", "C", "D"]


def test_a_failing_postings_page_fails_the_step_after_the_pages_received(taken):
    def fetch(window):
        yield _page(f"{window}-1")
        if window == 2:
            raise RuntimeError("page 2 of window 2 failed")
        yield _page(f"{window}-2")

    with pytest.raises(RuntimeError, match="window 2 failed"):
        sync._fetch_and_take_in(object(), [1, 2], fetch, StepResult())
    assert sorted(n for batch in taken for n in batch) == ["1-1", "1-2", "2-1"]
