"""'Send again' on a failed notice in headless Chromium: staff pick another channel and
address, the notice is really queued again and sent, and the list shows its new state."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from fulfilment.models import Notice, NoticeKind, NoticeStatus
from fulfilment.notices.outbox import notice_send
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, UserFactory, WarehouseFactory, stock_level
from tests.browser.test_planner_buyer import PASSWORD, _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chat_not_connected(settings):
    settings.ZAPAS_FULFILMENT = {
        **settings.ZAPAS_FULFILMENT,
        "NOTICE_CHANNELS": {
            "email": "fulfilment.notices.channels.EmailChannel",
            "buyer_chat": "fulfilment.notices.channels.BuyerChatChannel",
        },
    }


def _failed_chat_notice() -> Notice:
    warehouse = WarehouseFactory(code="MSK")
    sku = SkuFactory(code="MUG-1")
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    order = make_order(warehouse=warehouse, lines=[(sku, 1)], number="0123456-0001-1")
    notice = Notice.objects.create(
        order=order,
        kind=NoticeKind.CARRIER_DELAY,
        event_key="delay-1",
        channel="buyer_chat",
        subject="Your order is late",
        body="Your parcel is late.",
        status=NoticeStatus.PENDING,
    )
    notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    return notice


def test_a_failed_notice_is_sent_again_by_email_and_its_state_changes(
    browser, live_server, chat_not_connected
):
    # given a notice the buyer chat could not take, and staff on the notices list
    notice = _failed_chat_notice()
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    boss.set_password(PASSWORD)
    boss.save(update_fields=["password"])
    context, page = _login(browser, live_server, "boss")
    page.goto(f"{live_server.url}{reverse('admin:fulfilment_notice_changelist')}")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("buyer_chat")

    # when they choose "Send again…" for it
    page.check(f"input[name=_selected_action][value='{notice.pk}']")
    page.select_option("select[name=action]", "resend_notices")
    page.click("button[name=index]")
    # then a form shows the notice with its last error and asks for the channel
    expect(page.locator("#resend-notices")).to_contain_text("not connected yet")
    # when they switch it to e-mail with the customer's address and send
    page.select_option("select[name=channel]", "email")
    page.fill("input[name=recipient]", "ivan@example.com")
    page.click("input[type=submit][value='Send again']")

    # then the list says it was queued, and shows it sent by e-mail
    expect(page.locator(".messagelist")).to_contain_text("1 notice queued again")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text("email")
    expect(row).to_contain_text("ivan@example.com")
    notice.refresh_from_db()
    assert (notice.status, notice.channel, notice.recipient, notice.attempts) == (
        NoticeStatus.SENT,
        "email",
        "ivan@example.com",
        1,
    )
    assert [m.to for m in mail.outbox] == [["ivan@example.com"]]
    assert mail.outbox[0].subject == "Your order is late"
    page.wait_for_load_state("networkidle")
    context.close()
