"""Admin: coloured watch states, filters, due-today view, actions through the services,
notice preview/edit/approve, the index dashboard, and a constant number of queries."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import JobRun
from fulfilment.deadline_watch import deadline_watch_run
from fulfilment.models import Notice, NoticeStatus, Order, OrderStatus
from fulfilment.services import order_pack
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, StaffUserFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = StaffUserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def orders():
    warehouse = WarehouseFactory(code="MSK1")
    sku, missing = SkuFactory(code="MUG"), SkuFactory(code="GONE")
    stock_level(sku=sku, warehouse=warehouse, on_hand=50)
    now = timezone.now()
    made = {
        "overdue": make_order(
            warehouse=warehouse, lines=[(sku, 1)], ship_by=now - timedelta(hours=2)
        ),
        "soon": make_order(
            warehouse=warehouse, lines=[(sku, 1)], ship_by=now + timedelta(minutes=30)
        ),
        "later": make_order(warehouse=warehouse, lines=[(sku, 1)], ship_by=now + timedelta(days=6)),
        "short": make_order(
            warehouse=warehouse, lines=[(missing, 1)], ship_by=now + timedelta(days=6)
        ),
    }
    deadline_watch_run()
    return made


def test_changelist_shows_coloured_states_in_constant_queries(
    client, staff, orders, django_assert_max_num_queries
):
    url = reverse("admin:fulfilment_order_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Overdue", "Due soon", "On track", "Short (no stock)"):
        assert f">{label}</span>" in body
    # more orders, same number of queries
    for _ in range(10):
        make_order(
            warehouse=orders["later"].warehouse, lines=[(orders["later"].lines.get().sku, 1)]
        )
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("watch_state__exact=overdue", {"overdue"}),
        ("is_short__exact=1", {"short"}),
        ("status__exact=awaiting_packaging&watch_state__exact=on_track", {"later"}),
    ],
)
def test_filters(client, staff, orders, query, expected):
    response = client.get(reverse("admin:fulfilment_order_changelist") + "?" + query)
    shown = {
        name for name, order in orders.items() if order.external_number in response.content.decode()
    }
    assert shown == expected


def test_due_today_view(client, staff, orders):
    response = client.get(reverse("admin:fulfilment_order_due_today"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.warehouse.code for g in groups] == ["MSK1"]
    numbers = [o.external_number for o in groups[0].orders]
    # overdue first, then the one due within the hour; later deadlines are not due today
    assert numbers[:2] == [orders["overdue"].external_number, orders["soon"].external_number]
    assert orders["later"].external_number not in numbers


def test_pack_and_ship_actions(client, staff, orders):
    url = reverse("admin:fulfilment_order_changelist")
    target = orders["later"]
    client.post(url, {"action": "pack_orders", "_selected_action": [target.pk]})
    target.refresh_from_db()
    assert target.status == OrderStatus.AWAITING_DELIVER
    response = client.post(
        url,
        {"action": "ship_orders", "_selected_action": [target.pk, orders["short"].pk]},
        follow=True,
    )
    target.refresh_from_db()
    assert target.status == OrderStatus.DELIVERING
    messages = [str(m) for m in response.context["messages"]]
    assert "1 order handed to the carrier." in messages
    assert any("is not packed yet" in m for m in messages)


def test_cancel_action_asks_for_a_reason(client, staff, orders):
    url = reverse("admin:fulfilment_order_changelist")
    target = orders["short"]
    form = client.post(url, {"action": "cancel_orders", "_selected_action": [target.pk]})
    assert form.status_code == 200
    assert b'name="reason"' in form.content
    client.post(
        url,
        {
            "action": "cancel_orders",
            "_selected_action": [target.pk],
            "apply": "1",
            "reason": "out_of_stock",
            "cancelled_by": "seller",
            "note": "no stock",
        },
    )
    target.refresh_from_db()
    assert (target.status, target.cancel_reason, target.cancel_note) == (
        "cancelled",
        "out_of_stock",
        "no stock",
    )


POSTINGS = (
    b"posting_number,status,in_process_at,warehouse,offer_id,quantity\n"
    b"X-1,awaiting_packaging,2026-03-02T10:00:00+03:00,MSK1,MUG,1\n"
    b"X-2,awaiting_packaging,2026-03-02T10:00:00+03:00,MSK1,NOPE,1\n"
)


@pytest.mark.parametrize("skip", [True, False])
def test_the_import_runs_as_a_job_whose_page_shows_the_report(
    client, staff, orders, skip, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("admin:fulfilment_order_import"),
            {
                "file": SimpleUploadedFile("postings.csv", POSTINGS),
                "channel": "ozon",
                **({"skip_bad_rows": "on"} if skip else {}),
            },
        )
    run = JobRun.objects.get()
    assert started.url == reverse("admin:core_jobrun_change", args=[run.pk])
    assert (run.job, run.status, run.started_by) == ("orders_import", "done", staff)
    assert run.result["created"] == (1 if skip else 0)
    page = client.get(started.url).content.decode()
    assert "row 3 X-2: unknown_sku" in page
    assert Order.objects.filter(external_number="X-1").exists() is skip
    assert not list(tmp_path.rglob("upload"))  # the stored upload is gone with the run


def test_orders_cannot_be_added_or_deleted_in_the_admin(client, staff, orders):
    assert client.get(reverse("admin:fulfilment_order_add")).status_code == 403
    pk = orders["later"].pk
    assert client.get(reverse("admin:fulfilment_order_change", args=[pk])).status_code == 200
    assert client.get(reverse("admin:fulfilment_order_delete", args=[pk])).status_code == 403


def test_notice_preview_edit_and_approve(client, staff, orders, settings):
    notice = Notice.objects.get(order=orders["short"], kind="short")
    url = reverse("admin:fulfilment_notice_change", args=[notice.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert notice.subject.encode() in page.content
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.AWAITING_APPROVAL)
    client.post(url, {"subject": "Ваш заказ задерживается", "body": "Новый текст."})
    notice.refresh_from_db()
    assert (notice.subject, notice.body, notice.edited) == (
        "Ваш заказ задерживается",
        "Новый текст.",
        True,
    )
    client.post(
        reverse("admin:fulfilment_notice_changelist"),
        {"action": "approve_notices", "_selected_action": [notice.pk]},
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PENDING
    assert notice.approved_by == staff


def test_index_dashboard(client, staff, orders):
    order_pack(order=orders["later"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="fulfilment-dashboard"' in body
    assert "Orders and seller metrics" in body
    assert "?watch_state__exact=overdue" in body
    # the overdue order is due and not handed over: on-time 0 of 1, in danger, overall and MSK1
    assert body.count('class="metric-danger" title="0 / 1"') == 6
    assert "<th>MSK1</th>" in body


def test_carrier_delay_action_refuses_a_past_date(client, staff, orders):
    url = reverse("admin:fulfilment_order_changelist")
    target = orders["short"]
    form = client.post(url, {"action": "record_carrier_delay", "_selected_action": [target.pk]})
    assert (
        f'min="{(timezone.localdate() - timedelta(days=1)).isoformat()}"' in form.content.decode()
    )
    notices_before = Notice.objects.count()
    response = client.post(
        url,
        {
            "action": "record_carrier_delay",
            "_selected_action": [target.pk],
            "apply": "1",
            "new_estimate": "2020-01-01",
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("01/01/2020 is in the past" in m for m in messages)
    target.refresh_from_db()
    assert target.carrier_delay_until is None
    assert Notice.objects.count() == notices_before
