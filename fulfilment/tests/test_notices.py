"""Customer delay notices: content, language, compensation, approval, sending and retries."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from core.errors import InvalidInput, InvalidTransition
from fulfilment import conf
from fulfilment.models import CompensationKind, Notice, NoticeKind, NoticeStatus
from fulfilment.notices import channels
from fulfilment.notices.compensation import Compensation, compensation_for
from fulfilment.notices.outbox import (
    NoticeRetry,
    notice_approve,
    notice_edit,
    notice_queue,
    notice_resend,
    notice_send,
    notices_send_pending,
)
from fulfilment.services import CustomerInfo, order_carrier_delay_record
from fulfilment.tasks import notice_send_task, notices_send_pending_task
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, WarehouseFactory, purchase_order

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")


class FlakyChannel(channels.Channel):
    """Fails the first ``failures`` sends, then succeeds; counts deliveries."""

    failures = 0
    calls = 0
    delivered: list[int] = []

    def send(self, notice):
        FlakyChannel.calls += 1
        if FlakyChannel.calls <= FlakyChannel.failures:
            raise channels.ChannelError("smtp timeout")
        FlakyChannel.delivered.append(notice.pk)


@pytest.fixture
def flaky(settings):
    FlakyChannel.failures, FlakyChannel.calls, FlakyChannel.delivered = 0, 0, []
    settings.ZAPAS_FULFILMENT = {
        "NOTICE_CHANNELS": {"email": f"{__name__}.FlakyChannel"},
        "NOTICE_MAX_ATTEMPTS": 3,
    }
    return FlakyChannel


def short_order(language="ru", contact="ivan@example.com", **kwargs):
    warehouse = kwargs.pop("warehouse", None) or WarehouseFactory()
    sku = kwargs.pop("sku", None) or SkuFactory()
    return make_order(
        warehouse=warehouse,
        lines=[(sku, 2)],
        number=kwargs.pop("number", "0101-1"),
        accepted_at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK),
        customer=CustomerInfo(name="Иван", contact=contact, language=language),
        **kwargs,
    )


def test_short_intake_queues_a_russian_notice_with_the_expected_date(
    mailoutbox, django_capture_on_commit_callbacks
):
    # given a purchase order for the missing SKU arriving on a Monday a week or two from now
    warehouse, sku = WarehouseFactory(), SkuFactory(code="MUG")
    po = purchase_order(lines=[(sku, 10)], warehouse=warehouse)
    today = timezone.localdate()
    po.expected_arrival = today + timedelta(days=7 + (7 - today.weekday()))
    po.save()
    # when an order for it is taken in short
    with django_capture_on_commit_callbacks(execute=True):
        order = short_order(warehouse=warehouse, sku=sku)
    # then one notice says so, in Russian, with the arrival + 1 prep day, and is e-mailed
    notice = Notice.objects.get()
    assert (notice.order_id, notice.kind, notice.language) == (order.pk, "short", "ru")
    tuesday = po.expected_arrival + timedelta(days=1)
    assert notice.estimated_date == tuesday
    assert notice.subject == "Заказ 0101-1 задерживается"
    assert "Здравствуйте, Иван!" in notice.body
    assert f"планируем отправить заказ до {tuesday:%d.%m.%Y}." in notice.body
    assert notice.status == NoticeStatus.SENT
    assert notice.attempts == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ivan@example.com"]
    assert mailoutbox[0].subject == notice.subject


def test_english_notice_and_unknown_language_falls_back_to_default():
    english = short_order(language="en-GB", number="E-1")
    german = short_order(language="de", number="D-1")
    notices = {n.order_id: n for n in Notice.objects.all()}
    assert notices[english.pk].language == "en"
    assert notices[english.pk].subject == "Your order E-1 is delayed"
    assert "We will let you know the new shipping date" in notices[english.pk].body
    assert notices[german.pk].language == "ru"


def test_compensation_rules_first_match_wins():
    rules = [
        {"event": "carrier_delay", "kind": "free_delivery_upgrade"},
        {"event": "*", "min_delay_days": 3, "kind": "coupon", "value": 15},
        {"event": "*", "min_order_total": 5000, "kind": "gift"},
    ]
    total = Decimal("100")
    assert compensation_for(
        kind="carrier_delay", delay_days=9, order_total=total, rules=rules
    ) == Compensation("free_delivery_upgrade")
    assert compensation_for(
        kind="short", delay_days=3, order_total=total, rules=rules
    ) == Compensation("coupon", Decimal("15"))
    assert compensation_for(
        kind="short", delay_days=2, order_total=total, rules=rules
    ) == Compensation("none")
    assert compensation_for(
        kind="short", delay_days=None, order_total=Decimal("5000"), rules=rules
    ) == Compensation("gift")


def test_coupon_is_written_into_the_notice(settings):
    settings.ZAPAS_FULFILMENT = {
        "COMPENSATION_RULES": [{"event": "*", "kind": "coupon", "value": 7}]
    }
    short_order(language="en")
    notice = Notice.objects.get()
    assert (notice.compensation_kind, notice.compensation_value) == ("coupon", Decimal("7.00"))
    assert "here is a 7% coupon" in notice.body


@time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=MSK), tick=False)
def test_carrier_delay_notice_once_per_new_estimate(settings):
    settings.ZAPAS_FULFILMENT = {"COMPENSATION_RULES": []}
    order = short_order(language="en")
    order_carrier_delay_record(order=order, new_estimate=date(2026, 3, 12))
    order_carrier_delay_record(order=order, new_estimate=date(2026, 3, 12))
    order_carrier_delay_record(order=order, new_estimate=date(2026, 3, 14))
    delays = Notice.objects.filter(kind=NoticeKind.CARRIER_DELAY).order_by("pk")
    assert [(n.event_key, n.estimated_date) for n in delays] == [
        ("2026-03-12", date(2026, 3, 12)),
        ("2026-03-14", date(2026, 3, 14)),
    ]
    assert "The new estimated delivery date is 12 Mar 2026." in delays[0].body
    assert delays[0].compensation_kind == CompensationKind.NONE


@time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=MSK), tick=False)
def test_carrier_delay_in_the_past_is_refused_and_nothing_is_written():
    order = short_order(language="en")
    before = Notice.objects.count()
    with pytest.raises(InvalidInput) as refused:
        order_carrier_delay_record(order=order, new_estimate=date(2020, 1, 1))
    assert refused.value.code == "date_in_past"
    assert "01/01/2020 is in the past" in refused.value.message
    order.refresh_from_db()
    assert order.carrier_delay_until is None
    assert Notice.objects.count() == before
    # today itself is a valid estimate
    order_carrier_delay_record(order=order, new_estimate=date(2026, 3, 10))
    assert Notice.objects.filter(kind=NoticeKind.CARRIER_DELAY).count() == 1


def test_a_notice_whose_date_has_passed_is_never_sent(mailoutbox):
    # given a carrier-delay notice queued on 10 Mar for 12 Mar but not sent then
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=MSK), tick=False):
        order = short_order(language="en")
        order_carrier_delay_record(order=order, new_estimate=date(2026, 3, 12))
    notice = Notice.objects.get(kind=NoticeKind.CARRIER_DELAY)
    mailoutbox.clear()
    # when the sender gets to it on 13 Mar
    with time_machine.travel(datetime(2026, 3, 13, 9, 0, tzinfo=MSK), tick=False):
        notice = notice_send(notice_id=notice.pk)
    # then it is failed with the reason and nothing reached the customer
    assert notice.status == NoticeStatus.FAILED
    assert notice.last_error == "Not sent: its estimated date 03/12/2026 is already past."
    assert mailoutbox == []
    # while on the day itself it still goes out
    notice.status = NoticeStatus.PENDING
    notice.save(update_fields=["status"])
    with time_machine.travel(datetime(2026, 3, 12, 23, 0, tzinfo=MSK), tick=False):
        assert notice_send(notice_id=notice.pk).status == NoticeStatus.SENT


def test_queue_ignores_a_repeated_event():
    order = short_order()
    assert notice_queue(order=order, kind=NoticeKind.SHORT, event_key="intake") is None
    assert Notice.objects.count() == 1


def test_no_duplicate_sends_under_task_retries(flaky, django_capture_on_commit_callbacks):
    # given a channel that times out twice
    flaky.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        short_order()
    notice = Notice.objects.get()
    # then the task retried (eagerly) and the notice went out exactly once, on the third attempt
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 3)
    assert flaky.delivered == [notice.pk]
    # and running the task again (a duplicate delivery by the broker) sends nothing
    assert notice_send_task.delay(notice.pk).get() == NoticeStatus.SENT
    assert notices_send_pending_task.delay().get() == 0
    assert flaky.delivered == [notice.pk]


def test_gives_up_after_max_attempts_and_can_be_resent(flaky, django_capture_on_commit_callbacks):
    flaky.failures = 10
    with django_capture_on_commit_callbacks(execute=True):
        short_order()
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts, notice.last_error) == (
        NoticeStatus.FAILED,
        3,
        "smtp timeout",
    )
    flaky.failures = 0
    flaky.calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        notice_resend(notice=notice)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)


class NoChatChannel(channels.Channel):
    """A buyer chat that the account may not use: the notice goes to the seller's address."""

    def send(self, notice):
        raise channels.ChannelFallback(
            "No chat on this plan.", channel="email", recipient="orders@seller.example"
        )


def test_a_channel_fallback_sends_by_the_other_channel_and_keeps_the_reason(settings, mailoutbox):
    settings.ZAPAS_FULFILMENT = {
        "NOTICE_CHANNELS": {
            "email": "fulfilment.notices.channels.EmailChannel",
            "buyer_chat": f"{__name__}.NoChatChannel",
        }
    }
    notice = Notice.objects.get(order=short_order(contact=""))
    assert notice.channel == "buyer_chat"

    sent = notice_send(notice_id=notice.pk)

    assert (sent.status, sent.channel, sent.recipient, sent.fallback_reason) == (
        NoticeStatus.SENT,
        "email",
        "orders@seller.example",
        "No chat on this plan.",
    )
    assert [m.to for m in mailoutbox] == [["orders@seller.example"]]


def test_permanent_failure_is_not_retried(settings):
    # Fulfilment's own placeholder, as without a marketplace connector.
    settings.ZAPAS_FULFILMENT = {"NOTICE_CHANNELS": conf.DEFAULTS["NOTICE_CHANNELS"]}
    order = short_order(contact="+7 900 000-00-00")  # not an e-mail: the buyer chat
    notice = Notice.objects.get(order=order)
    assert notice.channel == "buyer_chat"
    notice = notice_send(notice_id=notice.pk)
    assert notice.status == NoticeStatus.FAILED
    assert notice.attempts == 1
    assert notice.last_error == (
        "The marketplace buyer chat is not connected yet; send this notice by e-mail or by hand."
    )


def test_approval_required(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.ZAPAS_FULFILMENT = {"NOTICE_REQUIRE_APPROVAL": True}
    with django_capture_on_commit_callbacks(execute=True):
        short_order()
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.AWAITING_APPROVAL
    assert notice_send(notice_id=notice.pk).status == NoticeStatus.AWAITING_APPROVAL
    assert mailoutbox == []
    notice = notice_edit(notice=notice, subject="Задержка", body="Текст.\n")
    assert notice.edited is True
    with django_capture_on_commit_callbacks(execute=True):
        notice_approve(notice=notice)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert notice.approved_at is not None
    assert [(m.subject, m.body) for m in mailoutbox] == [("Задержка", "Текст.\n")]
    with pytest.raises(InvalidTransition):
        notice_approve(notice=notice)
    with pytest.raises(InvalidTransition):
        notice_edit(notice=notice, subject="x", body="y")


def test_stale_sending_notice_is_requeued():
    short_order()
    notice = Notice.objects.get()
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.SENDING, sending_started_at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK)
    )
    assert notices_send_pending(now=datetime(2026, 3, 2, 10, 10, tzinfo=MSK)) == []
    assert notices_send_pending(
        now=datetime(2026, 3, 2, 10, 0, tzinfo=MSK) + timedelta(minutes=16)
    ) == [notice.pk]


def test_the_send_task_leaves_retries_to_celery_with_backoff_and_jitter():
    # a temporary failure is retried by Celery itself, exponentially apart, with jitter
    assert notice_send_task.autoretry_for == (NoticeRetry,)
    assert (notice_send_task.retry_backoff, notice_send_task.retry_backoff_max) == (60, 3600)
    assert notice_send_task.retry_jitter is True and notice_send_task.max_retries is None
