"""Reorder quantities a person types: beyond the columns' range refused with a clear message,
above N × the plan's suggestion or order-up-to level only when confirmed, nothing half-saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import InvalidInput
from planning import services
from planning.models import ReorderSuggestion
from planning.quantity_caps import MAX_QUANTITY, quantity_basis
from planning.tests.admin_data import planning_state, staff_member
from planning.tests.test_admin_buyers import SUGGESTIONS, _listing_form

pytestmark = pytest.mark.django_db


def test_the_cap_is_three_times_the_larger_of_suggestion_and_order_up_to():
    # given the boots' plan: suggested 15, order up to 20
    state = planning_state(with_history=False)
    basis = quantity_basis(state.suggestions["boot"])
    assert (basis.suggested, basis.order_up_to, basis.confirm_above) == (15, 20, 60)


def test_a_large_quantity_needs_confirmation_then_is_saved():
    state = planning_state(with_history=False)
    boot = state.suggestions["boot"]
    # when 500 boots are asked for without confirming
    with pytest.raises(InvalidInput) as excinfo:
        services.suggestion_update_quantity(suggestion=boot, quantity=500, user=None)
    # then nothing changes, and the error says what the plan suggested
    assert excinfo.value.code == "quantity_needs_confirmation"
    assert excinfo.value.details == {
        "quantity": 504,
        "suggested": 15,
        "order_up_to": 20,
        "confirm_above": 60,
    }
    assert "suggested 15, order-up-to level 20" in excinfo.value.message
    boot.refresh_from_db()
    assert (boot.quantity, boot.cost) == (12, Decimal("12000.00"))
    # and confirmed, 500 is saved as 504 (packs of 6)
    saved = services.suggestion_update_quantity(
        suggestion=boot, quantity=500, user=None, confirmed=True
    )
    assert (saved.quantity, saved.cost) == (504, Decimal("504000.00"))
    assert "(confirmed)" in saved.reason


@pytest.mark.parametrize(
    "quantity",
    [
        MAX_QUANTITY + 1,  # beyond the column
        MAX_QUANTITY,  # rounded up to the pack it is beyond the column
        10**30,
        1_000_000_000,  # 10¹² RUB: beyond the cost column
    ],
)
def test_quantities_beyond_the_columns_are_refused_even_when_confirmed(quantity):
    state = planning_state(with_history=False)
    boot = state.suggestions["boot"]
    with pytest.raises(InvalidInput) as excinfo:
        services.suggestion_update_quantity(
            suggestion=boot, quantity=quantity, user=None, confirmed=True
        )
    assert excinfo.value.code == "quantity_out_of_range"
    boot.refresh_from_db()
    assert boot.quantity == 12


def _post_quantity(client, state, typed: str):
    url = reverse(SUGGESTIONS)
    data = _listing_form(client.get(url))
    row = next(k for k, v in data.items() if v == str(state.suggestions["boot"].pk))
    data[row.replace("-id", "-quantity")] = typed
    return client.post(url, data)


def test_in_the_list_a_huge_quantity_is_refused_on_its_field(client):
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    # when the buyer types 2,147,483,648 boots
    response = _post_quantity(client, state, "2147483648")
    # then the list is shown again with the error on the field, and nothing is saved
    page = response.content.decode()
    assert response.status_code == 200
    assert "more than can be ordered (at most 2,147,483,647)" in page
    assert "changed successfully" not in page
    assert ReorderSuggestion.objects.get(pk=state.suggestions["boot"].pk).quantity == 12


def test_in_the_list_a_large_quantity_is_saved_on_the_second_save(client):
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    boot_pk = state.suggestions["boot"].pk
    # when the buyer types 500 boots and saves
    first = _post_quantity(client, state, "500")
    # then it is not saved and the buyer is asked to confirm
    assert first.status_code == 200
    assert "more than 3× what the plan suggests" in first.content.decode()
    assert "Save again with the same quantity to confirm" in first.content.decode()
    assert ReorderSuggestion.objects.get(pk=boot_pk).quantity == 12
    # when a different large quantity is saved, it is asked about again
    other = _post_quantity(client, state, "700")
    assert other.status_code == 200
    assert ReorderSuggestion.objects.get(pk=boot_pk).quantity == 12
    # when the same quantity is saved again, it is taken
    confirmed = _post_quantity(client, state, "700")
    assert confirmed.status_code == 302
    assert ReorderSuggestion.objects.get(pk=boot_pk).quantity == 702


def test_in_the_list_a_quantity_within_the_cap_is_saved_at_once(client):
    state = planning_state(with_history=False)
    client.force_login(staff_member("Buyer", "buyer"))
    response = _post_quantity(client, state, "60")
    assert response.status_code == 302
    assert ReorderSuggestion.objects.get(pk=state.suggestions["boot"].pk).quantity == 60
