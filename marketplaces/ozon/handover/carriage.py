"""The day's hand-over to the carrier as an Ozon carriage, and its act (PDF).

``carriage_request`` writes the row (in the caller's transaction) and schedules the send
after commit; ``carriage_send`` claims the row, then, outside any transaction, creates the
carriage at Ozon (``/v1/carriage/create``: every packed posting of the delivery method),
stores its id at once, approves it (``/v1/carriage/approve``) and records the postings of
its act (``/v2/posting/fbs/act/get-postings``) and how many containers it has
(``/v1/carriage/get``). A retry after a crash between create and approve approves the stored
carriage instead of creating a second; before creating one, the method's carriages that day
are read (``/v2/carriage/delivery/list``), so a carriage whose id was never stored (the worker
died between Ozon's answer and the write) or that the seller made in Ozon's own pages is taken
instead of a second. The act — acceptance certificate and waybill — and the containers' labels
are read on demand from ``/v2/posting/fbs/act/get-pdf`` and
``/v2/posting/fbs/act/get-container-labels``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import Conflict
from core.transactions import after_commit
from marketplaces.ozon.client import OzonCircleOpen, OzonClient, OzonError, OzonRetryable
from marketplaces.ozon.handover.labels import OzonUnavailable
from marketplaces.ozon.handover.models import Carriage, CarriageStatus
from marketplaces.ozon.models import WarehouseLink

DELIVERY_LIST, CREATE, APPROVE = (
    "/v2/carriage/delivery/list",
    "/v1/carriage/create",
    "/v1/carriage/approve",
)
ACT_POSTINGS, ACT_PDF = "/v2/posting/fbs/act/get-postings", "/v2/posting/fbs/act/get-pdf"
CARRIAGE_GET, CONTAINER_LABELS = "/v1/carriage/get", "/v2/posting/fbs/act/get-container-labels"
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 10


def delivery_methods(
    *, warehouse_link: WarehouseLink, departure_date: date, client: OzonClient
) -> list[dict[str, Any]]:
    """Ozon's delivery methods of the warehouse with postings to hand over that day."""
    methods: list[dict[str, Any]] = []
    body = {"limit": 100, "filter": {"departure_date": departure_date.isoformat()}}
    for page in client.pages(DELIVERY_LIST, body, items="methods"):
        methods += [m for m in page if m.get("warehouse_id") == warehouse_link.ozon_warehouse_id]
    return methods


@transaction.atomic
def carriage_request(
    *,
    warehouse_link: WarehouseLink,
    delivery_method_id: int,
    departure_date: date,
    delivery_method_name: str = "",
) -> Carriage:
    """The carriage of that warehouse, method and day, queued for Ozon (once: a second request
    returns the first). A failed one is queued again."""
    carriage, created = Carriage.objects.select_for_update().get_or_create(
        warehouse_link=warehouse_link,
        delivery_method_id=delivery_method_id,
        departure_date=departure_date,
        defaults={
            "account_id": warehouse_link.account_id,
            "delivery_method_name": delivery_method_name,
        },
    )
    if not created and carriage.status != CarriageStatus.FAILED:
        return carriage
    if not created:
        carriage.status, carriage.attempts, carriage.last_error = CarriageStatus.PENDING, 0, ""
        carriage.next_attempt_at = timezone.now()
        carriage.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    from marketplaces.ozon.handover.tasks import carriage_send_task

    after_commit(carriage_send_task.delay, carriage.pk)
    return carriage


def _claim(carriage_id: int) -> Carriage | None:
    now = timezone.now()
    claimed = Carriage.objects.filter(
        pk=carriage_id, status=CarriageStatus.PENDING, next_attempt_at__lte=now
    ).update(status=CarriageStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return Carriage.objects.select_related("account", "warehouse_link").get(pk=carriage_id)


def carriages_due() -> list[int]:
    """Pending carriages that are due, and sending ones whose worker's lease ran out."""
    now = timezone.now()
    Carriage.objects.filter(status=CarriageStatus.SENDING, next_attempt_at__lt=now).update(
        status=CarriageStatus.PENDING
    )
    return list(
        Carriage.objects.filter(status=CarriageStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:100]
    )


def carriage_send(carriage_id: int, *, client: OzonClient | None = None) -> str:
    """Create, approve and list one claimed carriage at Ozon; its status afterwards."""
    carriage = _claim(carriage_id)
    if carriage is None:
        return "not due"
    own = client is None
    client = client or OzonClient.for_account(carriage.account)
    delay: timedelta | None = None
    try:
        if carriage.carriage_id is None:
            carriage.carriage_id = existing_carriage_id(carriage=carriage, client=client)
            if carriage.carriage_id is not None:
                _remember_id(carriage)
        if carriage.carriage_id is None:
            departure = datetime.combine(carriage.departure_date, time(12), tzinfo=UTC)
            answer = client.call(
                CREATE,
                {
                    "delivery_method_id": carriage.delivery_method_id,
                    "departure_date": departure.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
            carriage.carriage_id = int(answer["carriage_id"])
            _remember_id(carriage)
        client.call(APPROVE, {"carriage_id": carriage.carriage_id})
        act = client.call(ACT_POSTINGS, {"id": carriage.carriage_id})
        postings = [item.get("posting_number") for item in act.get("result") or []]
        details = client.call(CARRIAGE_GET, {"carriage_id": carriage.carriage_id})
        containers = int(details.get("containers_count") or 0)
        status, error = CarriageStatus.APPROVED, ""
    except OzonCircleOpen as exc:
        status, error, delay = CarriageStatus.PENDING, str(exc), timedelta(seconds=exc.retry_after)
    except OzonRetryable as exc:
        status, error = CarriageStatus.PENDING, str(exc)
        delay = timedelta(seconds=min(30 * 2 ** (carriage.attempts - 1), 3600))
    except (OzonError, KeyError, TypeError, ValueError) as exc:
        status, error = CarriageStatus.FAILED, getattr(exc, "message", None) or repr(exc)
    finally:
        if own:
            client.close()
    if status == CarriageStatus.PENDING and carriage.attempts >= MAX_ATTEMPTS:
        status = CarriageStatus.FAILED
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "last_error": error[:2000]}
    if status == CarriageStatus.APPROVED:
        fields.update(approved_at=now, postings=postings, containers_count=containers)
    fields["next_attempt_at"] = now + delay if delay else now
    Carriage.objects.filter(pk=carriage.pk, status=CarriageStatus.SENDING).update(**fields)
    return status


def _remember_id(carriage: Carriage) -> None:
    """Store Ozon's carriage id at once: every retry from now on approves this carriage."""
    Carriage.objects.filter(pk=carriage.pk).update(carriage_id=carriage.carriage_id)


def existing_carriage_id(*, carriage: Carriage, client: OzonClient) -> int | None:
    """The id of a carriage Ozon already has for the method and day (cancelled ones aside)."""
    body = {
        "limit": 100,
        "filter": {
            "delivery_method_id": carriage.delivery_method_id,
            "departure_date": carriage.departure_date.isoformat(),
        },
    }
    for page in client.pages(DELIVERY_LIST, body, items="methods"):
        for method in page:
            if method.get("delivery_method_id") != carriage.delivery_method_id:
                continue
            for found in method.get("carriages") or []:
                if found.get("id") and "cancel" not in str(found.get("status", "")).lower():
                    return int(found["id"])
    return None


def carriage_act_pdf(*, carriage: Carriage, client: OzonClient | None = None) -> bytes:
    """The act (acceptance certificate and waybill) of an approved carriage, as Ozon's PDF."""
    return _approved_carriage_file(carriage, ACT_PDF, what="its act", client=client)


def carriage_container_labels_pdf(*, carriage: Carriage, client: OzonClient | None = None) -> bytes:
    """The labels of an approved carriage's containers (package units), as Ozon's PDF."""
    if carriage.status == CarriageStatus.APPROVED and not carriage.containers_count:
        raise Conflict(
            f"Carriage {carriage} has no containers at Ozon: there is nothing to label.",
            code="no_containers",
        )
    return _approved_carriage_file(
        carriage, CONTAINER_LABELS, what="its containers' labels", client=client
    )


def _approved_carriage_file(
    carriage: Carriage, path: str, *, what: str, client: OzonClient | None
) -> bytes:
    if carriage.status != CarriageStatus.APPROVED or carriage.carriage_id is None:
        raise Conflict(
            f"Carriage {carriage} is {carriage.get_status_display().lower()}: Ozon makes "
            f"{what} once it has approved the carriage.",
            code="carriage_not_approved",
        )
    own = client is None
    client = client or OzonClient.for_account(carriage.account, max_attempts=2)
    try:
        return client.call_file(path, {"id": carriage.carriage_id})
    except OzonRetryable as exc:
        raise OzonUnavailable(
            f"Ozon did not answer for {what} ({exc.message}); try again in a minute."
        ) from exc
    except OzonError as exc:
        raise Conflict(f"Ozon refused {what}: {exc.message}", code="ozon_refused") from exc
    finally:
        if own:
            client.close()
