"""Packing, cancelling and stock in Zapas reach Ozon through the outbox, once, whatever fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fulfilment import services as orders
from fulfilment.models import Order, OrderStatus
from inventory.models import Sku, Warehouse
from inventory.services import stock_receive
from marketplaces.ozon.models import OutboxMessage, OutboxStatus, OzonAccount, StockPush
from marketplaces.ozon.outbox import outbox_drain, outbox_send, stock_push
from marketplaces.ozon.sync.runner import sync_run
from marketplaces.ozon.tests.fake import FakePosting

NUMBER = "2000-0001-1"


@pytest.fixture
def synced(account, client, fake_ozon):
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    fake_ozon.set_stock(501, 1001, present=10)
    fake_ozon.add_posting(
        FakePosting(NUMBER, 1001, [{"sku": 9501, "offer_id": "CUP-1", "quantity": 2}])
    )
    run, _ = sync_run(
        account=account,
        client=client,
        steps=["warehouses", "products", "opening stock", "FBS postings"],
    )
    assert run.ok
    return Order.objects.get(external_number=NUMBER)


def _make_due():
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_packing_in_zapas_reaches_ozon_as_a_ship_call(
    synced, fake_ozon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_pack(order=synced)

    assert fake_ozon.calls_to("/v4/posting/fbs/ship") == [
        {
            "posting_number": NUMBER,
            "packages": [{"products": [{"product_id": 9501, "quantity": 2}]}],
        }
    ]
    assert fake_ozon.postings[NUMBER].status == "awaiting_deliver"
    message = OutboxMessage.objects.get()
    assert (message.kind, message.status, message.attempts) == ("ship", OutboxStatus.SENT, 1)
    assert len(fake_ozon.calls_to("/v3/posting/fbs/get")) == 1  # success confirmed


def test_ship_failed_is_packed_again(synced, fake_ozon, client, django_capture_on_commit_callbacks):
    fake_ozon.ship_fails.add(NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_pack(order=synced)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and "ship_failed" in message.last_error

    _make_due()
    outbox_drain(account=synced.ozon_posting.account, client=client)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(fake_ozon.calls_to("/v4/posting/fbs/ship")) == 2
    assert fake_ozon.postings[NUMBER].status == "awaiting_deliver"


def test_a_crash_before_the_call_loses_nothing_and_sends_once(synced, fake_ozon, client):
    # The after-commit task never ran (the process died): the row waits in the outbox.
    orders.order_pack(order=synced)
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    account = OzonAccount.objects.get()
    outbox_drain(account=account, client=client)
    outbox_drain(account=account, client=client)
    assert len(fake_ozon.calls_to("/v4/posting/fbs/ship")) == 1
    # A second attempt after a lost answer is answered POSTING_ALREADY_SHIPPED: done, not failed.
    OutboxMessage.objects.update(status=OutboxStatus.PENDING)
    _make_due()
    assert outbox_send(OutboxMessage.objects.get().pk, client=client) == OutboxStatus.SENT


def test_an_ozon_outage_never_blocks_the_warehouse(synced, fake_ozon, client):
    fake_ozon.fail_next("/v4/posting/fbs/ship", "500", times=50)
    orders.order_pack(order=synced)
    orders.order_ship(order=synced)  # handed over locally while Ozon is down
    assert Order.objects.get(pk=synced.pk).status == OrderStatus.DELIVERING
    outbox_drain(account=OzonAccount.objects.get(), client=client)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.next_attempt_at > timezone.now()
    assert "HTTP 500" in message.last_error

    fake_ozon.faults.clear()
    _make_due()
    outbox_drain(account=OzonAccount.objects.get(), client=client)
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_cancelling_out_of_stock_sends_reason_352(synced, fake_ozon, client):
    orders.order_cancel(order=synced, reason="out_of_stock", cancelled_by="seller")
    outbox_drain(account=OzonAccount.objects.get(), client=client)
    assert fake_ozon.calls_to("/v1/posting/fbs/cancel-reason") == [
        {"related_posting_numbers": [NUMBER]}
    ]
    assert fake_ozon.calls_to("/v2/posting/fbs/cancel") == [
        {"posting_number": NUMBER, "cancel_reason_id": 352}
    ]
    assert fake_ozon.postings[NUMBER].status == "cancelled"


def test_a_4xx_fails_the_row_with_ozons_error(synced, fake_ozon, client):
    fake_ozon.postings.pop(NUMBER)
    orders.order_cancel(
        order=synced, reason="customer_request", cancelled_by="seller", note="asked"
    )
    outbox_drain(account=OzonAccount.objects.get(), client=client)
    message = OutboxMessage.objects.get()
    assert (message.status, message.last_error) == (
        OutboxStatus.FAILED,
        "Ozon did not cancel the posting",
    )
    assert fake_ozon.calls_to("/v2/posting/fbs/cancel")[0]["cancel_reason_id"] == 402


def test_a_receipt_is_pushed_as_the_absolute_available_quantity(synced, fake_ozon, client):
    account = OzonAccount.objects.get()
    account.push_stock, account.stock_buffer = True, 1
    account.save()
    sku, warehouse = Sku.objects.get(code="CUP-1"), Warehouse.objects.get(code="OZ-1001")

    # The first sync left the row pending; 10 on hand − 2 reserved − a buffer of 1 = 7.
    first = stock_push(account=account, client=client)
    assert first.updated == 1
    assert fake_ozon.calls_to("/v2/products/stocks")[-1] == {
        "stocks": [{"product_id": 501, "warehouse_id": 1001, "stock": 7, "quant_size": 1}]
    }

    stock_receive(sku=sku, warehouse=warehouse, quantity=5)
    row = StockPush.objects.get()
    assert row.pending_since is not None
    # Too soon for Ozon (one update per pair per 30 s): not even sent, stays pending.
    assert stock_push(account=account, client=client).updated == 0
    StockPush.objects.update(not_before=None)
    refused = stock_push(account=account, client=client)
    assert (refused.updated, refused.unchanged) == (0, 1)  # TOO_MANY_REQUESTS from Ozon
    assert StockPush.objects.get().pending_since is not None

    fake_ozon._last_pair_update.clear()
    StockPush.objects.update(not_before=None)
    assert stock_push(account=account, client=client).updated == 1
    assert fake_ozon.calls_to("/v2/products/stocks")[-1]["stocks"][0]["stock"] == 12
    row = StockPush.objects.get()
    assert (row.pending_since, row.last_pushed_quantity) == (None, 12)


def test_no_push_when_the_account_flag_is_off(synced, fake_ozon, client):
    result = stock_push(account=OzonAccount.objects.get(), client=client)
    assert result.updated == 0 and not fake_ozon.calls_to("/v2/products/stocks")


def test_the_beat_schedules_are_rows_editable_in_the_admin(db):
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.filter(name__startswith="Ozon").values_list("name", "task"))
    assert tasks["Ozon: stock push"] == "ozon.sync_steps"
    assert tasks["Ozon: outbox"] == "ozon.outbox_drain"
    assert PeriodicTask.objects.get(name="Ozon: unfulfilled postings").interval.every == 180
    assert len(tasks) == 7


def test_a_stock_change_marks_only_its_pairs_and_keeps_the_first_pending_time(account):
    from inventory.tests.factories import SkuFactory, WarehouseFactory
    from marketplaces.ozon.models import ProductLink, WarehouseLink
    from marketplaces.ozon.outbox import on_stock_changed

    # given two SKUs linked at two warehouses: one pair pending since an hour ago (version 3)
    mug, cup = SkuFactory(code="MUG-1"), SkuFactory(code="CUP-1")
    kazan, tver = WarehouseFactory(code="KZN"), WarehouseFactory(code="TVR")
    products = {
        sku: ProductLink.objects.create(account=account, sku=sku, offer_id=sku.code, product_id=n)
        for n, sku in enumerate([mug, cup], start=1)
    }
    links = {
        warehouse: WarehouseLink.objects.create(
            account=account, ozon_warehouse_id=n, name=warehouse.code, warehouse=warehouse
        )
        for n, warehouse in enumerate([kazan, tver], start=1)
    }
    an_hour_ago = timezone.now() - timedelta(hours=1)
    rows = {}
    for sku in (mug, cup):
        for warehouse in (kazan, tver):
            rows[sku.code, warehouse.code] = StockPush.objects.create(
                account=account,
                product=products[sku],
                warehouse_link=links[warehouse],
                sku=sku,
                warehouse=warehouse,
                pending_since=an_hour_ago if (sku, warehouse) == (mug, kazan) else None,
                version=3 if (sku, warehouse) == (mug, kazan) else 0,
            )
    before = timezone.now()

    # when the mug changed at Kazan and the cup at both warehouses
    on_stock_changed([(mug.pk, kazan.pk), (cup.pk, kazan.pk), (cup.pk, tver.pk)])

    # then those three rows are pending (the mug still since an hour ago) with one more version,
    # and the mug at Tver is untouched
    state = {
        key: (row.pending_since, row.version)
        for key, row in ((key, StockPush.objects.get(pk=row.pk)) for key, row in rows.items())
    }
    assert state["MUG-1", "KZN"] == (an_hour_ago, 4)
    assert state["MUG-1", "TVR"] == (None, 0)
    for key in (("CUP-1", "KZN"), ("CUP-1", "TVR")):
        pending_since, version = state[key]
        assert version == 1 and before <= pending_since <= timezone.now()
