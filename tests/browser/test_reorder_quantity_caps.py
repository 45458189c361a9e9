"""A buyer types reorder quantities in headless Chromium: one far above the plan's suggestion
is saved only on a second save (the first says why), one beyond what the columns hold is
refused with a message, and nothing changes meanwhile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from planning.models import ReorderSuggestion
from planning.quantity_caps import MAX_QUANTITY, quantity_basis
from tests.browser.test_planner_buyer import _catalogue, _login, _member, _roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _quantity_input(page, suggestion_id: int):
    """The quantity cell of the suggestion's row in the change list."""
    id_input = page.locator(f"#changelist-form input[name$='-id'][value='{suggestion_id}']")
    prefix = id_input.get_attribute("name").removesuffix("-id")
    return page.locator(f"input[name='{prefix}-quantity']")


def test_a_far_too_large_quantity_needs_a_second_save_and_an_impossible_one_is_refused(
    browser, live_server
):
    # given the runner's suggestion (packs of 1, 1,200 RUB a unit) and a buyer on the list
    _roles()
    run = _catalogue()
    suggestion = ReorderSuggestion.objects.get(run=run, sku__code="RUN-42")
    planned = suggestion.quantity
    cap = quantity_basis(suggestion).confirm_above
    _member("Buyer", "buyer")
    context, page = _login(browser, live_server, "buyer")
    page.goto(f"{live_server.url}{reverse('admin:planning_reordersuggestion_changelist')}")
    cell = _quantity_input(page, suggestion.pk)

    # when the buyer types ten times the cap and saves
    cell.fill(str(cap * 10))
    page.click("input[name=_save]")
    # then the row says why with the plan's figures, and asks for a second save
    error = page.locator("#result_list .errorlist")
    expect(error).to_contain_text("more than 3× what the plan suggests")
    expect(error).to_contain_text("Save again with the same quantity to confirm.")
    suggestion.refresh_from_db()
    assert suggestion.quantity == planned
    # when the buyer saves the same quantity again, it is taken
    cell = _quantity_input(page, suggestion.pk)
    expect(cell).to_have_value(str(cap * 10))
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#result_list .errorlist")).to_have_count(0)
    suggestion.refresh_from_db()
    assert suggestion.quantity == cap * 10

    # when the buyer types a quantity whose cost no order can hold (2e9 x 1,200 RUB)
    cell = _quantity_input(page, suggestion.pk)
    cell.fill("2000000000")
    page.click("input[name=_save]")
    # then it is refused on the row, confirmed or not
    expect(page.locator("#result_list .errorlist")).to_contain_text(
        "would cost more than an order can hold"
    )
    page.click("input[name=_save]")
    expect(page.locator("#result_list .errorlist")).to_contain_text(
        "would cost more than an order can hold"
    )
    suggestion.refresh_from_db()
    assert suggestion.quantity == cap * 10

    # when the buyer types more units than the column holds, the browser itself refuses
    page.goto(f"{live_server.url}{reverse('admin:planning_reordersuggestion_changelist')}")
    cell = _quantity_input(page, suggestion.pk)
    cell.fill(str(MAX_QUANTITY + 1))
    page.click("input[name=_save]")
    assert cell.evaluate("el => el.validity.rangeOverflow") is True
    assert str(MAX_QUANTITY) in cell.evaluate("el => el.validationMessage").replace(",", "")
    suggestion.refresh_from_db()
    assert suggestion.quantity == cap * 10
    page.wait_for_load_state("networkidle")
    context.close()
