"""Import marketplace orders (Ozon FBS postings) from JSON or CSV.

Idempotent: a posting already known is not taken in again; its status only moves forward
(packed → handed over → delivered, or cancelled) through the same services the admin uses.

All or nothing, like the sales import: every posting is first validated (numbers in range,
dates real and within a sane horizon, text without NUL bytes and within the columns' lengths,
known SKUs and warehouses) into a per-row error; a file with bad rows imports nothing unless
``skip_bad_rows``, and then the good rows are imported and the bad ones reported. The writes
run in one transaction, so a posting that fails while being applied also rolls the file back
(or, with ``skip_bad_rows``, only itself). The format is documented in the README
("Importing orders").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.errors import DomainError, InvalidInput
from core.limits import checked_decimal, checked_instant, checked_int, checked_text
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
    """``status`` is ``done`` or ``failed`` (bad rows without ``skip_bad_rows``: nothing
    written; ``created``/``updated``/``unchanged`` are then 0)."""

    status: str = "done"
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
    text = checked_text(value, what=what, max_length=64, code="bad_datetime")
    try:
        parsed = parse_datetime(text.replace(" ", "T", 1))
    except ValueError:  # well formed but not a real date or time (2026-02-30)
        parsed = None
    if parsed is None:
        raise InvalidInput(f"{what} {value!r} is not an ISO date and time.", code="bad_datetime")
    if timezone.is_naive(parsed):
        try:
            parsed = timezone.make_aware(parsed)
        except (ValueError, OverflowError):
            raise InvalidInput(f"{what} {value!r} is out of range.", code="bad_datetime") from None
    return checked_instant(parsed, what=what)


def _parse_json(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The file is not valid JSON: {exc}.", code="bad_file") from exc
    except RecursionError:
        raise InvalidInput("The file's JSON is nested too deeply.", code="bad_file") from None
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
    try:
        for row in reader:
            number = (row.get("posting_number") or "").strip()
            grouped.setdefault(number, (reader.line_num, []))[1].append(row)
    except csv.Error as exc:  # a field over the size limit, a stray quote
        line = reader.line_num + 1  # the reader counts the lines it finished, not this one
        raise InvalidInput(
            f"Line {line} of the CSV cannot be read: {exc}.",
            code="bad_file",
            details={"line": line},
        ) from exc
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


def _field_length(name: str) -> int:
    return Order._meta.get_field(name).max_length


@dataclass
class _Valid:
    """A posting whose every value has been checked; ``lines`` only for postings to create."""

    posting: _Posting
    target: str
    warehouse: Warehouse | None
    lines: list[OrderLineInput]


def _validate(
    posting: _Posting,
    *,
    existing: set[str],
    skus: dict[str, Sku],
    warehouses: dict[str, Warehouse],
    default_warehouse: Warehouse | None,
) -> _Valid:
    """Check everything that can be checked without writing; ``InvalidInput`` on the first
    problem of the posting."""
    number = checked_text(
        posting.number,
        what="posting_number",
        max_length=_field_length("external_number"),
        code="bad_posting_number",
    )
    if not number:
        raise InvalidInput("posting_number is missing.", code="missing_posting_number")
    target = STATUS_MAP.get(checked_text(posting.status, what="status", max_length=64).lower())
    if target is None:
        raise InvalidInput(f"Unknown status {posting.status[:64]!r}.", code="bad_status")
    checked_text(posting.cancel_reason, what="cancel_reason", max_length=2_000)
    checked_text(posting.cancellation_initiator, what="cancellation_initiator", max_length=200)
    if number in existing:
        return _Valid(posting, target, None, [])
    if posting.accepted_at is None:
        raise InvalidInput("in_process_at is missing.", code="missing_in_process_at")
    if posting.scheme not in OrderScheme.values:
        raise InvalidInput(
            f"Unknown scheme {posting.scheme[:16]!r}; use {' or '.join(OrderScheme.values)}.",
            code="bad_scheme",
        )
    for name, value in (
        ("customer_name", posting.customer.name),
        ("customer_contact", posting.customer.contact),
        ("customer_language", posting.customer.language),
    ):
        checked_text(value, what=name, max_length=_field_length(name), code="bad_customer")
    warehouse = warehouses.get(posting.warehouse) if posting.warehouse else default_warehouse
    if warehouse is None:
        raise InvalidInput(
            f"Unknown warehouse {posting.warehouse[:64]!r}."
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
            raise InvalidInput(f"Unknown offer_id {offer_id[:100]!r}.", code="unknown_sku")
        what = f"{offer_id}: quantity"
        units = checked_int(quantity, what=what, minimum=1, code="bad_quantity")
        amount = (
            Decimal("0")
            if price in (None, "")
            else checked_decimal(
                price, what=f"{offer_id}: price", max_digits=12, decimal_places=2, code="bad_price"
            )
        )
        lines.append(OrderLineInput(sku, units, amount))
    return _Valid(posting, target, warehouse, lines)


def _apply(valid: _Valid, *, channel: str, actor: Actor) -> str:
    """Take in or advance one validated posting; returns created, updated or unchanged."""
    posting, target = valid.posting, valid.target
    order = Order.objects.filter(channel=channel, external_number=posting.number).first()
    outcome = "unchanged"
    if order is None:
        if valid.warehouse is None:  # taken in by someone else since validation: re-validate
            raise InvalidInput(
                f"{posting.number} changed while the file was read; import it again.",
                code="concurrent_change",
            )
        order = order_intake(
            channel=channel,
            external_number=posting.number,
            warehouse=valid.warehouse,
            scheme=posting.scheme,
            accepted_at=posting.accepted_at,
            ship_by=posting.ship_by,
            lines=valid.lines,
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


def _read(content: bytes | str, fmt: str) -> list[_Posting | RowError]:
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("The file is not UTF-8 text.", code="bad_file") from exc
    fmt = fmt.lower().lstrip(".")
    if fmt == "json":
        return list(_postings_from_json(_parse_json(content)))
    if fmt == "csv":
        return list(_postings_from_csv(content))
    raise InvalidInput(f"Unknown format {fmt[:16]!r}; use json or csv.", code="bad_format")


def orders_import(
    *,
    content: bytes | str,
    fmt: str,
    channel: str = "ozon",
    default_warehouse: Warehouse | None = None,
    actor: Actor = SYSTEM,
    skip_bad_rows: bool = False,
) -> ImportReport:
    """Import postings from a JSON or CSV file, all or nothing (see the module doc).

    ``InvalidInput`` if the file as a whole cannot be read. Row problems are collected in the
    report; with any of them and not ``skip_bad_rows`` the report's status is ``failed`` and
    nothing was written.
    """
    postings = _read(content, fmt)
    parsed = [p for p in postings if isinstance(p, _Posting)]
    # Values PostgreSQL cannot even compare (NUL bytes) stay out of the lookups; the row checks
    # below report them.
    offer_ids = {offer for p in parsed for offer, _, _ in p.products if "\x00" not in str(offer)}
    skus = {sku.code: sku for sku in Sku.objects.filter(code__in=offer_ids)}
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    existing = set(
        Order.objects.filter(
            channel=channel,
            external_number__in={p.number for p in parsed if "\x00" not in str(p.number)},
        ).values_list("external_number", flat=True)
    )
    report = ImportReport(read=len(postings))
    valid: list[_Valid] = []
    for posting in postings:
        if isinstance(posting, RowError):
            report.errors.append(posting)
            continue
        try:
            valid.append(
                _validate(
                    posting,
                    existing=existing,
                    skus=skus,
                    warehouses=warehouses,
                    default_warehouse=default_warehouse,
                )
            )
        except DomainError as exc:
            report.errors.append(RowError(posting.row, posting.number[:100], exc.code, exc.message))
    if report.errors and not skip_bad_rows:
        report.status = "failed"
        return report
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for item in valid:
            try:
                with transaction.atomic():
                    outcome = _apply(item, channel=channel, actor=actor)
            except (DomainError, DatabaseError) as exc:
                code = getattr(exc, "code", "not_stored")
                message = getattr(exc, "message", f"The posting could not be stored: {exc}")
                report.errors.append(RowError(item.posting.row, item.posting.number, code, message))
                if not skip_bad_rows:
                    transaction.set_rollback(True)
                    report.status = "failed"
                    return report
                continue
            counts[outcome] += 1
    report.created, report.updated, report.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    return report
