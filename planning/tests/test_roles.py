"""Roles: the groups the data migration creates, and what each may do in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from inventory.tests.factories import UserFactory
from planning.models import ReorderSuggestion, ServiceLevelTarget, SuggestionStatus
from planning.tests.factories import ReorderSuggestionFactory

pytestmark = pytest.mark.django_db


def _member(group: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def _codenames(group: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group).permissions.select_related("content_type")
    }


def test_migration_creates_the_three_roles_with_their_key_permissions():
    # given the migrated database
    # when the groups are read
    planner, buyer, warehouse = _codenames("Planner"), _codenames("Buyer"), _codenames("Warehouse")
    # then each role holds what its job needs and not what belongs to another
    assert {
        "planning.change_serviceleveltarget",
        "planning.change_skuservicelevel",
        "planning.approve_fulfilmentdecision",
        "planning.approve_fboshipmentsuggestion",
        "planning.view_atrisksku",
    } <= planner
    assert "planning.approve_reordersuggestion" not in planner
    assert {
        "planning.change_reordersuggestion",
        "planning.approve_reordersuggestion",
        "inventory.add_purchaseorder",
        "inventory.change_purchaseorder",
    } <= buyer
    assert not {p for p in buyer if "servicelevel" in p and not p.split(".")[1].startswith("view")}
    assert {"fulfilment.change_order", "inventory.change_purchaseorder"} <= warehouse
    assert not {p for p in warehouse if p.startswith("planning.")}


def test_a_warehouse_user_cannot_approve_suggestions(client):
    # given a proposed suggestion and a member of Warehouse
    suggestion = ReorderSuggestionFactory()
    user = _member("Warehouse", "wh1")
    client.force_login(user)
    url = reverse("admin:planning_reordersuggestion_changelist")
    # when they open the suggestions and post the approve action
    page = client.get(url)
    post = client.post(url, {"action": "approve_selected", "_selected_action": [suggestion.pk]})
    # then both are refused and the suggestion is still proposed, without a purchase order
    assert not user.has_perm("planning.approve_reordersuggestion")
    assert page.status_code == 403
    assert post.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PROPOSED
    assert suggestion.purchase_order is None


def test_a_buyer_sees_the_approve_action_but_a_planner_does_not(client):
    # given a proposed suggestion, a buyer and a planner
    ReorderSuggestionFactory()
    url = reverse("admin:planning_reordersuggestion_changelist")
    # when each opens the suggestions list
    client.force_login(_member("Buyer", "buyer1"))
    buyer_page = client.get(url)
    client.force_login(_member("Planner", "planner1"))
    planner_page = client.get(url)
    # then only the buyer is offered the approval
    assert buyer_page.status_code == 200
    assert 'value="approve_selected"' in buyer_page.content.decode()
    assert planner_page.status_code == 200
    assert 'value="approve_selected"' not in planner_page.content.decode()


def test_a_planner_posting_the_approve_action_changes_nothing(client):
    # given a planner (may view suggestions, not approve them)
    suggestion = ReorderSuggestionFactory()
    client.force_login(_member("Planner", "planner2"))
    # when the approve action is posted anyway
    response = client.post(
        reverse("admin:planning_reordersuggestion_changelist"),
        {"action": "approve_selected", "_selected_action": [suggestion.pk]},
    )
    # then the admin refuses the unknown action and nothing is ordered
    assert response.status_code in (200, 302)
    assert ReorderSuggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.PROPOSED


def test_a_buyer_cannot_change_service_levels(client):
    # given a buyer and the class-A target
    target = ServiceLevelTarget.objects.get(abc_class="A")
    user = _member("Buyer", "buyer2")
    client.force_login(user)
    change_url = reverse("admin:planning_serviceleveltarget_change", args=[target.pk])
    # when they post a new level for class A and for a SKU override
    response = client.post(change_url, {"abc_class": "A", "service_level": "0.5"})
    # then the admin shows the target read-only and keeps the level
    assert not user.has_perm("planning.change_serviceleveltarget")
    assert not user.has_perm("planning.change_skuservicelevel")
    assert response.status_code == 403
    target.refresh_from_db()
    assert str(target.service_level) == "0.980"
    assert client.get(change_url).status_code == 200  # view-only page


def test_a_planner_changes_a_service_level_and_the_history_names_them(client):
    # given a planner and the class-B target
    target = ServiceLevelTarget.objects.get(abc_class="B")
    user = _member("Planner", "planner3")
    client.force_login(user)
    # when they change it in the admin
    response = client.post(
        reverse("admin:planning_serviceleveltarget_change", args=[target.pk]),
        {"abc_class": "B", "service_level": "0.970"},
    )
    # then the level is changed and its history records who did it
    assert response.status_code == 302
    target.refresh_from_db()
    assert str(target.service_level) == "0.970"
    latest = target.history.first()
    assert latest.history_user == user
    assert str(latest.service_level) == "0.970"
