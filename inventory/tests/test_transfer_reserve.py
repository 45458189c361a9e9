"""A draft transfer can hold its units at the source until it leaves (a supply ready to ship)."""

from __future__ import annotations

import pytest

from core.errors import InvalidTransition
from inventory import services
from inventory.models import StockLevel
from inventory.tests.factories import FboWarehouseFactory, SkuFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    own, fbo = WarehouseFactory(), FboWarehouseFactory()
    cup, mug = SkuFactory(code="CUP"), SkuFactory(code="MUG")
    services.stock_receive(sku=cup, warehouse=own, quantity=10)
    services.stock_receive(sku=mug, warehouse=own, quantity=3)
    return services.transfer_create(source=own, destination=fbo, lines=[(cup, 4), (mug, 5)])


def _own(transfer):
    return sorted(
        StockLevel.objects.filter(warehouse=transfer.source).values_list(
            "sku__code", "on_hand", "reserved"
        )
    )


def _held(transfer):
    return sorted(transfer.lines.values_list("sku__code", "quantity_reserved"))


def test_reserve_holds_what_is_there_and_tops_up_later(draft):
    services.transfer_reserve(transfer=draft)

    assert _own(draft) == [("CUP", 10, 4), ("MUG", 3, 3)]
    assert _held(draft) == [("CUP", 4), ("MUG", 3)]
    mug = draft.lines.get(sku__code="MUG").sku
    services.stock_receive(sku=mug, warehouse=draft.source, quantity=4)
    services.transfer_reserve(transfer=draft)
    services.transfer_reserve(transfer=draft)
    assert _own(draft) == [("CUP", 10, 4), ("MUG", 7, 5)]
    assert _held(draft) == [("CUP", 4), ("MUG", 5)]


def test_dispatch_takes_the_held_units_with_their_reservation(draft):
    mug = draft.lines.get(sku__code="MUG").sku
    services.stock_receive(sku=mug, warehouse=draft.source, quantity=2)
    services.transfer_reserve(transfer=draft)

    services.transfer_dispatch(transfer=draft)

    assert _own(draft) == [("CUP", 6, 0), ("MUG", 0, 0)]
    assert _held(draft) == [("CUP", 0), ("MUG", 0)]
    with pytest.raises(InvalidTransition):
        services.transfer_reserve(transfer=draft)


def test_cancel_gives_the_held_units_back(draft):
    services.transfer_reserve(transfer=draft)

    services.transfer_cancel(transfer=draft)

    assert _own(draft) == [("CUP", 10, 0), ("MUG", 3, 0)]
    assert _held(draft) == [("CUP", 0), ("MUG", 0)]
