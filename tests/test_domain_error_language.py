"""Domain errors keep their ``code`` in every language and say their message in the language of
whoever asked: the API's Accept-Language, the admin's switch, a task run in its starter's."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import DomainError
from fulfilment.tests.factories import order as make_order
from inventory import services as stock
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    SupplierFactory,
    WarehouseFactory,
    ean13,
    stock_level,
)
from tests.factories import ScannerDeviceFactory

pytestmark = pytest.mark.django_db


def _raised(call) -> DomainError:
    with pytest.raises(DomainError) as error:
        call()
    return error.value


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Order S-2 is not packed yet; pack it before handover."),
        ("ru", "Заказ S-2 ещё не упакован; упакуйте его перед передачей."),
        ("zh-hans", "订单 S-2 尚未打包；请在交接前打包。"),
    ],
)
def test_the_api_says_a_domain_error_in_the_request_language(language, message):
    from rest_framework.test import APIClient

    warehouse = WarehouseFactory(code="MSK1")
    mug = SkuFactory(code="MUG-1", barcode=ean13(101))
    stock_level(sku=mug, warehouse=warehouse, on_hand=10)
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="S-2")
    api = APIClient()
    device = ScannerDeviceFactory(warehouse=warehouse)
    api.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")

    response = api.post("/api/v1/orders/S-2/ship/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 409
    assert response.json()["code"] == "not_packed"
    assert response.json()["message"] == message


def test_stock_errors_in_russian_and_chinese_with_numbers_in_their_format():
    warehouse = WarehouseFactory()
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=3)

    def receive_too_many():
        stock.stock_receive(sku=sku, warehouse=warehouse, quantity=2**31)

    with translation.override("ru"):
        russian = _raised(receive_too_many)
    with translation.override("zh-hans"):
        chinese = _raised(receive_too_many)
    english = _raised(receive_too_many)

    assert {russian.code, chinese.code, english.code} == {"quantity_out_of_range"}
    assert english.message == (
        "The quantity 2,147,483,648 is beyond the largest quantity Zapas stores (2,147,483,647)."
    )
    assert russian.message == (
        "Значение «количество» 2\xa0147\xa0483\xa0648 больше наибольшего количества, которое "
        "хранит Zapas (2\xa0147\xa0483\xa0647)."
    )
    assert chinese.message == "数量 2147483648 超过了 Zapas 能存储的最大数量（2147483647）。"


def test_purchase_order_and_transfer_errors_name_the_status_in_the_language():
    supplier, warehouse, sku = SupplierFactory(), WarehouseFactory(), SkuFactory()
    po = stock.purchase_order_create(supplier=supplier, warehouse=warehouse, lines=[(sku, 5, None)])
    stock.purchase_order_send(purchase_order=po)
    with translation.override("ru"):
        again = _raised(lambda: stock.purchase_order_send(purchase_order=po))
    assert again.code == "invalid_transition"
    assert again.message == (
        f"{po.number} в статусе «отправлен поставщику»; отправить можно только черновик."
    )

    with translation.override("zh-hans"):
        same = _raised(
            lambda: stock.transfer_create(source=warehouse, destination=warehouse, lines=[(sku, 1)])
        )
    assert (same.code, same.message) == ("same_warehouse", "调拨需要两个不同的仓库。")
    with translation.override("ru"):
        direction = _raised(
            lambda: stock.transfer_create(
                source=FboWarehouseFactory(), destination=warehouse, lines=[(sku, 1)]
            )
        )
    assert (direction.code, direction.message) == (
        "transfer_direction",
        "Перемещения идут со своего склада на склад FBO маркетплейса.",
    )


def test_an_order_transition_says_its_action_in_the_language():
    from fulfilment.services import order_deliver

    warehouse, sku = WarehouseFactory(), SkuFactory(code="CUP")
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    placed = make_order(warehouse=warehouse, lines=[(sku, 1)], number="T-9")
    with translation.override("ru"):
        error = _raised(lambda: order_deliver(order=placed))
    assert error.code == "invalid_transition"
    assert error.details["action"] == "delivered"  # details stay machine-readable
    assert error.message == (
        "Заказ T-9 в статусе «ожидает упаковки»; отметить доставленным можно только заказ в "
        "статусе «передан перевозчику»."
    )
