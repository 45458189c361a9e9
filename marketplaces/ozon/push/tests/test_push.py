"""Ozon's push notifications: answered at once, once per message, a sync of the posting queued."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

from fulfilment.models import Order, OrderStatus
from marketplaces.ozon.push.models import PushNotification, PushStatus
from marketplaces.ozon.push.tasks import push_drain_task
from marketplaces.ozon.sync.catalogue import products_sync, warehouses_sync
from marketplaces.ozon.tests.fake import FakePosting

OZON_IP = "195.34.21.7"


def post(client, account, body, *, sender=OZON_IP, raw=None):
    return client.post(
        reverse("ozon-push", args=[account.pk]),
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR=sender,
    )


@pytest.fixture
def linked(account, ozon, fake_ozon):
    """An account whose warehouse and product are linked, and one posting at the fake."""
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    warehouses_sync(account=account, client=ozon)
    products_sync(account=account, client=ozon)
    fake_ozon.add_posting(
        FakePosting("1111-0001-1", 1001, [{"sku": 9501, "offer_id": "CUP-1", "quantity": 2}])
    )
    fake_ozon.calls.clear()
    return account


def new_posting(number="1111-0001-1", **extra):
    return {"message_type": "TYPE_NEW_POSTING", "posting_number": number, **extra}


def test_ping_is_answered_with_name_version_and_time(db, client, account):
    response = post(client, account, {"message_type": "TYPE_PING", "time": "2026-12-02T10:00:00Z"})
    assert response.status_code == 200
    assert set(response.json()) == {"version", "name", "time"}
    assert response.json()["name"] == "Zapas"


def test_new_posting_is_recorded_answered_and_synced_by_the_drain(client, linked, fake_ozon):
    # The body's own products, status and warehouse are ignored: Zapas asks Ozon.
    body = new_posting(products=[{"sku": 1, "offer_id": "FAKE", "quantity": 99}], warehouse_id=7)
    response = post(client, linked, body)

    assert response.status_code == 200 and response.json() == {"result": True}
    assert fake_ozon.calls == []  # the answer waits for nothing at Ozon
    notification = PushNotification.objects.get()
    assert (notification.posting_number, notification.status) == ("1111-0001-1", PushStatus.QUEUED)

    assert push_drain_task() == 1
    notification.refresh_from_db()
    assert notification.status == PushStatus.SYNCED
    assert [path for path, _ in fake_ozon.calls] == ["/v3/posting/fbs/get"]
    order = Order.objects.get(external_number="1111-0001-1")
    assert order.status == OrderStatus.AWAITING_PACKAGING
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [("CUP-1", 2)]


def test_duplicates_are_stored_once_and_sync_once(client, linked, fake_ozon):
    for _ in range(3):
        assert post(client, linked, new_posting()).status_code == 200
    # A different message about the same posting while its sync waits: covered by it.
    assert (
        post(
            client,
            linked,
            {
                "message_type": "TYPE_STATE_CHANGED",
                "posting_number": "1111-0001-1",
                "new_state": "posting_delivering",
            },
        ).status_code
        == 200
    )

    rows = list(PushNotification.objects.order_by("pk"))
    assert [(r.message_type, r.status, r.duplicates) for r in rows] == [
        ("TYPE_NEW_POSTING", PushStatus.QUEUED, 2),
        ("TYPE_STATE_CHANGED", PushStatus.SYNCED, 0),
    ]
    push_drain_task()
    push_drain_task()
    assert len(fake_ozon.calls_to("/v3/posting/fbs/get")) == 1


def test_a_cancellation_push_follows_ozons_state(client, linked, fake_ozon):
    post(client, linked, new_posting())
    push_drain_task()
    fake_ozon.cancel_by_customer("1111-0001-1")

    post(
        client,
        linked,
        {
            "message_type": "TYPE_POSTING_CANCELLED",
            "posting_number": "1111-0001-1",
            "reason": {"id": 1},
        },
    )
    push_drain_task()

    order = Order.objects.get(external_number="1111-0001-1")
    assert (order.status, order.cancelled_by) == (OrderStatus.CANCELLED, "customer")


def test_unknown_posting_at_ozon_is_marked_not_found(client, linked, fake_ozon):
    post(client, linked, new_posting("2222-0001-1"))
    push_drain_task()
    assert PushNotification.objects.get().status == PushStatus.NOT_FOUND
    assert not Order.objects.filter(external_number="2222-0001-1").exists()


def test_with_a_broker_the_sync_is_queued_after_commit(
    client, linked, django_capture_on_commit_callbacks
):
    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=False),
        mock.patch("marketplaces.ozon.push.tasks.push_sync_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        post(client, linked, new_posting())
        post(client, linked, new_posting())
    assert delay.call_args_list == [mock.call(PushNotification.objects.get().pk)]


@pytest.mark.parametrize(
    ("body", "raw", "sender", "status", "code"),
    [
        (new_posting(), None, "10.0.0.1", 403, "ERROR_UNKNOWN"),
        (new_posting(), None, "not-an-ip", 403, "ERROR_UNKNOWN"),
        (None, b"{not json", OZON_IP, 400, "ERROR_UNKNOWN"),
        ([1, 2], None, OZON_IP, 400, "ERROR_PARAMETER_VALUE_MISSED"),
        ({"posting_number": "1111-0001-1"}, None, OZON_IP, 400, "ERROR_PARAMETER_VALUE_MISSED"),
        ({"message_type": "TYPE_NEW_POSTING"}, None, OZON_IP, 400, "ERROR_PARAMETER_VALUE_MISSED"),
        (new_posting("1111; DROP"), None, OZON_IP, 400, "ERROR_PARAMETER_VALUE_MISSED"),
    ],
)
def test_bad_pushes_get_ozons_error_shape_and_write_nothing(
    client, account, body, raw, sender, status, code
):
    response = post(client, account, body, raw=raw, sender=sender)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert PushNotification.objects.count() == 0


def test_unknown_or_disabled_account_and_other_types(client, account):
    response = client.post(
        reverse("ozon-push", args=[account.pk + 99]),
        data=json.dumps(new_posting()),
        content_type="application/json",
        REMOTE_ADDR=OZON_IP,
    )
    assert response.status_code == 404
    chat = post(client, account, {"message_type": "TYPE_NEW_MESSAGE", "chat_id": "x"})
    assert chat.status_code == 200 and chat.json() == {"result": True}
    assert (
        client.get(reverse("ozon-push", args=[account.pk]), REMOTE_ADDR=OZON_IP).status_code == 405
    )
    account.is_enabled = False
    account.save()
    assert post(client, account, new_posting()).status_code == 404
    assert PushNotification.objects.count() == 0


@override_settings(
    OZON_PUSH={"ALLOWED_NETWORKS": ["127.0.0.0/8"], "SENDER_HEADER": "HTTP_X_REAL_IP"}
)
def test_allow_list_and_proxy_header_are_settings(client, account):
    assert post(client, account, new_posting(), sender="127.0.0.1").status_code == 403  # no header
    response = client.post(
        reverse("ozon-push", args=[account.pk]),
        data=json.dumps(new_posting()),
        content_type="application/json",
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_REAL_IP="127.0.0.5",
    )
    assert response.status_code == 200
