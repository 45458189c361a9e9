"""The buyers' admin: grouped suggestions, quantities edited in the list, approve → draft POs,
dismiss with a reason, purchase-order export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from inventory.models import PurchaseOrder
from planning.models import ReorderSuggestion, SuggestionStatus
from planning.tests.admin_data import planning_state, staff_member

pytestmark = pytest.mark.django_db

SUGGESTIONS = "admin:planning_reordersuggestion_changelist"


def _listing_form(response) -> dict:
    """The change list's form data as the browser would post it (management form + rows)."""
    formset = response.context["cl"].formset
    data = {
        f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-MIN_NUM_FORMS": "0",
        f"{formset.prefix}-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for form in formset.forms:
        data[f"{form.prefix}-id"] = str(form.instance.pk)
        data[f"{form.prefix}-quantity"] = str(form.instance.quantity)
    return data


def test_suggestions_are_grouped_by_supplier_and_destination_against_the_minimum(client):
    # given 12 boots + 20 socks from Alfa (14 000 vs minimum 10 000) and 5 hats from Beta
    # (3 000 vs minimum 5 000), all for MSK
    planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    # when the buyer opens the suggestions
    response = client.get(reverse(SUGGESTIONS))
    # then the summary shows one line per group with its total and the shortfall
    groups = [
        (g.supplier, g.warehouse, g.lines, g.units, g.total, g.min_order_value, g.below_minimum)
        for g in response.context["suggestion_groups"]
    ]
    assert groups == [
        ("ALFA · Alfa Trading", "MSK", 2, 32, Decimal("14000.00"), Decimal("10000.00"), False),
        ("BETA · Beta Goods", "MSK", 1, 5, Decimal("3000.00"), Decimal("5000.00"), True),
    ]
    page = response.content.decode()
    assert "Below minimum by 2000.00 RUB" in page
    assert response.context["below_minimum_count"] == 1


def test_a_quantity_edited_in_the_list_is_rounded_to_the_pack_through_the_service(client):
    # given boots come in packs of 6 (MOQ 6); the suggestion is for 12
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    url = reverse(SUGGESTIONS)
    data = _listing_form(client.get(url))
    row = next(k for k, v in data.items() if v == str(state.suggestions["boot"].pk))
    # when the buyer types 13 and saves the list
    data[row.replace("-id", "-quantity")] = "13"
    response = client.post(url, data, follow=True)
    # then the suggestion holds 18 (three packs) at 18 000, and the buyer is told why
    boot = ReorderSuggestion.objects.get(pk=state.suggestions["boot"].pk)
    assert (boot.quantity, boot.cost) == (18, Decimal("18000.00"))
    assert "13 rounded up to 18" in response.content.decode()
    others = ReorderSuggestion.objects.exclude(pk=boot.pk).order_by("pk")
    assert [s.quantity for s in others] == [20, 5]


def test_approving_makes_one_draft_purchase_order_per_supplier_and_warehouse(client):
    # given three proposed suggestions: two from Alfa, one from Beta, all for MSK
    state = planning_state(with_history=False)
    buyer = staff_member("Buyer", "buyer")
    client.force_login(buyer)
    existing = set(PurchaseOrder.objects.values_list("pk", flat=True))
    # when the buyer approves all three
    response = client.post(
        reverse(SUGGESTIONS),
        {
            "action": "approve_selected",
            "_selected_action": [s.pk for s in state.suggestions.values()],
        },
        follow=True,
    )
    # then there are two new draft POs with the suggested lines, linked from the message
    new = PurchaseOrder.objects.exclude(pk__in=existing).order_by("supplier__code")
    assert [(po.supplier.code, po.warehouse.code, po.status) for po in new] == [
        ("ALFA", "MSK", "draft"),
        ("BETA", "MSK", "draft"),
    ]
    assert sorted((ln.sku.code, ln.quantity_ordered) for ln in new[0].lines.all()) == [
        ("ADM-BOOT", 12),
        ("ADM-SOCK", 20),
    ]
    assert ReorderSuggestion.objects.filter(status=SuggestionStatus.ORDERED).count() == 3
    assert set(ReorderSuggestion.objects.values_list("decided_by", flat=True)) == {buyer.pk}
    page = response.content.decode()
    assert "2 draft purchase orders created" in page
    for po in new:
        assert reverse("admin:inventory_purchaseorder_export", args=[po.pk, "csv"]) in page


def test_approving_an_already_ordered_suggestion_is_refused_without_writing(client):
    # given one suggestion already ordered
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    url = reverse(SUGGESTIONS)
    client.post(
        url, {"action": "approve_selected", "_selected_action": [state.suggestions["hat"].pk]}
    )
    count = PurchaseOrder.objects.count()
    # when it is approved again together with an open one
    response = client.post(
        url + "?status=all",
        {
            "action": "approve_selected",
            "_selected_action": [state.suggestions["hat"].pk, state.suggestions["sock"].pk],
        },
        follow=True,
    )
    # then nothing new is ordered and the buyer reads why
    assert PurchaseOrder.objects.count() == count
    assert ReorderSuggestion.objects.get(pk=state.suggestions["sock"].pk).status == "proposed"
    assert "already ordered or dismissed" in response.content.decode()


def test_dismissing_asks_for_a_reason_then_records_it(client):
    # given two proposed suggestions
    state = planning_state(with_history=False)
    buyer = staff_member("Buyer", "buyer")
    client.force_login(buyer)
    url = reverse(SUGGESTIONS)
    chosen = [state.suggestions["sock"].pk, state.suggestions["hat"].pk]
    # when the buyer picks "dismiss", sees the form, then confirms with a reason
    form = client.post(url, {"action": "dismiss_selected", "_selected_action": chosen})
    empty = client.post(
        url, {"action": "dismiss_selected", "_selected_action": chosen, "apply": "1", "reason": ""}
    )
    done = client.post(
        url,
        {
            "action": "dismiss_selected",
            "_selected_action": chosen,
            "apply": "1",
            "reason": "Supplier out of stock until March",
        },
    )
    # then the form lists both, a blank reason is refused, and the reason is kept on each
    assert form.status_code == 200
    assert "Dismiss 2 suggestions" in form.content.decode()
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert done.status_code == 302
    dismissed = ReorderSuggestion.objects.filter(pk__in=chosen)
    assert {(s.status, s.dismiss_reason, s.decided_by_id) for s in dismissed} == {
        ("dismissed", "Supplier out of stock until March", buyer.pk)
    }
    assert ReorderSuggestion.objects.get(pk=state.suggestions["boot"].pk).status == "proposed"


def test_purchase_order_exports_as_csv_and_xlsx(client):
    # given the open PO of 40 boots at 80.00
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    po = state.purchase_order
    # when the buyer downloads it in both formats
    csv_response = client.get(reverse("admin:inventory_purchaseorder_export", args=[po.pk, "csv"]))
    xlsx_response = client.get(
        reverse("admin:inventory_purchaseorder_export", args=[po.pk, "xlsx"])
    )
    # then both are attachments with one row per line
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == f'attachment; filename="{po.number.lower()}.csv"'
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["PO number", "Order date"]
    assert [(r[0], r[4], r[7], r[9], r[10]) for r in rows[1:]] == [
        (po.number, "ADM-BOOT", "40", "3200.00", "RUB"),
        ("Total", "", "40", "3200.00", "RUB"),  # the total, in the supplier's currency
    ]
    assert xlsx_response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [c.value for c in sheet[2]][:1] == [po.number]
    assert sheet.max_row == 3
    assert [c.value for c in sheet[3]][9:11] == [3200.0, "RUB"]


def test_export_needs_purchase_order_permission_and_a_known_format(client):
    state = planning_state(with_history=False)
    po = state.purchase_order
    client.force_login(staff_member("Planner", "planner"))  # views POs: may export
    assert (
        client.get(reverse("admin:inventory_purchaseorder_export", args=[po.pk, "pdf"])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("admin:inventory_purchaseorder_export", args=[999999, "csv"])
        ).status_code
        == 404
    )
    client.force_login(staff_member("Warehouse", "wh"))
    assert (
        client.get(reverse("admin:inventory_purchaseorder_export", args=[po.pk, "csv"])).status_code
        == 200
    )
    from inventory.tests.factories import UserFactory

    client.force_login(UserFactory(username="staff-no-perms", is_staff=True))
    assert (
        client.get(reverse("admin:inventory_purchaseorder_export", args=[po.pk, "csv"])).status_code
        == 403
    )


def test_the_suggestion_list_costs_the_same_queries_for_3_or_33_suggestions(client):
    # given the three suggestions
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    url = reverse(SUGGESTIONS)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    # when 30 more arrive for other SKUs
    from inventory.tests.factories import SkuFactory

    for n in range(30):
        ReorderSuggestion.objects.create(
            plan_date=state.run.plan_date,
            sku=SkuFactory(),
            supplier=state.supplier_a,
            warehouse=state.own,
            quantity=1 + n,
            unit_cost=Decimal("10"),
            cost=Decimal(10 + 10 * n),
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    # then the list (with its grouped summary) costs the same
    assert len(response.context["cl"].result_list) == 33
    assert len(large) == len(small)
