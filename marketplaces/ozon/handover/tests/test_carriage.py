"""The day's hand-over as an Ozon carriage: created, approved, resumed after a crash; its act."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.handover import carriage as carriage_module
from marketplaces.ozon.handover.carriage import (
    APPROVE,
    CREATE,
    carriage_request,
    carriage_send,
    carriages_due,
)
from marketplaces.ozon.handover.models import Carriage, CarriageStatus
from marketplaces.ozon.models import WarehouseLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(account, warehouse, fake_ozon):
    fake_ozon.add_warehouse(1001, "Moscow FBS")
    fake_ozon.add_delivery_method(77, 1001, "Ozon courier, Moscow")
    return WarehouseLink.objects.create(
        account=account, ozon_warehouse_id=1001, name="Moscow FBS", warehouse=warehouse
    )


@pytest.fixture
def quick(account):
    """A client that tries once and never sleeps: each send is one attempt."""
    with OzonClient.for_account(account, max_attempts=1, sleep=lambda s: None) as ozon:
        yield ozon


def hand_over(client, link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("admin:ozon_handover_carriage_handover"),
            {"warehouse_link": link.pk, "departure_date": timezone.localdate().isoformat()},
        )


def test_the_admin_hand_over_creates_and_approves_the_days_carriage(
    client, staff, link, ozon_order, fake_ozon, django_capture_on_commit_callbacks
):
    ozon_order("7201-0001-1")
    ozon_order("7202-0001-1")
    ozon_order("7203-0001-1", packed=False)  # not packed: not handed over

    response = hand_over(client, link, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    carriage = Carriage.objects.get()
    assert (carriage.status, carriage.carriage_id, carriage.postings) == (
        CarriageStatus.APPROVED,
        900_000_001,
        ["7201-0001-1", "7202-0001-1"],
    )
    assert carriage.delivery_method_name == "Ozon courier, Moscow"
    assert fake_ozon.calls_to(CREATE) == [
        {"delivery_method_id": 77, "departure_date": f"{timezone.localdate()}T12:00:00Z"}
    ]
    assert fake_ozon.calls_to(APPROVE) == [{"carriage_id": 900_000_001}]
    assert fake_ozon.carriages[900_000_001]["status"] == "FORMED"


def test_a_second_hand_over_the_same_day_creates_nothing_more(
    client, staff, link, ozon_order, fake_ozon, django_capture_on_commit_callbacks
):
    ozon_order("7201-0001-1")
    hand_over(client, link, django_capture_on_commit_callbacks)
    ozon_order("7202-0001-1")  # packed later: goes with tomorrow's carriage

    hand_over(client, link, django_capture_on_commit_callbacks)

    assert Carriage.objects.count() == 1
    assert len(fake_ozon.calls_to(CREATE)) == 1


def test_a_failure_after_create_approves_the_same_carriage_on_retry(
    link, ozon_order, fake_ozon, quick
):
    ozon_order("7201-0001-1")
    carriage = carriage_request(
        warehouse_link=link, delivery_method_id=77, departure_date=timezone.localdate()
    )
    fake_ozon.fail_next(APPROVE, "500")

    assert carriage_send(carriage.pk, client=quick) == CarriageStatus.PENDING
    carriage.refresh_from_db()
    assert carriage.carriage_id == 900_000_001 and "HTTP 500" in carriage.last_error
    Carriage.objects.filter(pk=carriage.pk).update(next_attempt_at=timezone.now())

    assert carriage_send(carriage.pk, client=quick) == CarriageStatus.APPROVED
    assert len(fake_ozon.calls_to(CREATE)) == 1  # never a second carriage
    assert len(fake_ozon.carriages) == 1


def test_ozon_refusing_the_carriage_fails_it_with_ozons_message_and_it_can_be_sent_again(
    client, staff, link, ozon_order, fake_ozon, quick, django_capture_on_commit_callbacks
):
    carriage = carriage_request(
        warehouse_link=link, delivery_method_id=77, departure_date=timezone.localdate()
    )
    assert carriage_send(carriage.pk, client=quick) == CarriageStatus.FAILED
    carriage.refresh_from_db()
    assert carriage.last_error == "NO_POSTINGS_FOR_CARRIAGE"
    ozon_order("7201-0001-1")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:ozon_handover_carriage_changelist"),
            {"action": "send_again", "_selected_action": [carriage.pk]},
        )

    carriage.refresh_from_db()
    assert (carriage.status, carriage.postings) == (CarriageStatus.APPROVED, ["7201-0001-1"])


def test_the_act_downloads_as_ozons_pdf_and_due_today_links_it(
    client, staff, link, ozon_order, fake_ozon, django_capture_on_commit_callbacks
):
    ozon_order("7201-0001-1")
    ozon_order("7202-0001-1")
    hand_over(client, link, django_capture_on_commit_callbacks)
    carriage = Carriage.objects.get()

    response = client.get(reverse("ozon-carriage-act", args=[carriage.pk]))
    due_today = client.get(reverse("admin:fulfilment_order_due_today")).content.decode()

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="act-900000001.pdf"'
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert text.strip() == "ACT 900000001: 7201-0001-1 7202-0001-1"
    assert reverse("ozon-carriage-act", args=[carriage.pk]) in due_today
    assert "Hand-over act of carriage 900000001 (PDF)" in due_today


def test_the_act_of_a_carriage_not_yet_approved_is_a_clear_409(client, staff, link, fake_ozon):
    carriage = carriage_request(
        warehouse_link=link, delivery_method_id=77, departure_date=timezone.localdate()
    )

    response = client.get(reverse("ozon-carriage-act", args=[carriage.pk]))

    assert response.status_code == 409
    assert response.json()["code"] == "carriage_not_approved"
    assert client.get(reverse("ozon-carriage-act", args=[999])).status_code == 404


def test_a_worker_dying_between_create_and_storing_the_id_does_not_make_a_second_carriage(
    link, ozon_order, fake_ozon, quick, monkeypatch
):
    # given: Ozon creates the carriage, then the worker dies before it stores the id
    ozon_order("7201-0001-1")
    carriage = carriage_request(
        warehouse_link=link, delivery_method_id=77, departure_date=timezone.localdate()
    )

    def killed(carriage):
        raise SystemExit("worker killed")

    monkeypatch.setattr(carriage_module, "_remember_id", killed)
    with pytest.raises(SystemExit):
        carriage_send(carriage.pk, client=quick)
    monkeypatch.undo()
    carriage.refresh_from_db()
    assert (carriage.status, carriage.carriage_id) == (CarriageStatus.SENDING, None)

    # when: its lease runs out and the carriage is sent again
    Carriage.objects.filter(pk=carriage.pk).update(next_attempt_at=timezone.now())
    assert carriages_due() == [carriage.pk]
    assert carriage_send(carriage.pk, client=quick) == CarriageStatus.APPROVED

    # then: Ozon's carriage of that method and day is taken, approved, and none is made twice
    carriage.refresh_from_db()
    assert (carriage.carriage_id, carriage.postings) == (900_000_001, ["7201-0001-1"])
    assert len(fake_ozon.calls_to(CREATE)) == 1
    assert fake_ozon.calls_to(APPROVE) == [{"carriage_id": 900_000_001}]
    assert list(fake_ozon.carriages) == [900_000_001]


def test_a_carriage_the_seller_made_in_ozons_pages_is_taken_not_doubled(
    link, ozon_order, fake_ozon, quick
):
    ozon_order("7201-0001-1")
    fake_ozon.do_v1_carriage_create({"delivery_method_id": 77, "departure_date": "x"})
    fake_ozon.carriages[900_000_001]["departure_date"] = f"{timezone.localdate()}T09:00:00Z"
    carriage = carriage_request(
        warehouse_link=link, delivery_method_id=77, departure_date=timezone.localdate()
    )

    assert carriage_send(carriage.pk, client=quick) == CarriageStatus.APPROVED

    carriage.refresh_from_db()
    assert carriage.carriage_id == 900_000_001
    assert fake_ozon.calls_to(CREATE) == []


def test_a_cancelled_carriage_at_ozon_is_not_taken(link, ozon_order, fake_ozon, quick):
    ozon_order("7201-0001-1")
    fake_ozon.do_v1_carriage_create({"delivery_method_id": 77, "departure_date": "x"})
    fake_ozon.carriages[900_000_001].update(
        departure_date=f"{timezone.localdate()}T09:00:00Z", status="CANCELLED", postings=[]
    )
    carriage = carriage_request(
        warehouse_link=link, delivery_method_id=77, departure_date=timezone.localdate()
    )

    assert carriage_send(carriage.pk, client=quick) == CarriageStatus.APPROVED

    carriage.refresh_from_db()
    assert carriage.carriage_id == 900_000_002
    assert len(fake_ozon.calls_to(CREATE)) == 1


def test_the_containers_labels_print_from_due_today(
    client, staff, link, ozon_order, fake_ozon, django_capture_on_commit_callbacks
):
    # given: Ozon counts two containers (package units) in the day's carriage
    fake_ozon.containers_per_carriage = 2
    ozon_order("7201-0001-1")
    hand_over(client, link, django_capture_on_commit_callbacks)
    carriage = Carriage.objects.get()
    assert carriage.containers_count == 2
    url = reverse("ozon-carriage-container-labels", args=[carriage.pk])

    # when: the warehouse opens Due today and prints them
    due_today = client.get(reverse("admin:fulfilment_order_due_today")).content.decode()
    response = client.get(url)

    # then: one PDF with a page per container, offered beside the act
    assert url in due_today
    assert "Labels of the 2 containers of carriage 900000001 (PDF)" in due_today
    assert response.status_code == 200
    assert response["Content-Disposition"] == ('attachment; filename="containers-900000001.pdf"')
    pages = PdfReader(BytesIO(response.content)).pages
    assert [p.extract_text().strip() for p in pages] == [
        "CONTAINER 900000001-1",
        "CONTAINER 900000001-2",
    ]


def test_a_carriage_without_containers_offers_no_container_labels(
    client, staff, link, ozon_order, fake_ozon, django_capture_on_commit_callbacks
):
    ozon_order("7201-0001-1")
    hand_over(client, link, django_capture_on_commit_callbacks)
    carriage = Carriage.objects.get()
    url = reverse("ozon-carriage-container-labels", args=[carriage.pk])

    response = client.get(url)

    assert carriage.containers_count == 0
    assert response.status_code == 409
    assert response.json()["code"] == "no_containers"
    assert url not in client.get(reverse("admin:fulfilment_order_due_today")).content.decode()
