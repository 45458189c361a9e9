"""Opening balances never write an on-hand the 32-bit stock column cannot hold, and refuse all or nothing."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_opening_balances
from inventory.tests.factories import SkuFactory

pytestmark = pytest.mark.django_db

INT32_MAX = 2**31 - 1


def test_an_opening_balance_up_to_the_column_maximum_is_written(warehouse):
    sku = SkuFactory()
    assert stock_opening_balances(warehouse=warehouse, lines=[(sku.pk, INT32_MAX)]) == 1
    assert StockLevel.objects.get(sku=sku, warehouse=warehouse).on_hand == INT32_MAX


@pytest.mark.parametrize(
    "lines_for",
    [
        lambda sku: [(sku.pk, 2**31)],
        lambda sku: [(sku.pk, INT32_MAX), (sku.pk, 1)],  # two lines adding up past the column
    ],
)
def test_an_opening_balance_beyond_the_column_is_refused(warehouse, lines_for):
    sku = SkuFactory()
    with pytest.raises(InvalidInput) as refused:
        stock_opening_balances(warehouse=warehouse, lines=lines_for(sku))
    assert refused.value.code == "quantity_out_of_range"
    assert not StockMovement.objects.filter(sku=sku).exists()


def test_an_on_hand_without_ledger_plus_the_balance_beyond_the_column_writes_nothing(warehouse):
    # A row with units but no movement is topped up by the balance; past 2^31-1 the whole
    # call is refused, including the SKUs before it in the same call.
    first, big = sorted((SkuFactory(), SkuFactory()), key=lambda s: s.pk)
    StockLevel.objects.create(sku=big, warehouse=warehouse, on_hand=10)  # no ledger yet
    with pytest.raises(InvalidInput) as refused:
        stock_opening_balances(warehouse=warehouse, lines=[(first.pk, 5), (big.pk, INT32_MAX - 5)])
    assert refused.value.code == "quantity_out_of_range"
    assert StockLevel.objects.get(sku=big, warehouse=warehouse).on_hand == 10
    assert not StockLevel.objects.filter(sku=first, warehouse=warehouse, on_hand__gt=0).exists()
    assert not StockMovement.objects.filter(sku__in=[first, big]).exists()
