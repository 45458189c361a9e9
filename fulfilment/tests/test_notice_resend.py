"""'Send again' on a notice: it is really queued again, by the same or another channel, and a
notice whose promised date has passed is refused instead of failing again unseen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidInput, InvalidTransition
from fulfilment.models import Notice, NoticeKind, NoticeStatus
from fulfilment.notices import channels
from fulfilment.notices.outbox import notice_resend, notice_send
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, StaffUserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


class RecordingChannel(channels.Channel):
    sent: list[tuple[str, str]] = []

    def send(self, notice):
        RecordingChannel.sent.append((notice.channel, notice.recipient))


class BrokenChannel(channels.Channel):
    def send(self, notice):
        raise channels.PermanentChannelError("chat closed for this posting")


@pytest.fixture
def two_channels(settings):
    RecordingChannel.sent = []
    settings.ZAPAS_FULFILMENT = {
        "NOTICE_CHANNELS": {
            "email": f"{__name__}.RecordingChannel",
            "buyer_chat": f"{__name__}.BrokenChannel",
        },
    }
    return RecordingChannel


def _failed_notice(*, estimated: date | None = None) -> Notice:
    order = make_order(warehouse=WarehouseFactory(), lines=[(SkuFactory(), 1)], number="77-1")
    notice = Notice.objects.create(
        order=order,
        kind=NoticeKind.CARRIER_DELAY,
        event_key="delay-1",
        channel="buyer_chat",
        recipient="",
        subject="Delay",
        body="Your parcel is late.",
        estimated_date=estimated,
        status=NoticeStatus.PENDING,
    )
    notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    return notice


def test_a_failed_chat_notice_goes_again_by_email_to_a_new_address(
    two_channels, django_capture_on_commit_callbacks
):
    notice = _failed_notice()
    user = StaffUserFactory(username="olga")
    # when staff send it again by e-mail
    with django_capture_on_commit_callbacks(execute=True):
        notice_resend(notice=notice, user=user, channel="email", recipient="ivan@example.com")
    # then it went out by e-mail, and the change is recorded
    notice.refresh_from_db()
    assert (notice.status, notice.channel, notice.recipient, notice.attempts) == (
        NoticeStatus.SENT,
        "email",
        "ivan@example.com",
        1,
    )
    assert two_channels.sent == [("email", "ivan@example.com")]
    assert notice.fallback_reason == "Sent again by olga through email (was buyer_chat —)."


def test_sent_again_it_is_pending_until_the_worker_sends_it(two_channels):
    notice = _failed_notice()
    resent = notice_resend(notice=notice, channel="email", recipient="ivan@example.com")
    notice.refresh_from_db()
    assert resent.status == notice.status == NoticeStatus.PENDING
    assert (notice.attempts, notice.last_error) == (0, "")


@pytest.mark.parametrize(
    ("channel", "recipient", "code"),
    [
        ("email", "not an address", "invalid_recipient"),
        ("email", None, "invalid_recipient"),  # the chat notice has no address to fall back to
        ("pigeon", "roof", "unknown_channel"),
    ],
)
def test_a_bad_channel_or_address_is_refused_and_nothing_changes(
    two_channels, channel, recipient, code
):
    notice = _failed_notice()
    with pytest.raises(InvalidInput) as excinfo:
        notice_resend(notice=notice, channel=channel, recipient=recipient)
    assert excinfo.value.code == code
    notice.refresh_from_db()
    assert (notice.status, notice.channel) == (NoticeStatus.FAILED, "buyer_chat")


def test_a_notice_whose_date_has_passed_is_refused_with_the_reason(two_channels):
    notice = _failed_notice(estimated=timezone.localdate() - timedelta(days=2))
    with pytest.raises(InvalidTransition) as excinfo:
        notice_resend(notice=notice, channel="email", recipient="ivan@example.com")
    assert excinfo.value.code == "date_passed"
    assert "record a new carrier delay" in excinfo.value.message
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED


def test_the_admin_asks_for_the_channel_then_queues_the_notices(
    two_channels, client, django_capture_on_commit_callbacks
):
    notice = _failed_notice()
    pending = Notice.objects.create(
        order=notice.order,
        kind=NoticeKind.CARRIER_DELAY,
        event_key="delay-2",
        subject="Delay",
        body="Late.",
        status=NoticeStatus.AWAITING_APPROVAL,
    )
    client.force_login(StaffUserFactory(is_superuser=True))
    url = reverse("admin:fulfilment_notice_changelist")
    selected = {"action": "resend_notices", ACTION_CHECKBOX_NAME: [notice.pk, pending.pk]}
    # when staff choose "Send again…", the form asks for the channel
    form = client.post(url, selected)
    assert form.status_code == 200 and 'name="channel"' in form.content.decode()
    # when they choose e-mail with an address and apply
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {**selected, "apply": "1", "channel": "email", "recipient": "ivan@example.com"},
            follow=True,
        )
    # then the failed notice went by e-mail, and the one awaiting approval is left with why
    page = done.content.decode()
    assert "1 notice queued again" in page
    assert "77-1: This notice is awaiting approval" in page
    notice.refresh_from_db()
    pending.refresh_from_db()
    assert (notice.status, notice.channel) == (NoticeStatus.SENT, "email")
    assert pending.status == NoticeStatus.AWAITING_APPROVAL
