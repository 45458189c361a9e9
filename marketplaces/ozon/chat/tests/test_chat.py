"""Delay notices through Ozon's buyer chat: sent, split, resumed, or by e-mail with the reason."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfilment.models import Notice, NoticeKind, NoticeStatus
from fulfilment.notices.outbox import NoticeRetry, notice_queue, notice_resend, notice_send
from fulfilment.tests.factories import order as make_order
from marketplaces.ozon.chat.models import ChatDelivery
from marketplaces.ozon.chat.tests.fake_chat import NO_SUBSCRIPTION
from marketplaces.ozon.chat.text import ChatTextError, chat_parts
from marketplaces.ozon.models import Posting, PostingScheme
from marketplaces.ozon.tests.fake import FakePosting

NUMBER = "5550001-0001-1"
START, SEND = "/v1/chat/start", "/v1/chat/send/message"


@pytest.fixture
def notice(account, fake_ozon, settings) -> Notice:
    """An overdue notice about an Ozon posting whose buyer Zapas has no e-mail for."""
    settings.OZON_CHAT = {"MAX_MESSAGES": 3, "FALLBACK_EMAIL": "orders@seller.example"}
    order = make_order(number=NUMBER)
    Posting.objects.create(
        account=account, posting_number=NUMBER, scheme=PostingScheme.FBS, order=order, status="x"
    )
    fake_ozon.add_posting(FakePosting(NUMBER, 1001, []))
    notice = notice_queue(order=order, kind=NoticeKind.OVERDUE, event_key="deadline")
    assert notice.channel == "buyer_chat" and notice.recipient == ""
    return notice


def with_body(notice: Notice, body: str) -> Notice:
    Notice.objects.filter(pk=notice.pk).update(body=body)
    return notice


def test_a_notice_reaches_the_buyer_through_the_chat(notice, fake_ozon, mailoutbox):
    sent = notice_send(notice_id=notice.pk)

    assert (sent.status, sent.channel, sent.fallback_reason) == (
        NoticeStatus.SENT,
        "buyer_chat",
        "",
    )
    chat_id = fake_ozon.chats[NUMBER]
    assert fake_ozon.calls_to(START) == [{"posting_number": NUMBER}]
    assert fake_ozon.messages == [(chat_id, notice.body.strip())]
    delivery = ChatDelivery.objects.get(notice=notice)
    assert (delivery.chat_id, delivery.parts_sent, delivery.parts_total) == (chat_id, 1, 1)
    assert delivery.finished_at is not None
    assert mailoutbox == []


def test_without_the_subscription_the_notice_goes_by_email_with_ozons_answer(
    notice, fake_ozon, mailoutbox
):
    fake_ozon.chat_allowed = False

    sent = notice_send(notice_id=notice.pk)

    assert (sent.status, sent.channel, sent.recipient) == (
        NoticeStatus.SENT,
        "email",
        "orders@seller.example",
    )
    assert NO_SUBSCRIPTION in sent.fallback_reason
    assert "HTTP 403" in sent.fallback_reason
    # Ozon's 403 does not say which: the reason names both causes to check
    assert "Premium Plus or Premium Pro subscription" in sent.fallback_reason
    assert "API key whose roles include the chat" in sent.fallback_reason
    assert sent.fallback_reason.endswith("Sent by e-mail to orders@seller.example.")
    assert [m.to for m in mailoutbox] == [["orders@seller.example"]]
    assert mailoutbox[0].body == notice.body
    assert fake_ozon.calls_to(SEND) == [] and fake_ozon.messages == []


def test_without_the_subscription_and_no_fallback_address_the_notice_fails_saying_why(
    notice, fake_ozon, settings, mailoutbox
):
    settings.OZON_CHAT = {**settings.OZON_CHAT, "FALLBACK_EMAIL": ""}
    fake_ozon.chat_allowed = False

    failed = notice_send(notice_id=notice.pk)

    assert (failed.status, failed.attempts, failed.channel) == (
        NoticeStatus.FAILED,
        1,
        "buyer_chat",
    )
    assert NO_SUBSCRIPTION in failed.last_error
    assert "OZON_CHAT_FALLBACK_EMAIL" in failed.last_error
    assert mailoutbox == []


def test_a_long_notice_goes_as_numbered_messages_and_loses_nothing(notice, fake_ozon):
    paragraph = "Ваш заказ задерживается. " * 30  # 750 characters
    body = "\n\n".join([paragraph.strip()] * 3)  # 2,254 characters
    with_body(notice, body)

    assert notice_send(notice_id=notice.pk).status == NoticeStatus.SENT

    texts = [text for _chat, text in fake_ozon.messages]
    assert [t[-6:] for t in texts] == [" (1/3)", " (2/3)", " (3/3)"]
    assert all(1 <= len(t) <= 1000 for t in texts)
    assert " ".join(re.sub(r" \(\d/3\)$", "", t) for t in texts).split() == body.split()


def test_a_notice_too_long_for_the_allowed_messages_is_refused_not_cut(notice, fake_ozon):
    with_body(notice, "слово " * 600)  # 3,600 characters: 4 messages, 3 allowed

    failed = notice_send(notice_id=notice.pk)

    assert failed.status == NoticeStatus.FAILED
    assert failed.last_error == (
        "The notice is 3599 characters: that is 4 chat messages of at most 1000 characters, "
        "and at most 3 are allowed. Shorten it and send it again."
    )
    assert fake_ozon.calls == []


def test_a_retry_after_a_failure_part_way_sends_only_the_rest(notice, fake_ozon):
    with_body(notice, "\n\n".join([f"Абзац номер {n}. " * 40 for n in range(3)]))
    fake_ozon.fail_next(SEND, "500", times=2, after=1)  # the second message fails twice

    with pytest.raises(NoticeRetry):
        notice_send(notice_id=notice.pk)
    assert ChatDelivery.objects.get(notice=notice).parts_sent == 1
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PENDING

    assert notice_send(notice_id=notice.pk).status == NoticeStatus.SENT
    texts = [text for _chat, text in fake_ozon.messages]
    assert [t[-6:] for t in texts] == [" (1/3)", " (2/3)", " (3/3)"]  # each once
    assert len(fake_ozon.calls_to(START)) == 1  # the chat id was kept


def test_a_staff_resend_of_a_sent_notice_sends_it_again(
    notice, fake_ozon, django_capture_on_commit_callbacks
):
    notice_send(notice_id=notice.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notice_resend(notice=Notice.objects.get(pk=notice.pk))

    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT
    assert len(fake_ozon.messages) == 2


def test_a_notice_for_an_order_that_is_no_ozon_posting_fails_clearly(notice, fake_ozon):
    Posting.objects.filter(posting_number=NUMBER).delete()

    failed = notice_send(notice_id=notice.pk)

    assert failed.status == NoticeStatus.FAILED
    assert failed.last_error == (
        f"Order {NUMBER} is not an Ozon posting: the buyer chat cannot reach its customer."
    )


def test_ozon_refusing_a_posting_fails_the_notice_with_ozons_message(notice, fake_ozon):
    del fake_ozon.postings[NUMBER]

    failed = notice_send(notice_id=notice.pk)

    assert (failed.status, failed.last_error) == (
        NoticeStatus.FAILED,
        "Ozon refused the chat message: posting not found",
    )


def test_an_empty_text_is_refused():
    with pytest.raises(ChatTextError, match="1 to 1000 characters"):
        chat_parts(" \n ", max_parts=3)


@given(
    st.text(alphabet=st.sampled_from("абв где\n.!x"), min_size=1, max_size=4000).filter(str.strip)
)
def test_parts_fit_a_message_and_keep_every_word(text):
    try:
        parts = chat_parts(text, max_parts=5)
    except ChatTextError:
        return  # more than five messages: refused, which the test above pins down
    assert all(1 <= len(part) <= 1000 for part in parts)
    if len(parts) > 1:
        parts = [re.sub(r" \(\d/\d\)$", "", part) for part in parts]
    assert "".join("".join(parts).split()) == "".join(text.split())
