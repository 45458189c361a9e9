"""Import marketplace orders (Ozon FBS postings) from JSON or CSV.

Idempotent: a posting already known is not taken in again; its status only moves forward
(packed → handed over → delivered, or cancelled) through the same services the admin uses.
Each posting is its own transaction, so one bad posting is reported as a row error and
spoils no other. The format is documented in the README ("Importing orders").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.errors import DomainError, InvalidInput
from fulfilment.models import CancelledBy, CancelReason, Order, OrderScheme, OrderStatus
from fulfilment.services import (
    CustomerInfo,
    OrderLineInput,
    order_cancel,
    order_deliver,
    order_intake,
    order_pack,
    order_ship,
)
from inventory.models import Sku, Warehouse
from inventory.services import SYSTEM, Actor

# Ozon posting statuses → ours. Statuses before packaging count as awaiting packaging.
STATUS_MAP = {
    "awaiting_registration": OrderStatus.AWAITING_PACKAGING,
    "acceptance_in_progress": OrderStatus.AWAITING_PACKAGING,
    "awaiting_approve": OrderStatus.AWAITING_PACKAGING,
    "awaiting_packaging": OrderStatus.AWAITING_PACKAGING,
    "awaiting_deliver": OrderStatus.AWAITING_DELIVER,
    "sent_by_seller": OrderStatus.DELIVERING,
    "driver_pickup": OrderStatus.DELIVERING,
    "delivering": OrderStatus.DELIVERING,
    "arbitration": OrderStatus.DELIVERING,
    "client_arbitration": OrderStatus.DELIVERING,
    "delivered": OrderStatus.DELIVERED,
    "cancelled": OrderStatus.CANCELLED,
    "not_accepted": OrderStatus.CANCELLED,
}
_PROGRESS = [
    OrderStatus.AWAITING_PACKAGING,
    OrderStatus.AWAITING_DELIVER,
    OrderStatus.DELIVERING,
    OrderStatus.DELIVERED,
]
# Free-text cancellation reasons (Russian or English) → our reasons, first match wins.
_REASON_WORDS = [
    (CancelReason.OUT_OF_STOCK, ("out_of_stock", "out of stock", "нет в наличии", "закончил")),
    (CancelReason.PREP_TIME_EXCEEDED, ("prep_time", "prep time", "время сборки", "не успел")),
    (CancelReason.CUSTOMER_REQUEST, ("customer", "покупател", "клиент")),
    (CancelReason.LOGISTICS, ("logistic", "delivery", "доставк", "логист")),
    (CancelReason.QUALITY, ("quality", "defect", "качеств", "брак")),
]
_INITIATOR_WORDS = [
    (CancelledBy.SELLER, ("seller", "продав")),
    (CancelledBy.CUSTOMER, ("customer", "client", "buyer", "покупат", "клиент")),
    (CancelledBy.MARKETPLACE, ("marketplace", "ozon", "system", "систем")),
]
CSV_COLUMNS = [
    "posting_number",
    "status",
    "in_process_at",
    "shipment_date",
    "warehouse",
    "offer_id",
    "quantity",
    "price",
    "cancel_reason",
    "cancellation_initiator",
    "customer_name",
    "customer_contact",
    "customer_language",
    "scheme",
]


@dataclass(frozen=True)
class RowError:
    row: int  # posting position in the file (JSON) or first line of the posting (CSV)
    posting_number: str
    code: str
    message: str


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)


@dataclass
class _Posting:
    row: int
    number: str
    status: str
    accepted_at: datetime | None
    ship_by: datetime | None
    warehouse: str
    scheme: str
    products: list[tuple[str, Any, Any]]  # offer id, quantity, price (raw)
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    customer: CustomerInfo = field(default_factory=CustomerInfo)


# --- parsing ----------------------------------------------------------------------------------


def _when(value: Any, what: str) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(str(value).strip().replace(" ", "T", 1))
    if parsed is None:
        raise InvalidInput(f"{what} {value!r} is not an ISO date and time.", code="bad_datetime")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _parse_json(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The file is not valid JSON: {exc}.", code="bad_file") from exc
    if isinstance(data, dict):
        data = data.get("result", data)
    if isinstance(data, dict):
        data = data.get("postings")
    if not isinstance(data, list):
        raise InvalidInput(
            'Expected a list of postings, {"postings": […]} or {"result": {"postings": […]}}.',
            code="bad_file",
        )
    return data


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _postings_from_json(items: list) -> Iterable[_Posting | RowError]:
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield RowError(index, "", "bad_row", "A posting must be an object.")
            continue
        number = str(item.get("posting_number") or "").strip()
        try:
            cancellation = _object(item.get("cancellation"))
            customer = _object(item.get("customer") or item.get("addressee"))
            delivery = _object(item.get("delivery_method"))
            yield _Posting(
                row=index,
                number=number,
                status=str(item.get("status") or "awaiting_packaging"),
                accepted_at=_when(item.get("in_process_at"), "in_process_at"),
                ship_by=_when(item.get("shipment_date"), "shipment_date"),
                warehouse=str(item.get("warehouse") or delivery.get("warehouse") or ""),
                scheme=str(item.get("scheme") or OrderScheme.FBS),
                products=[
                    (str(p.get("offer_id") or ""), p.get("quantity"), p.get("price"))
                    for p in item.get("products") or []
                    if isinstance(p, dict)
                ],
                cancel_reason=str(
                    cancellation.get("cancel_reason") or item.get("cancel_reason") or ""
                ),
                cancellation_initiator=str(cancellation.get("cancellation_initiator") or ""),
                customer=CustomerInfo(
                    name=str(customer.get("name") or ""),
                    contact=str(customer.get("email") or customer.get("phone") or ""),
                    language=str(customer.get("language") or item.get("language") or ""),
                ),
            )
        except DomainError as exc:
            yield RowError(index, number, exc.code, exc.message)


def _postings_from_csv(text: str) -> Iterable[_Posting | RowError]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"posting_number", "in_process_at", "offer_id", "quantity"} - set(
        reader.fieldnames or []
    )
    if missing:
        raise InvalidInput(
            f"The CSV lacks the columns {', '.join(sorted(missing))}.",
            code="bad_file",
            details={"missing_columns": sorted(missing)},
        )
    grouped: dict[str, tuple[int, list[dict]]] = {}
    for line_number, row in enumerate(reader, start=2):
        number = (row.get("posting_number") or "").strip()
        grouped.setdefault(number, (line_number, []))[1].append(row)
    for number, (line_number, rows) in grouped.items():
        first = rows[0]
        try:
            yield _Posting(
                row=line_number,
                number=number,
                status=(first.get("status") or "awaiting_packaging").strip(),
                accepted_at=_when(first.get("in_process_at"), "in_process_at"),
                ship_by=_when(first.get("shipment_date"), "shipment_date"),
                warehouse=(first.get("warehouse") or "").strip(),
                scheme=(first.get("scheme") or OrderScheme.FBS).strip().lower(),
                products=[
                    ((r.get("offer_id") or "").strip(), r.get("quantity"), r.get("price"))
                    for r in rows
                ],
                cancel_reason=(first.get("cancel_reason") or "").strip(),
                cancellation_initiator=(first.get("cancellation_initiator") or "").strip(),
                customer=CustomerInfo(
                    name=(first.get("customer_name") or "").strip(),
                    contact=(first.get("customer_contact") or "").strip(),
                    language=(first.get("customer_language") or "").strip(),
                ),
            )
        except DomainError as exc:
            yield RowError(line_number, number, exc.code, exc.message)


def _match(text: str, table, default: str) -> str:
    lowered = text.strip().lower()
    for value, words in table:
        if lowered == value or any(word in lowered for word in words):
            return value
    return default


def cancel_reason_from(text: str) -> str:
    return _match(text, _REASON_WORDS, CancelReason.OTHER)


def cancelled_by_from(text: str) -> str:
    return _match(text, _INITIATOR_WORDS, CancelledBy.MARKETPLACE)


# --- applying ---------------------------------------------------------------------------------


def _quantity(value: Any, offer_id: str) -> int:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        quantity = 0
    if quantity <= 0:
        raise InvalidInput(
            f"{offer_id}: quantity {value!r} is not a positive whole number.", code="bad_quantity"
        )
    return quantity


def _price(value: Any, offer_id: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        price = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidInput(
            f"{offer_id}: price {value!r} is not a number.", code="bad_price"
        ) from exc
    if price < 0 or not price.is_finite():
        raise InvalidInput(f"{offer_id}: price {value!r} is not a valid amount.", code="bad_price")
    return price


def _apply(
    posting: _Posting,
    *,
    channel: str,
    skus: dict[str, Sku],
    warehouses: dict[str, Warehouse],
    default_warehouse: Warehouse | None,
    actor: Actor,
) -> str:
    """Take in or advance one posting; returns created, updated or unchanged."""
    if not posting.number:
        raise InvalidInput("posting_number is missing.", code="missing_posting_number")
    target = STATUS_MAP.get(posting.status.strip().lower())
    if target is None:
        raise InvalidInput(f"Unknown status {posting.status!r}.", code="bad_status")
    order = Order.objects.filter(channel=channel, external_number=posting.number).first()
    outcome = "unchanged"
    if order is None:
        if posting.accepted_at is None:
            raise InvalidInput("in_process_at is missing.", code="missing_in_process_at")
        warehouse = warehouses.get(posting.warehouse) if posting.warehouse else default_warehouse
        if warehouse is None:
            raise InvalidInput(
                f"Unknown warehouse {posting.warehouse!r}."
                if posting.warehouse
                else "No warehouse given.",
                code="unknown_warehouse",
            )
        if not posting.products:
            raise InvalidInput("The posting has no products.", code="no_lines")
        lines = []
        for offer_id, quantity, price in posting.products:
            sku = skus.get(offer_id)
            if sku is None:
                raise InvalidInput(f"Unknown offer_id {offer_id!r}.", code="unknown_sku")
            lines.append(
                OrderLineInput(sku, _quantity(quantity, offer_id), _price(price, offer_id))
            )
        order = order_intake(
            channel=channel,
            external_number=posting.number,
            warehouse=warehouse,
            scheme=posting.scheme,
            accepted_at=posting.accepted_at,
            ship_by=posting.ship_by,
            lines=lines,
            customer=posting.customer,
        ).order
        outcome = "created"
    if target == OrderStatus.CANCELLED:
        if order.is_open:
            order_cancel(
                order=order,
                reason=cancel_reason_from(posting.cancel_reason),
                cancelled_by=cancelled_by_from(posting.cancellation_initiator),
                actor=actor,
                note=posting.cancel_reason[:500],
            )
            return outcome if outcome == "created" else "updated"
        if order.status != OrderStatus.CANCELLED:
            raise InvalidInput(
                f"The marketplace cancelled {posting.number}, but it was already "
                f"{order.get_status_display().lower()} here.",
                code="status_conflict",
            )
        return outcome
    if order.status == OrderStatus.CANCELLED:
        raise InvalidInput(
            f"{posting.number} is cancelled here but {posting.status} at the marketplace.",
            code="status_conflict",
        )
    while _PROGRESS.index(order.status) < _PROGRESS.index(target):
        if order.status == OrderStatus.AWAITING_PACKAGING:
            order = order_pack(order=order, actor=actor)
        elif order.status == OrderStatus.AWAITING_DELIVER:
            order = order_ship(order=order, actor=actor)
        else:
            order = order_deliver(order=order)
        if outcome == "unchanged":
            outcome = "updated"
    return outcome


def orders_import(
    *,
    content: bytes | str,
    fmt: str,
    channel: str = "ozon",
    default_warehouse: Warehouse | None = None,
    actor: Actor = SYSTEM,
) -> ImportReport:
    """Import postings from a JSON or CSV file; ``InvalidInput`` only if the file as a whole
    cannot be read. Row problems are collected in the report."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("The file is not UTF-8 text.", code="bad_file") from exc
    fmt = fmt.lower().lstrip(".")
    if fmt == "json":
        postings = list(_postings_from_json(_parse_json(content)))
    elif fmt == "csv":
        postings = list(_postings_from_csv(content))
    else:
        raise InvalidInput(f"Unknown format {fmt!r}; use json or csv.", code="bad_format")

    offer_ids = {offer for p in postings if isinstance(p, _Posting) for offer, _, _ in p.products}
    skus = {sku.code: sku for sku in Sku.objects.filter(code__in=offer_ids)}
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    report = ImportReport(read=len(postings))
    for posting in postings:
        if isinstance(posting, RowError):
            report.errors.append(posting)
            continue
        try:
            with transaction.atomic():
                outcome = _apply(
                    posting,
                    channel=channel,
                    skus=skus,
                    warehouses=warehouses,
                    default_warehouse=default_warehouse,
                    actor=actor,
                )
        except DomainError as exc:
            report.errors.append(RowError(posting.row, posting.number, exc.code, exc.message))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
