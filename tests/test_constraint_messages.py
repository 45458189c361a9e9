"""Every database check constraint a form can hit says what is wrong, on the field, in words
(issue 15: a negative SKU price showed `Constraint "sku_prices_non_negative" is violated.`)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, Q
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from core.constraints import FieldConstraintMessages, constraint_rules, rule_wording
from core.models import ExchangeRate
from inventory.models import PurchaseOrderLine, Sku, Supplier, SupplierItem, TransferLine
from inventory.tests.factories import SkuFactory, StaffUserFactory
from planning.models import PackingCapacity, ReorderSuggestion, ServiceLevelTarget

pytestmark = pytest.mark.django_db

CASES = [
    (Sku(unit_cost=Decimal("-5")), {"unit_cost": ["Must be at least 0."]}),
    (Sku(sale_price=Decimal("-1")), {"sale_price": ["Must be at least 0."]}),
    (
        Sku(unit_cost=Decimal("-1"), sale_price=Decimal("-1")),
        {"unit_cost": ["Must be at least 0."], "sale_price": ["Must be at least 0."]},
    ),
    (Sku(service_level=Decimal("0.3")), {"service_level": ["Must be between 0.5 and 0.999."]}),
    (Supplier(lead_time_sd_days=Decimal("-2")), {"lead_time_sd_days": ["Must be at least 0."]}),
    (SupplierItem(moq=1, pack_size=0), {"pack_size": ["Must be at least 1."]}),
    (PurchaseOrderLine(quantity_ordered=0), {"quantity_ordered": ["Must be at least 1."]}),
    (
        TransferLine(quantity=2, quantity_dispatched=3),
        {"quantity_dispatched": ["Must not be more than quantity."]},
    ),
    (ExchangeRate(rate=Decimal("0")), {"rate": ["Must be more than 0."]}),
    (ReorderSuggestion(quantity=0), {"quantity": ["Must be at least 1."]}),
    (
        ServiceLevelTarget(service_level=Decimal("1")),
        {"service_level": ["Must be between 0.5 and 0.999."]},
    ),
    (PackingCapacity(orders_per_hour=0, packers=1), {"orders_per_hour": ["Must be more than 0."]}),
    (PackingCapacity(orders_per_hour=None, packers=0), {"packers": ["Must be at least 1."]}),
]


def _messages(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        instance.validate_constraints()
    return excinfo.value.message_dict


@pytest.mark.parametrize(("instance", "expected"), CASES, ids=lambda v: type(v).__name__)
def test_a_broken_constraint_is_worded_on_its_field(instance, expected):
    assert _messages(instance) == expected


def test_values_within_the_constraints_pass():
    Sku(unit_cost=Decimal("0"), sale_price=Decimal("10"), service_level=None).validate_constraints()
    PackingCapacity(orders_per_hour=None, packers=1).validate_constraints()


def test_the_words_and_the_numbers_are_in_the_users_language():
    with translation.override("ru"):
        assert _messages(Sku(service_level=Decimal("0.3"))) == {
            "service_level": ["Должно быть от 0,5 до 0,999."]
        }
    with translation.override("zh-hans"):
        assert _messages(Sku(unit_cost=Decimal("-5"))) == {"unit_cost": ["不能小于 0。"]}


def _admin_editable_constraints():
    """(model, constraint) for every check constraint on a field an admin form can edit."""
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        forms = [model_admin, *(i(model, admin.site) for i in model_admin.inlines)]
        for form_admin in forms:
            if not (
                form_admin.has_add_permission(request, None)
                if isinstance(form_admin, admin.options.InlineModelAdmin)
                else form_admin.has_add_permission(request)
            ) and not form_admin.has_change_permission(request):
                continue
            editable = {f for f in form_admin.get_fields(request) if isinstance(f, str)}
            editable -= set(form_admin.get_readonly_fields(request))
            editable |= set(getattr(form_admin, "list_editable", ()) or ())
            for constraint in form_admin.model._meta.constraints:
                if not isinstance(constraint, CheckConstraint):
                    continue
                fields = {lookup.split("__")[0] for lookup in _lookups(constraint.condition)}
                if fields & editable:
                    found.append((form_admin.model, constraint))
    return found


def _lookups(condition: Q):
    for child in condition.children:
        if isinstance(child, Q):
            yield from _lookups(child)
        else:
            yield child[0]


def test_every_constraint_an_admin_form_can_hit_has_words():
    found = _admin_editable_constraints()
    assert len(found) >= 12  # the walk sees the forms (a broken walk would pass vacuously)
    for model, constraint in found:
        if constraint.violation_error_message != constraint.default_violation_error_message:
            continue  # its own sentence
        assert issubclass(model, FieldConstraintMessages), (model, constraint.name)
        for rule in constraint_rules(constraint):
            assert rule_wording(model, rule) is not None, (model, constraint.name, rule)


def test_the_sku_form_says_a_negative_price_on_the_field(client):
    sku = SkuFactory(code="NEG-1")
    client.force_login(StaffUserFactory(is_superuser=True))
    url = reverse("admin:inventory_sku_change", args=[sku.pk])
    html = client.get(url).content.decode()
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    data["scheme"] = sku.scheme
    data["unit_cost"] = "-5"
    response = client.post(url, data)
    assert response.status_code == 200  # shown again, not saved
    form = response.context["adminform"].form
    assert form.errors.get("unit_cost") == ["Must be at least 0."]
    assert "is violated" not in response.content.decode()
    sku.refresh_from_db()
    assert sku.unit_cost >= 0
