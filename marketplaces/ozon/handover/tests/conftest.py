from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from fulfilment.services import order_pack
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, WarehouseFactory, ean13, stock_level
from marketplaces.ozon.handover.tests.fake_handover import HandoverFakeOzon
from marketplaces.ozon.models import Posting, PostingScheme
from marketplaces.ozon.tests.conftest import account, fake_ozon_running, ozon  # noqa: F401
from marketplaces.ozon.tests.fake import FakePosting


@pytest.fixture
def fake_ozon():
    with fake_ozon_running(HandoverFakeOzon) as fake:
        yield fake


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="MSK1")


@pytest.fixture
def cup(warehouse):
    sku = SkuFactory(code="CUP-1", barcode=ean13(201))
    stock_level(sku=sku, warehouse=warehouse, on_hand=100)
    return sku


@pytest.fixture
def ozon_order(account, fake_ozon, warehouse, cup):  # noqa: F811
    """``ozon_order(number, packed=True)``: an Ozon FBS order of one cup at MSK1, at the fake too;
    packed in Zapas and the pack sent to the fake (which then has it awaiting the carrier)."""

    def build(number: str, *, packed: bool = True, send: bool = True):
        # Overdue by half an hour: on the Due today page whatever the hour.
        ship_by = timezone.now() - timedelta(minutes=30)
        order = make_order(warehouse=warehouse, lines=[(cup, 1)], number=number, ship_by=ship_by)
        Posting.objects.create(
            account=account,
            posting_number=number,
            scheme=PostingScheme.FBS,
            order=order,
            status="awaiting_packaging",
            products=[[9501, "CUP-1", 1]],
        )
        fake_ozon.add_posting(
            FakePosting(number, 1001, [{"sku": 9501, "offer_id": "CUP-1", "quantity": 1}])
        )
        if packed:
            from marketplaces.ozon.models import OutboxMessage
            from marketplaces.ozon.outbox import outbox_send

            order_pack(order=order)
            if send:
                for message in OutboxMessage.objects.filter(posting_number=number):
                    outbox_send(message.pk)
        order.refresh_from_db()
        return order

    return build


@pytest.fixture
def staff(db, client):
    user = get_user_model().objects.create_user("boss", password="x", is_staff=True)
    user.is_superuser = True
    user.save()
    client.force_login(user)
    return user
