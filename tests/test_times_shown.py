"""One rule for every instant an admin page shows (core.times): an order's times and its notices'
in the warehouse's own time with its zone; a planner's decision in the user's time zone with
its zone. Walks the list and the detail page of each and looks for every instant it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from fulfilment.models import Notice, NoticeStatus, Order
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, StaffUserFactory, WarehouseFactory, stock_level
from planning.models import FulfilmentDecision

pytestmark = pytest.mark.django_db

EKB, MSK = ZoneInfo("Asia/Yekaterinburg"), ZoneInfo("Europe/Moscow")  # +05 and +03


def at(minute: int) -> datetime:
    # each field its own minute, so that a page showing it can be told from one showing another
    return datetime(2026, 12, 1, 3, minute, tzinfo=UTC)


def shown(moment: datetime, zone: ZoneInfo) -> str:
    local = timezone.localtime(moment, zone)
    return f'{date_format(local, "SHORT_DATETIME_FORMAT")} <small class="quiet">{local.tzname()}</small>'


def server_time(moment: datetime) -> str:
    return date_format(timezone.localtime(moment, MSK), "SHORT_DATETIME_FORMAT")


@pytest.fixture
def boss(client):
    client.force_login(StaffUserFactory(username="boss", is_superuser=True))
    return client


@pytest.fixture
def placed():
    warehouse = WarehouseFactory(time_zone="Asia/Yekaterinburg")
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    placed = make_order(warehouse=warehouse, lines=[(sku, 1)], number="EKB-7")
    times = {
        "accepted_at": at(7),
        "ship_by": at(11),
        "packed_at": at(13),
        "shipped_at": at(17),
        "delivered_at": at(19),
        "watch_checked_at": at(23),
        "created_at": at(29),
    }
    Order.objects.filter(pk=placed.pk).update(**times)
    return placed, times


def test_every_time_of_an_order_is_in_its_warehouses_time(boss, placed):
    placed, times = placed
    listing = boss.get("/admin/fulfilment/order/").content.decode()
    detail = boss.get(f"/admin/fulfilment/order/{placed.pk}/change/").content.decode()

    for field in ("accepted_at", "ship_by"):
        assert shown(times[field], EKB) in listing, field
    for field, moment in times.items():
        if field != "created_at":  # the detail page does not list it
            assert shown(moment, EKB) in detail, field
        # never the server's time (Moscow), in either page
        assert server_time(moment) not in detail + listing, field


def test_a_cancelled_orders_cancellation_is_in_its_warehouses_time(boss, placed):
    placed, _times = placed
    Order.objects.filter(pk=placed.pk).update(cancelled_at=at(31))
    detail = boss.get(f"/admin/fulfilment/order/{placed.pk}/change/").content.decode()
    assert shown(at(31), EKB) in detail
    assert server_time(at(31)) not in detail


def test_a_notices_times_are_in_its_orders_warehouse_time(boss, placed):
    placed, _times = placed
    notice = Notice.objects.create(
        order=placed,
        kind="delay",
        event_key="walk",
        subject="Delay",
        body="Later.",
        status=NoticeStatus.SENT,
        approved_at=at(37),
        created_at=at(41),
        sent_at=at(43),
    )
    listing = boss.get("/admin/fulfilment/notice/").content.decode()
    detail = boss.get(f"/admin/fulfilment/notice/{notice.pk}/change/").content.decode()
    order_page = boss.get(f"/admin/fulfilment/order/{placed.pk}/change/").content.decode()

    assert shown(at(41), EKB) in listing
    assert shown(at(41), EKB) in order_page  # the order's notices inline
    for moment in (at(37), at(41), at(43)):
        assert shown(moment, EKB) in detail
        assert server_time(moment) not in detail + listing + order_page


def test_a_fulfilment_decision_is_in_the_users_time_zone_with_its_zone(boss):
    sku = SkuFactory(code="SW-1")
    decision = FulfilmentDecision.objects.create(
        plan_date=datetime(2026, 12, 1).date(),
        sku=sku,
        current_scheme="fbo",
        recommended_scheme="fbs",
        status="approved",
        decided_at=at(47),
        created_at=at(53),
    )
    listing = boss.get("/admin/planning/fulfilmentdecision/?status=approved").content.decode()
    detail = boss.get(f"/admin/planning/fulfilmentdecision/{decision.pk}/change/").content.decode()

    # the server's zone is the user's here (TIME_ZONE, Moscow): shown with its zone, in the
    # language's format, not the UTC "2026-12-01 03:47" it used to print
    assert f"system, {shown(at(47), MSK)}" in listing
    assert "2026-12-01 03:47" not in listing
    assert shown(at(47), MSK) in detail
    assert shown(at(53), MSK) in detail
