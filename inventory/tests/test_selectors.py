"""Inventory selectors."""

import pytest

from inventory.models import Barcode
from inventory.selectors import skus_with_barcodes
from inventory.tests.factories import SkuFactory, ean13

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 3, 16, 17, 30])
def test_skus_come_with_their_barcodes_in_code_order(count):
    # given SKUs with one barcode each, the first with two more, and one SKU with none
    skus = [SkuFactory(barcode=ean13(500 + n)) for n in range(count - 1)]
    bare = SkuFactory(barcode=False)
    first = skus[0] if skus else bare
    Barcode.objects.create(sku=first, code="ZZZ-BOX")
    Barcode.objects.create(sku=first, code="AAA-BOX")
    # when read for all of them, one SKU twice
    read = skus_with_barcodes(sku_ids=[*(sku.pk for sku in skus), bare.pk, first.pk])
    found = {sku_id: codes for sku_id, (_, codes) in read.items()}
    # then every SKU is there with its codes sorted; the one without barcodes has none
    expected = {sku.pk: [ean13(500 + n)] for n, sku in enumerate(skus)}
    expected[bare.pk] = []
    expected[first.pk] = sorted([*expected[first.pk], "AAA-BOX", "ZZZ-BOX"])
    assert found == expected
    assert {sku_id: (sku.code, sku.name) for sku_id, (sku, _) in read.items()} == {
        sku.pk: (sku.code, sku.name) for sku in [*skus, bare]
    }


def test_skus_with_barcodes_of_nothing_is_empty():
    assert skus_with_barcodes(sku_ids=[]) == {}
