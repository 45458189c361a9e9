"""``manage.py ozon_fbo_import``: every FBO step against the fake, a summary, a second run idle."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory.models import FboStockReport, Transfer
from inventory.tests.factories import SkuFactory, WarehouseFactory
from marketplaces.ozon.models import ProductLink, SyncRun, WarehouseLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(fake_ozon, account):
    own = WarehouseFactory(code="OZ-1001")
    WarehouseLink.objects.create(account=account, ozon_warehouse_id=1001, name="Own", warehouse=own)
    fake_ozon.add_cluster(154, "Moscow", {21: "Khorugvino"})
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    ProductLink.objects.create(
        account=account,
        sku=SkuFactory(code="CUP-1"),
        offer_id="CUP-1",
        product_id=501,
        ozon_sku=9501,
    )
    fake_ozon.add_fbo_stock(9501, 21, available=12)
    fake_ozon.add_supply_order(7001, "DATA_FILLING", {71: (21, {9501: 5})})
    return fake_ozon


def _run() -> str:
    out = StringIO()
    call_command("ozon_fbo_import", stdout=out)
    return out.getvalue()


def test_one_import_runs_every_step_and_a_second_changes_nothing(store):
    output = _run()

    for step in ("FBO clusters", "FBO stock", "Ozon charges", "supply orders"):
        assert f"ok   {step}" in output
    assert "FBO clusters   1 new" in output
    assert list(FboStockReport.objects.values_list("available", flat=True)) == [12]
    assert Transfer.objects.count() == 1
    assert SyncRun.objects.get().ok is True

    again = _run()
    assert "FBO clusters   0 new, 0 updated, 1 unchanged" in again
    assert Transfer.objects.count() == 1


def test_a_failing_step_fails_the_command_but_not_the_others(store):
    store.fail_next("/v2/cluster/list", "circle")

    with pytest.raises(CommandError, match="Some steps failed"):
        _run()

    run = SyncRun.objects.get()
    assert [(s["name"], s["ok"]) for s in run.steps] == [
        ("FBO clusters", False),
        ("FBO stock", True),
        ("Ozon charges", True),
        ("supply orders", True),
    ]
