"""Admin actions and forms change stock only through the services; errors are messages."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory import services
from inventory.models import (
    Barcode,
    PurchaseOrder,
    StockLevel,
    StockMovement,
    Transfer,
    Warehouse,
    WarehouseHoliday,
)
from inventory.tests.factories import (
    SkuFactory,
    StockLevelFactory,
    WarehouseFactory,
    purchase_order,
)

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:inventory_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


ROWS = 201
MAX_CHANGELIST_QUERIES = 14


def test_stock_levels_are_read_only(staff_client, sku, warehouse):
    level = StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)

    response = staff_client.post(
        url(StockLevel, "change", level.pk), {"on_hand": 50, "reserved": 0}
    )

    level.refresh_from_db()
    assert response.status_code == 302
    assert (level.on_hand, level.reserved) == (5, 0)


def test_add_stock_level_books_an_opening_balance(staff_client, staff_user, sku, warehouse):
    response = staff_client.post(
        url(StockLevel, "add"), {"sku": sku.pk, "warehouse": warehouse.pk, "opening_quantity": 9}
    )

    assert response.status_code == 302
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    movement = StockMovement.objects.get(sku=sku, warehouse=warehouse)
    assert level.on_hand == 9
    assert (movement.kind, movement.quantity, movement.user) == ("opening", 9, staff_user)


def test_the_ledger_cannot_be_edited(staff_client, sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)
    movement = StockMovement.objects.get()

    assert staff_client.post(url(StockMovement, "add"), {}).status_code == 403
    staff_client.post(url(StockMovement, "change", movement.pk), {"quantity": 50})
    assert (
        staff_client.post(url(StockMovement, "delete", movement.pk), {"post": "yes"}).status_code
        == 403
    )

    movement.refresh_from_db()
    assert movement.quantity == 5


# --- stock count ------------------------------------------------------------------------------


def test_count_action_shows_a_form_then_adjusts(staff_client, sku, warehouse):
    level = StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=2)
    changelist = url(StockLevel, "changelist")
    selected = {"action": "adjust_after_count", "_selected_action": [level.pk]}

    form_page = staff_client.post(changelist, {**selected, "index": 0})
    assert form_page.status_code == 200
    assert f'name="counted_{level.pk}"' in form_page.content.decode()

    response = staff_client.post(
        changelist, {**selected, "apply": "1", f"counted_{level.pk}": 7, "reason": "shelf count"}
    )

    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (7, 2)
    adjustment = StockMovement.objects.get(kind="adjustment")
    assert (adjustment.quantity, adjustment.reason) == (-3, "shelf count")
    assert "Counts recorded: 1." in messages_of(response)


def test_count_below_reserved_shows_an_error_message(staff_client, sku, warehouse):
    level = StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=6)

    response = staff_client.post(
        url(StockLevel, "changelist"),
        {
            "action": "adjust_after_count",
            "_selected_action": [level.pk],
            "apply": "1",
            f"counted_{level.pk}": 5,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert any("6 units are reserved" in m for m in messages_of(response))
    level.refresh_from_db()
    assert level.on_hand == 10


def test_count_form_rejects_negative_counts(staff_client, sku, warehouse):
    level = StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10)

    response = staff_client.post(
        url(StockLevel, "count", level.pk), {"apply": "1", f"counted_{level.pk}": -1}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        f"counted_{level.pk}": ["Ensure this value is greater than or equal to 0."]
    }


def test_single_level_count_page(staff_client, sku, warehouse):
    level = StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=3)
    assert staff_client.get(url(StockLevel, "count", level.pk)).status_code == 200
    assert (
        "Adjust after a count"
        in staff_client.get(url(StockLevel, "change", level.pk)).content.decode()
    )

    response = staff_client.post(
        url(StockLevel, "count", level.pk), {"apply": "1", f"counted_{level.pk}": 5}
    )

    assert response.status_code == 302
    level.refresh_from_db()
    assert level.on_hand == 5


# --- purchase orders --------------------------------------------------------------------------


def test_receive_form_per_line(staff_client, staff_user):
    first, second = SkuFactory(), SkuFactory()
    po = purchase_order(lines=[(first, 10), (second, 4)])
    line1, line2 = po.lines.order_by("pk")
    receive_url = url(PurchaseOrder, "receive", po.pk)

    page = staff_client.get(receive_url)
    assert page.status_code == 200
    assert (
        page.context["form"].initial == {}
        and page.context["form"].fields[f"line_{line1.pk}"].initial == 10
    )
    assert "Receive goods" in staff_client.get(url(PurchaseOrder, "change", po.pk)).content.decode()

    response = staff_client.post(
        receive_url, {"apply": "1", f"line_{line1.pk}": 6, f"line_{line2.pk}": 0}
    )

    assert response.status_code == 302
    po.refresh_from_db()
    assert po.status == "partially_received"
    assert StockLevel.objects.get(sku=first).on_hand == 6
    assert StockMovement.objects.get().user == staff_user
    assert f"{po.number}: received 6 units." in messages_of(response)


def test_receive_form_receive_all(staff_client):
    first, second = SkuFactory(), SkuFactory()
    po = purchase_order(lines=[(first, 10), (second, 4)])
    line1, line2 = po.lines.order_by("pk")

    staff_client.post(
        url(PurchaseOrder, "receive", po.pk),
        {"receive_all": "1", f"line_{line1.pk}": 0, f"line_{line2.pk}": 0},
    )

    po.refresh_from_db()
    assert po.status == "received"
    assert sorted(StockLevel.objects.values_list("on_hand", flat=True)) == [4, 10]


def test_receive_form_over_receipt_shows_an_error(staff_client):
    po = purchase_order(lines=[(SkuFactory(), 3)])
    line = po.lines.get()

    response = staff_client.post(
        url(PurchaseOrder, "receive", po.pk), {"apply": "1", f"line_{line.pk}": 5}
    )

    assert response.status_code == 200
    assert any("would exceed the order" in m for m in messages_of(response))
    assert not StockMovement.objects.exists()


def test_po_actions_send_cancel_receive(staff_client):
    draft = purchase_order(lines=[(SkuFactory(), 3)], sent=False)
    sent = purchase_order(lines=[(SkuFactory(), 2)])
    changelist = url(PurchaseOrder, "changelist")

    staff_client.post(changelist, {"action": "send", "_selected_action": [draft.pk], "index": 0})
    staff_client.post(
        changelist, {"action": "receive_all_open", "_selected_action": [sent.pk], "index": 0}
    )
    response = staff_client.post(
        changelist,
        {"action": "cancel", "_selected_action": [draft.pk, sent.pk], "index": 0},
        follow=True,
    )

    draft.refresh_from_db()
    sent.refresh_from_db()
    assert (draft.status, sent.status) == ("cancelled", "received")
    assert f"{sent.number} is received; only a draft or sent order can be cancelled." in "".join(
        messages_of(response)
    )
    assert "Purchase orders cancelled: 1." in messages_of(response)


def test_receive_action_on_a_draft_is_an_error_message(staff_client):
    draft = purchase_order(lines=[(SkuFactory(), 3)], sent=False)

    response = staff_client.post(
        url(PurchaseOrder, "changelist"),
        {"action": "receive_all_open", "_selected_action": [draft.pk], "index": 0},
        follow=True,
    )

    assert response.status_code == 200
    assert any("goods can only be received on a sent order" in m for m in messages_of(response))


def test_po_lines_are_locked_once_sent(staff_client):
    po = purchase_order(lines=[(SkuFactory(), 3)])

    response = staff_client.get(url(PurchaseOrder, "change", po.pk))

    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert "quantity_ordered" in inline.opts.get_readonly_fields(response.wsgi_request, po)


# --- transfers --------------------------------------------------------------------------------


def test_transfer_actions(staff_client, sku, warehouse, fbo_warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)
    ok = services.transfer_create(source=warehouse, destination=fbo_warehouse, lines=[(sku, 3)])
    too_big = services.transfer_create(
        source=warehouse, destination=fbo_warehouse, lines=[(sku, 4)]
    )
    changelist = url(Transfer, "changelist")

    response = staff_client.post(
        changelist,
        {"action": "dispatch", "_selected_action": [ok.pk, too_big.pk], "index": 0},
        follow=True,
    )
    staff_client.post(
        changelist, {"action": "receive_all", "_selected_action": [ok.pk], "index": 0}
    )

    ok.refresh_from_db()
    too_big.refresh_from_db()
    assert (ok.status, too_big.status) == ("received", "draft")
    assert any(m.startswith(f"{too_big.number}: Only 2 available") for m in messages_of(response))
    assert StockLevel.objects.get(warehouse=fbo_warehouse).on_hand == 3
    assert StockLevel.objects.get(warehouse=warehouse).on_hand == 2


def test_transfer_form_refuses_the_same_warehouse(staff_client, warehouse):
    response = staff_client.post(
        url(Transfer, "add"),
        {
            "number": "TR-X",
            "source": warehouse.pk,
            "destination": warehouse.pk,
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "A transfer needs two different warehouses."
    ]


def test_barcode_admin_validates_check_digits(staff_client, sku):
    response = staff_client.post(url(Barcode, "add"), {"sku": sku.pk, "code": "4600000000010"})

    assert response.status_code == 200
    assert "check digit 0, expected" in response.content.decode()


def test_warehouse_admin_saves_holidays(staff_client):
    response = staff_client.post(
        url(Warehouse, "add"),
        {
            "code": "NEW",
            "name": "New",
            "kind": "own",
            "time_zone": "Europe/Moscow",
            "cutoff_time": "14:00",
            "working_days": "12345",
            "transit_days": 3,
            "is_active": "on",
            "holidays-TOTAL_FORMS": 1,
            "holidays-INITIAL_FORMS": 0,
            "holidays-0-date": "2026-01-07",
            "holidays-0-name": "Christmas",
        },
    )

    assert response.status_code == 302
    assert list(WarehouseHoliday.objects.values_list("warehouse__code", "name")) == [
        ("NEW", "Christmas")
    ]


def test_unused_factory_warehouse_is_own():
    assert WarehouseFactory().kind == "own"
