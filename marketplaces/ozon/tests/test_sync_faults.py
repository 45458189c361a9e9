"""Faults during a full sync: 429 with Retry-After, 5xx, "Circle is open" in the middle of pages.

A sync that meets passing faults finishes with everything taken in; one that meets a closed
circle reports the failed step and exits non-zero; the next run completes, and nothing (order,
posting, reservation, ledger row) exists twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from fulfilment.models import Order, OrderLine
from inventory.models import StockLevel, StockMovement
from marketplaces.ozon import client as ozon_client
from marketplaces.ozon.models import Posting, SyncRun
from marketplaces.ozon.sync.runner import sync_run
from marketplaces.ozon.tests.fake import API_KEY, CLIENT_ID, FakePosting

UNFULFILLED = "/v4/posting/fbs/unfulfilled/list"
POSTINGS = 250  # three pages of 100
SOON = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)


@pytest.fixture
def big_store(fake_ozon, settings, db):
    # One deadline window, so the pages come one after another and a fault lands mid-way.
    settings.OZON = {**settings.OZON, "CONCURRENCY": 1}
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    fake_ozon.add_product(502, "MUG-2", sku=9502)
    fake_ozon.set_stock(501, 1001, present=1000)
    fake_ozon.set_stock(502, 1001, present=1000)
    for n in range(POSTINGS):
        fake_ozon.add_posting(
            FakePosting(
                f"4000-{n:04d}-1",
                1001,
                [{"sku": 9501 + n % 2, "offer_id": ("CUP-1", "MUG-2")[n % 2], "quantity": 1}],
                shipment_date=SOON + timedelta(minutes=n),
            )
        )
    return fake_ozon


@pytest.fixture
def no_jitter(monkeypatch):
    # The exponential backoff between 5xx retries is tenacity's; the test needs no real wait.
    monkeypatch.setattr(ozon_client, "_jitter", lambda state: 0.25)


def _state():
    return (
        Order.objects.count(),
        Posting.objects.count(),
        sorted(StockLevel.objects.values_list("sku__code", "on_hand", "reserved")),
        StockMovement.objects.count(),
        OrderLine.objects.aggregate(reserved=Sum("reserved_quantity"))["reserved"],
    )


def _pages_asked(fake) -> list[str]:
    return [body.get("cursor", "") for body in fake.calls_to(UNFULFILLED)]


def test_429_and_5xx_mid_pagination_are_waited_out_and_nothing_is_taken_twice(
    big_store, account, client, no_jitter
):
    # given Ozon answering the second page 429 (Retry-After 3 s) and then 500 twice,
    # and the product list 500 once
    big_store.fail_next(UNFULFILLED, "429", retry_after=3, after=1)
    big_store.fail_next(UNFULFILLED, "500", times=2)
    big_store.fail_next("/v3/product/list", "500")

    # when one full cycle runs
    run, steps = sync_run(account=account, client=client)

    # then every step succeeded, the page was asked again until answered, Retry-After obeyed
    assert run.ok, [(s.name, s.error) for s in steps if not s.ok]
    assert _pages_asked(big_store) == ["", "100", "100", "100", "100", "200"]
    # products' 500 and the postings' page (requested alongside, so in either order)
    assert sorted(client.slept) == [0.25, 0.25, 0.25, 3.0]
    assert _state() == (
        POSTINGS,
        POSTINGS,
        [("CUP-1", 1000, 125), ("MUG-2", 1000, 125)],
        2,
        POSTINGS,
    )

    # and a second cycle changes nothing
    before = _state()
    again, _ = sync_run(account=account, client=client)
    assert again.ok and _state() == before


def test_circle_open_mid_pagination_fails_the_step_and_a_rerun_completes(big_store, settings):
    settings.OZON = {
        **settings.OZON,
        "CLIENT_ID": CLIENT_ID,
        "API_KEY": API_KEY,
        "API_URL": big_store.url,
    }
    # given Ozon closing the unfulfilled list after its first page
    big_store.fail_next(UNFULFILLED, "circle", after=1)

    # when ozon_sync runs: the FBS step fails (not slept through: one call to the closed page),
    # the command exits non-zero and the other steps still ran
    out = StringIO()
    with pytest.raises(CommandError, match="Some steps failed"):
        call_command("ozon_sync", stdout=out)
    assert _pages_asked(big_store) == ["", "100"]
    run = SyncRun.objects.get()
    assert {s["name"]: s["ok"] for s in run.steps} == {
        "warehouses": True,
        "products": True,
        "opening stock": True,
        "FBS postings": False,
        "FBO postings": True,
        "stock push": True,
        "outbox": True,
    }
    assert "Circle is open" in next(s["error"] for s in run.steps if not s["ok"])

    # when the circle is closed again and ozon_sync reruns
    call_command("ozon_sync", stdout=StringIO())

    # then every posting is in once, reserved once, and the opening balance was written once
    assert _state() == (
        POSTINGS,
        POSTINGS,
        [("CUP-1", 1000, 125), ("MUG-2", 1000, 125)],
        2,
        POSTINGS,
    )
    assert SyncRun.objects.order_by("-pk").first().ok
    before = _state()
    call_command("ozon_sync", stdout=StringIO())
    assert _state() == before


def test_a_closed_circle_on_opening_stock_leaves_no_order_short_after_the_rerun(
    big_store, account, client
):
    # given the stock method closed on the first sync: postings arrive before their stock
    big_store.fail_next("/v2/product/info/stocks-by-warehouse/fbs", "circle")
    run, _ = sync_run(account=account, client=client)
    assert not run.ok
    assert Order.objects.filter(is_short=True).count() == POSTINGS

    # when the next sync reads the stock (a fresh client: the circle has long closed)
    client._circle_until.clear()
    again, _ = sync_run(account=account, client=client)

    # then the opening balances are in once and the short orders got their units
    assert again.ok
    assert _state() == (
        POSTINGS,
        POSTINGS,
        [("CUP-1", 1000, 125), ("MUG-2", 1000, 125)],
        2,
        POSTINGS,
    )
    assert not Order.objects.filter(is_short=True).exists()
