"""Deadline watch: on track, due soon (working hours), overdue, short; notices once per event."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from fulfilment.deadline_watch import deadline_watch_run
from fulfilment.models import Notice, NoticeKind, Order, WatchState
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 2, 11, 0, tzinfo=MSK)  # Monday 11:00


@pytest.fixture
def setup():
    warehouse = WarehouseFactory()
    in_stock, missing = SkuFactory(code="IN"), SkuFactory(code="OUT")
    stock_level(sku=in_stock, warehouse=warehouse, on_hand=100)

    def placed(ship_by, sku=in_stock, scheme="fbs"):
        return make_order(
            warehouse=warehouse,
            lines=[(sku, 1)],
            accepted_at=datetime(2026, 2, 27, 10, 0, tzinfo=MSK),
            ship_by=ship_by,
            scheme=scheme,
        )

    return placed, in_stock, missing


def test_classification(setup):
    placed, _, missing = setup
    on_track = placed(datetime(2026, 3, 3, 14, 0, tzinfo=MSK))  # 7 h today + 5 h tomorrow
    edge = placed(datetime(2026, 3, 2, 15, 0, tzinfo=MSK))  # exactly 4 working hours
    due_soon = placed(datetime(2026, 3, 2, 14, 0, tzinfo=MSK))
    overdue = placed(datetime(2026, 3, 2, 10, 59, tzinfo=MSK))
    short = placed(datetime(2026, 3, 4, 14, 0, tzinfo=MSK), sku=missing)
    short_overdue = placed(datetime(2026, 3, 2, 9, 0, tzinfo=MSK), sku=missing)
    fbo = placed(datetime(2026, 3, 2, 10, 0, tzinfo=MSK), scheme="fbo")

    summary = deadline_watch_run(now=NOW)

    states = dict(Order.objects.values_list("pk", "watch_state"))
    assert states == {
        on_track.pk: WatchState.ON_TRACK,
        edge.pk: WatchState.DUE_SOON,
        due_soon.pk: WatchState.DUE_SOON,
        overdue.pk: WatchState.OVERDUE,
        short.pk: WatchState.SHORT,
        short_overdue.pk: WatchState.OVERDUE,
        fbo.pk: "",
    }
    assert summary.counts == {"on_track": 1, "due_soon": 2, "overdue": 2, "short": 1}


def test_window_is_configurable(setup, settings):
    placed, _, _ = setup
    order = placed(datetime(2026, 3, 3, 14, 0, tzinfo=MSK))  # 12 working hours away
    settings.ZAPAS_FULFILMENT = {"DUE_SOON_WORKING_HOURS": 12}
    deadline_watch_run(now=NOW)
    order.refresh_from_db()
    assert order.watch_state == WatchState.DUE_SOON


def test_weekend_does_not_count_as_working_time(setup):
    placed, _, _ = setup
    order = placed(datetime(2026, 3, 9, 10, 0, tzinfo=MSK))  # Monday 10:00
    deadline_watch_run(now=datetime(2026, 3, 6, 17, 30, tzinfo=MSK))  # Friday 17:30: 0.5 h + 1 h
    order.refresh_from_db()
    assert order.watch_state == WatchState.DUE_SOON


def test_notices_are_queued_once_per_event(setup, django_capture_on_commit_callbacks):
    placed, _, missing = setup
    due_short = placed(datetime(2026, 3, 2, 14, 0, tzinfo=MSK), sku=missing)
    overdue = placed(datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    placed(datetime(2026, 3, 4, 14, 0, tzinfo=MSK))  # on track: nothing to say
    Notice.objects.all().delete()  # the intake notices of the short order are not under test

    first = deadline_watch_run(now=NOW)
    second = deadline_watch_run(now=NOW)  # a retry, or the next beat

    assert (first.notices_queued, second.notices_queued) == (2, 0)
    assert sorted(Notice.objects.values_list("order_id", "kind")) == sorted(
        [(due_short.pk, NoticeKind.DUE_SOON_SHORT), (overdue.pk, NoticeKind.OVERDUE)]
    )


def test_watch_reallocates_short_orders(setup):
    placed, _, missing = setup
    order = placed(datetime(2026, 3, 4, 14, 0, tzinfo=MSK), sku=missing)
    # stock appeared without being offered (the order was locked at the time)
    from inventory.models import StockLevel

    StockLevel.objects.filter(sku=missing).update(on_hand=1)
    summary = deadline_watch_run(now=NOW)
    order.refresh_from_db()
    assert summary.units_allocated == 1
    assert (order.is_short, order.watch_state) == (False, WatchState.ON_TRACK)


def test_management_command(setup):
    placed, _, _ = setup
    placed(datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    out = StringIO()
    call_command("deadline_watch", stdout=out)
    assert "overdue: 1" in out.getvalue()


def test_one_notice_per_order_per_run_and_none_while_one_is_unsent(
    setup, django_capture_on_commit_callbacks
):
    from fulfilment.models import NoticeStatus

    placed, _, missing = setup
    # given a short order that is also overdue: its intake notice not yet sent (pending)
    short_overdue = placed(datetime(2026, 3, 2, 9, 0, tzinfo=MSK), sku=missing)
    intake = Notice.objects.get(order=short_overdue)
    assert (intake.kind, intake.status) == (NoticeKind.SHORT, NoticeStatus.PENDING)
    overdue = placed(datetime(2026, 3, 2, 10, 0, tzinfo=MSK))

    # when the watch runs: the customer who has not heard the first notice hears nothing new
    first = deadline_watch_run(now=NOW)
    assert (first.notices_queued, first.notices_deferred) == (1, 1)
    assert Notice.objects.filter(order=short_overdue).count() == 1
    # (the other order: one notice, its most urgent reason, though it is overdue on two runs)

    # when the intake notice has gone out and the watch runs twice more
    Notice.objects.filter(pk=intake.pk).update(status=NoticeStatus.SENT)
    second = deadline_watch_run(now=NOW)
    third = deadline_watch_run(now=NOW)

    # then the deferred one is queued once, for its deadline, and nothing is queued again
    short_overdue.refresh_from_db()
    overdue.refresh_from_db()
    assert (second.notices_queued, second.notices_deferred) == (1, 0)
    assert (third.notices_queued, third.notices_deferred) == (0, 0)
    assert sorted(Notice.objects.values_list("order_id", "kind", "event_key")) == sorted(
        [
            (short_overdue.pk, NoticeKind.SHORT, "intake"),
            (short_overdue.pk, NoticeKind.OVERDUE, short_overdue.ship_by.isoformat()),
            (overdue.pk, NoticeKind.OVERDUE, overdue.ship_by.isoformat()),
        ]
    )


def test_a_failed_notice_does_not_hold_back_the_next_reason(setup):
    from fulfilment.models import NoticeStatus

    placed, _, missing = setup
    order = placed(datetime(2026, 3, 2, 9, 0, tzinfo=MSK), sku=missing)
    Notice.objects.filter(order=order).update(status=NoticeStatus.FAILED)
    assert deadline_watch_run(now=NOW).notices_queued == 1
    assert set(Notice.objects.filter(order=order).values_list("kind", flat=True)) == {
        NoticeKind.SHORT,
        NoticeKind.OVERDUE,
    }
