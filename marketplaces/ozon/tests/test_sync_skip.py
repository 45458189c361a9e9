"""A sync that finds nothing new writes nothing; a changed posting among unchanged ones is still
moved forward; the postings feed fetches ahead within its bounds; the deadline windows cover
the whole range."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from fulfilment.models import Order, OrderLine, OrderStatus
from marketplaces.ozon.models import Posting
from marketplaces.ozon.sync import postings as sync
from marketplaces.ozon.sync.catalogue import StepResult
from marketplaces.ozon.sync.runner import sync_run
from marketplaces.ozon.tests.fake import FakePosting

STEPS = ["warehouses", "products", "opening stock", "FBS postings"]
NUMBERS = [f"6000-{n:04d}-1" for n in range(5)]


@pytest.fixture
def synced(fake_ozon, account, client):
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    fake_ozon.set_stock(501, 1001, present=50)
    for number in NUMBERS:
        fake_ozon.add_posting(
            FakePosting(number, 1001, [{"sku": 9501, "offer_id": "CUP-1", "quantity": 2}])
        )
    assert sync_run(account=account, client=client, steps=STEPS)[0].ok
    assert Order.objects.filter(external_number__in=NUMBERS).count() == 5
    return fake_ozon


def _answers(fake) -> list[dict]:
    return [fake._list_posting(fake.postings[number]) for number in NUMBERS]


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]


def test_answers_that_change_nothing_cost_one_read_and_no_write(synced, account):
    # given Ozon answering the five postings as Zapas holds them
    answers = _answers(synced)
    result = StepResult()

    # when they are taken in again
    with CaptureQueriesContext(connection) as queries:
        sync.postings_take_in(account=account, postings=answers, result=result)

    # then nothing is written, no order or SKU is loaded, and all five count as unchanged
    assert _writes(queries.captured_queries) == []
    assert len(queries.captured_queries) == 2  # what is stored, and the warehouse links
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)


def test_a_changed_posting_among_unchanged_ones_is_still_moved_forward(synced, account):
    # given Ozon answering one of the five as packed (awaiting_deliver), the rest as they are
    synced.change(NUMBERS[2], status="awaiting_deliver", substatus="posting_awaiting_passport_data")
    answers = _answers(synced)
    result = StepResult()

    # when they are taken in
    with CaptureQueriesContext(connection) as queries:
        sync.postings_take_in(account=account, postings=answers, result=result)

    # then that one posting and its order moved forward, the others were not written
    assert (result.updated, result.unchanged) == (1, 4)
    assert Posting.objects.get(posting_number=NUMBERS[2]).status == "awaiting_deliver"
    assert Order.objects.get(external_number=NUMBERS[2]).status == OrderStatus.AWAITING_DELIVER
    assert set(
        Order.objects.exclude(external_number=NUMBERS[2])
        .filter(external_number__in=NUMBERS)
        .values_list("status", flat=True)
    ) == {OrderStatus.AWAITING_PACKAGING}
    posting_updates = [
        sql
        for sql in _writes(queries.captured_queries)
        if sql.split()[1].strip('"') == Posting._meta.db_table
    ]
    assert len(posting_updates) == 1


def test_an_older_answer_and_a_grown_one_are_not_written(synced, account):
    # given Zapas holding one posting packed, and Ozon answering it as still awaiting
    # packaging (an older state), another with more units than Zapas holds (never grows)
    answers = _answers(synced)
    Posting.objects.filter(posting_number=NUMBERS[0]).update(
        status="awaiting_deliver", substatus="posting_awaiting_passport_data"
    )
    answers[1]["products"][0]["quantity"] = 3
    result = StepResult()

    # when they are taken in
    with CaptureQueriesContext(connection) as queries:
        sync.postings_take_in(account=account, postings=answers, result=result)

    # then nothing was written
    assert _writes(queries.captured_queries) == []
    assert result.unchanged == 5
    assert Posting.objects.get(posting_number=NUMBERS[1]).products == [[9501, "CUP-1", 2]]


def test_a_shrunk_answer_at_the_same_status_is_written(synced, account):
    # given Ozon answering a posting with fewer units at the same status (a split's parent)
    Posting.objects.filter(posting_number=NUMBERS[3]).update(products=[[9501, "CUP-1", 2]])
    answers = _answers(synced)
    answers[3]["products"][0]["quantity"] = 1

    # when it is taken in
    result = StepResult()
    sync.postings_take_in(account=account, postings=answers, result=result)

    # then the stored products shrank and the others stayed
    assert (result.updated, result.unchanged) == (1, 4)
    assert Posting.objects.get(posting_number=NUMBERS[3]).products == [[9501, "CUP-1", 1]]


def test_a_second_sync_with_nothing_new_writes_no_posting_or_order(synced, account, client):
    # given a first sync done (the fixture) and nothing changed at Ozon
    fields = ("pk", "status", "ship_by", "packed_at", "cancelled_at")
    before = list(Order.objects.order_by("pk").values_list(*fields))

    # when the cycle runs again
    with CaptureQueriesContext(connection) as queries:
        run, steps = sync_run(account=account, client=client, steps=STEPS)

    # then the step counts all five unchanged and no posting or order row was written
    assert run.ok
    fbs = next(s for s in steps if s.name == "FBS postings")
    assert (fbs.created, fbs.updated) == (0, 0)
    tables = {m._meta.db_table for m in (Posting, Order, OrderLine)}
    touched = [
        sql
        for sql in _writes(queries.captured_queries)
        if {word.strip('"') for word in sql.split()[:3]} & tables
    ]
    assert touched == []
    assert list(Order.objects.order_by("pk").values_list(*fields)) == before


# --- the feed -----------------------------------------------------------------------------


def _counting_fetch(pages_per_window: int, asked: list[int], lock: threading.Lock):
    def fetch(window):
        for n in range(pages_per_window):
            with lock:
                asked.append(window)
            yield [{"posting_number": f"{window}-{n}"}]

    return fetch


def _settle(asked: list[int], seconds: float = 0.3) -> int:
    deadline, seen = time.monotonic() + seconds, -1
    while time.monotonic() < deadline:
        seen = len(asked)
        time.sleep(0.05)
    return seen


def test_before_the_step_claims_it_the_feed_fetches_only_its_early_pages():
    asked: list[int] = []
    feed = sync.PageFeed([1, 2], _counting_fetch(10, asked, threading.Lock()), limit=8, early=3)
    try:
        # before the claim: at most ``early`` pages waiting (one more may be in hand per window)
        assert _settle(asked) <= 3 + 2
        assert feed.pages.qsize() <= 3
        feed.claim()
        assert _settle(asked) <= 8 + 2
        assert feed.pages.qsize() <= 8
    finally:
        feed.close()


def test_a_feed_taken_in_hands_every_page_over_once(monkeypatch):
    batches: list[list[str]] = []
    monkeypatch.setattr(
        sync,
        "postings_take_in",
        lambda *, account, postings, result, catalogue=None: batches.append(
            [p["posting_number"] for p in postings]
        ),
    )
    feed = sync.PageFeed([1, 2, 3], _counting_fetch(7, [], threading.Lock()), limit=2, early=1)
    sync._take_in_feed(object(), feed, StepResult())
    got = sorted(n for batch in batches for n in batch)
    assert got == sorted(f"{w}-{n}" for w in (1, 2, 3) for n in range(7))


def test_closing_a_feed_nobody_takes_stops_its_requests():
    asked: list[int] = []
    feed = sync.PageFeed([1, 2], _counting_fetch(1000, asked, threading.Lock()), limit=4)
    feed.claim()
    _settle(asked, 0.2)
    started = time.monotonic()
    feed.close()  # returns once every request thread has stopped
    assert time.monotonic() - started < 2
    stopped_at = len(asked)
    time.sleep(0.2)
    assert len(asked) == stopped_at < 1000


# --- the deadline windows -------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=32))
def test_deadline_windows_cover_thirty_days_each_side_without_gaps(parts):
    now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    windows = sync._deadline_windows(now, parts)
    assert 1 <= len(windows) <= min(parts, 8)
    assert windows[0][0] == now - timedelta(days=30)
    assert windows[-1][1] == now + timedelta(days=30)
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        assert end == start
    assert all(start < end for start, end in windows)


def test_deadline_windows_are_narrow_over_the_next_days():
    now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    windows = sync._deadline_windows(now, 8)
    within_three_days = [w for w in windows if now <= w[0] and w[1] <= now + timedelta(days=3)]
    assert len(within_three_days) == 4
