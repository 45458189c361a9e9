"""Expedite suggestions from the live plan and the SKUs' supplier items (exact values)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.tests.factories import SkuFactory, SupplierFactory, SupplierItemFactory
from planning.backup_suppliers import expedite_refresh
from planning.models import ExpediteSuggestion
from planning.tests.admin_data import staff_member
from planning.tests.factories import PlanRunFactory, SkuPlanFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture
def plan():
    slow = SupplierFactory(code="SLOW", lead_time_mean_days=Decimal("20"), lead_time_sd_days=0)
    fast = SupplierFactory(code="FAST", lead_time_mean_days=Decimal("4"), lead_time_sd_days=0)
    sku, single = SkuFactory(code="KETTLE"), SkuFactory(code="LONER")
    SupplierItemFactory(sku=sku, supplier=slow, unit_cost=Decimal("5"), is_primary=True)
    SupplierItemFactory(sku=sku, supplier=fast, unit_cost=Decimal("7"), is_primary=False)
    SupplierItemFactory(sku=single, supplier=slow, is_primary=True)
    run = PlanRunFactory(plan_date=TODAY)
    common = dict(
        run=run,
        forecast_mean=10.0,
        forecast_sd=0.0,
        available=50,
        in_transit=0,
        suggested_order=100,
        days_of_cover=5.0,
        lead_time_days=20,
        stockout_date=date(2026, 11, 25),
    )
    SkuPlanFactory(sku=sku, **common)
    SkuPlanFactory(sku=single, **common)
    return sku, slow, fast


def test_the_faster_supplier_is_suggested_with_both_costs(plan):
    sku, slow, fast = plan
    assert expedite_refresh(as_of=TODAY) == 1
    s = ExpediteSuggestion.objects.get()
    assert (s.sku, s.primary_supplier, s.backup_supplier, s.quantity) == (sku, slow, fast, 100)
    # primary: 200 demanded over 20 days against 50 → 150 cancelled × 150 + 100 × 5
    assert (s.primary_purchase_cost, s.primary_cancelled_orders) == (500.0, 150.0)
    assert s.primary_total_cost == 500 + 150 * 150
    # backup: 40 over 4 days, covered by the 50 in stock
    assert (s.backup_purchase_cost, s.backup_cancelled_orders, s.backup_total_cost) == (
        700.0,
        0.0,
        700.0,
    )
    assert s.saving == 23000 - 700


def test_buyers_see_both_options(plan, client):
    expedite_refresh(as_of=TODAY)
    client.force_login(staff_member("Buyer", "buyer"))
    body = client.get(reverse("admin:planning_expeditesuggestion_changelist")).content.decode()
    assert "SLOW · 20.0 d · 500\xa0RUB + 150.0 cancelled orders = <b>23,000\xa0RUB</b>" in body
    assert "FAST · 4.0 d · 700\xa0RUB + 0.0 cancelled orders = <b>700\xa0RUB</b>" in body
    assert "22,300\xa0RUB" in body  # the saving


def test_an_item_in_another_currency_is_compared_at_the_days_rate(plan, client):
    # given the fast supplier invoices in yuan: 0.50 CNY a unit, 14 RUB a yuan since 10 Nov
    from core.models import ExchangeRate

    sku, slow, fast = plan
    fast.currency = "CNY"
    fast.save(update_fields=["currency"])
    sku.supplier_items.filter(supplier=fast).update(unit_cost=Decimal("0.50"))
    ExchangeRate.objects.create(currency="CNY", rate=Decimal("14"), valid_from=date(2026, 11, 10))
    ExchangeRate.objects.create(currency="CNY", rate=Decimal("99"), valid_from=date(2026, 11, 21))
    # when the suggestions are made on 20 Nov
    assert expedite_refresh(as_of=TODAY) == 1
    # then the yuan price counts as 7 RUB a unit (the rate valid that day), not 0.50
    s = ExpediteSuggestion.objects.get()
    assert (s.backup_supplier, s.backup_purchase_cost, s.backup_total_cost) == (fast, 700.0, 700.0)
    client.force_login(staff_member("Buyer", "buyer"))
    body = client.get(reverse("admin:planning_expeditesuggestion_changelist")).content.decode()
    assert "FAST · 4.0 d · 700\xa0RUB (CNY at 14 from 11/10/2026) + 0.0 cancelled" in body


def test_an_item_in_a_currency_without_a_rate_is_not_compared(plan):
    # given the fast supplier invoices in lira and no lira rate is kept
    sku, slow, fast = plan
    fast.currency = "TRY"
    fast.save(update_fields=["currency"])
    # then no suggestion is made for the SKU (0.50 TRY is not 0.50 RUB)
    assert expedite_refresh(as_of=TODAY) == 0
