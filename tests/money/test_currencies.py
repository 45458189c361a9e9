"""Money carries its currency: amounts in different currencies are never added; a total in
the base currency appears only with a dated exchange rate for each, and names the rate used."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from core.models import ExchangeRate
from core.money import MoneyTotals, money_format
from inventory.tests.factories import (
    SkuFactory,
    StaffUserFactory,
    SupplierFactory,
    WarehouseFactory,
)
from planning.admin_selectors import planning_dashboard
from planning.models import ReorderSuggestion

pytestmark = pytest.mark.django_db


def _suggest(supplier, cost: str) -> ReorderSuggestion:
    return ReorderSuggestion.objects.create(
        plan_date=date(2026, 12, 1),
        sku=SkuFactory(),
        supplier=supplier,
        warehouse=WarehouseFactory(code=f"W{ReorderSuggestion.objects.count()}"),
        quantity=10,
        unit_cost=Decimal(cost) / 10,
        cost=Decimal(cost),
    )


@pytest.fixture
def three_currencies():
    _suggest(SupplierFactory(code="MSK", currency="RUB"), "100000")
    _suggest(SupplierFactory(code="GZ", currency="CNY"), "2000")
    china = SupplierFactory(code="SZ", currency="CNY")
    _suggest(china, "500")
    _suggest(SupplierFactory(code="IST", currency="TRY"), "3000")


def test_the_dashboard_keeps_each_currency_apart(three_currencies):
    totals = planning_dashboard().reorders_value
    assert totals.items() == [
        ("RUB", Decimal("100000.00")),
        ("CNY", Decimal("2500.00")),
        ("TRY", Decimal("3000.00")),
    ]
    assert totals.converted(on=date(2026, 12, 2)) is None  # no rates: nothing is added


def test_a_total_is_converted_with_the_rates_valid_that_day(three_currencies):
    ExchangeRate.objects.create(currency="CNY", valid_from=date(2026, 11, 1), rate=Decimal("10.5"))
    ExchangeRate.objects.create(currency="CNY", valid_from=date(2026, 12, 1), rate=Decimal("11"))
    ExchangeRate.objects.create(currency="CNY", valid_from=date(2026, 12, 5), rate=Decimal("99"))
    ExchangeRate.objects.create(currency="TRY", valid_from=date(2026, 10, 1), rate=Decimal("2.5"))
    conversion = planning_dashboard().reorders_value.converted(on=date(2026, 12, 2))
    # 100 000 RUB + 2 500 CNY × 11 + 3 000 TRY × 2.5
    assert conversion.amount == Decimal("135000.00") and conversion.currency == "RUB"
    assert conversion.rates == (
        ("CNY", Decimal("11.00000000"), date(2026, 12, 1)),
        ("TRY", Decimal("2.50000000"), date(2026, 10, 1)),
    )


def test_the_admin_dashboard_shows_each_currency_and_the_rate_used(client, three_currencies):
    ExchangeRate.objects.create(currency="CNY", valid_from=date(2020, 1, 1), rate=Decimal("11"))
    client.force_login(StaffUserFactory())
    page = strip_tags(client.get(reverse("admin:index")).content.decode())
    assert "100,000\xa0RUB · 2,500\xa0CNY · 3,000\xa0TRY" in page
    assert "no exchange rate to add them up" in page  # TRY has no rate yet
    ExchangeRate.objects.create(currency="TRY", valid_from=date(2020, 1, 1), rate=Decimal("2.5"))
    page = strip_tags(client.get(reverse("admin:index")).content.decode())
    assert "≈ 135,000\xa0RUB" in page
    assert "1 CNY = 11.0000\xa0RUB from 2020-01-01" in page


def test_money_is_formatted_in_the_users_language_with_its_code():
    assert money_format(Decimal("1234567.5"), "RUB") == "1,234,567.50\xa0RUB"
    with translation.override("ru"):
        assert money_format(Decimal("1234567.5"), "CNY") == "1\xa0234\xa0567,50\xa0CNY"
    assert money_format(None, "RUB") == "—"


def test_totals_never_mix_currencies():
    totals = MoneyTotals.of([("CNY", Decimal("1")), ("RUB", Decimal("2")), ("CNY", Decimal("3"))])
    assert totals.items() == [("RUB", Decimal("2.00")), ("CNY", Decimal("4.00"))]


def test_a_supplier_currency_must_be_an_iso_code():
    supplier = SupplierFactory.build(code="X", currency="RBL")
    with pytest.raises(ValidationError) as exc:
        supplier.full_clean()
    assert "RBL is not an ISO 4217 currency code" in str(exc.value)
    ExchangeRate(currency="CNY", valid_from=date(2026, 1, 1), rate=Decimal("11")).full_clean()


def test_purchase_orders_show_their_total_in_the_supplier_currency(client):
    from inventory.tests.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

    po = PurchaseOrderFactory(number="PO-CN-1", supplier=SupplierFactory(code="GZ", currency="CNY"))
    PurchaseOrderLineFactory(purchase_order=po, quantity_ordered=12, unit_cost=Decimal("2.50"))
    PurchaseOrderLineFactory(purchase_order=po, quantity_ordered=3, unit_cost=Decimal("100"))
    client.force_login(StaffUserFactory())
    listing = strip_tags(
        client.get(reverse("admin:inventory_purchaseorder_changelist")).content.decode()
    )
    assert "330.00\xa0CNY" in listing
    page = strip_tags(
        client.get(reverse("admin:inventory_purchaseorder_change", args=[po.pk])).content.decode()
    )
    assert "330.00\xa0CNY" in page


def test_margin_and_sku_prices_say_their_currency(client):
    SkuFactory(code="RUN-42", unit_cost=Decimal("1200"), sale_price=Decimal("3000"))
    client.force_login(StaffUserFactory())
    listing = strip_tags(client.get(reverse("admin:inventory_sku_changelist")).content.decode())
    assert "1,200.00\xa0RUB" in listing and "3,000.00\xa0RUB" in listing
