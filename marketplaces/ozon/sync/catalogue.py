"""Warehouses (``/v2/warehouse/list``) and products (``/v3/product/list`` + ``/v3/product/info/list``).

Each Ozon FBS warehouse maps to a Zapas warehouse (created on first sync when no link exists)
with its time zone, working days and cut-off from Ozon's fields. Each product's ``offer_id``
is the Zapas SKU code; unknown offers become SKUs when the account allows it, archived
products are flagged. Everything is written in bulk: a catalogue of 100,000 offers is a few
statements per 1,000.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.barcodes import validate_barcode
from core.bulk import model_insert
from inventory.models import Barcode, Sku, Warehouse
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount, ProductLink, StockPush, WarehouseLink

if TYPE_CHECKING:
    from marketplaces.ozon.sync.stock import OpeningStockFeed

_DAYS = {
    "MONDAY": "1",
    "TUESDAY": "2",
    "WEDNESDAY": "3",
    "THURSDAY": "4",
    "FRIDAY": "5",
    "SATURDAY": "6",
    "SUNDAY": "7",
}
_UTC_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.I)


@dataclass
class StepResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def time_zone_from_ozon(value: str | None) -> str | None:
    """``"UTC+03:00"`` → ``"Etc/GMT-3"`` (POSIX signs are inverted); an IANA name as is."""
    value = (value or "").strip()
    if not value:
        return None
    match = _UTC_OFFSET.match(value)
    if match is None:
        return value if "/" in value else None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes or hours > 14:
        return None  # no Etc/ zone for half-hour offsets: keep the warehouse's own
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def working_days_from_ozon(values: Iterable[Any] | None) -> str | None:
    """Ozon's day names (or, as some accounts answer, ISO numbers) → ``"12345"``."""
    days = set()
    for value in values or []:
        if isinstance(value, int) and 1 <= value <= 7:
            days.add(str(value))
        elif isinstance(value, str) and value.strip().upper() in _DAYS:
            days.add(_DAYS[value.strip().upper()])
        elif isinstance(value, str) and value.strip() in "1234567" and value.strip():
            days.add(value.strip())
    return "".join(sorted(days)) or None


def cutoff_from_ozon(minutes: Any) -> time | None:
    """``cut_in_time`` (minutes after local midnight) → a cut-off time."""
    if isinstance(minutes, int) and 0 < minutes < 24 * 60:
        return time(minutes // 60, minutes % 60)
    return None


def warehouses_sync(*, account: OzonAccount, client: OzonClient) -> StepResult:
    """Link every Ozon FBS/rFBS warehouse of the account to a Zapas warehouse."""
    result = StepResult()
    rows: list[dict[str, Any]] = []
    for page in client.pages("/v2/warehouse/list", {"limit": 200}, items="warehouses"):
        rows += page
    links = {
        link.ozon_warehouse_id: link for link in account.warehouses.select_related("warehouse")
    }
    with transaction.atomic():
        for row in rows:
            ozon_id = int(row["warehouse_id"])
            name = (row.get("name") or str(ozon_id))[:200]
            tz = time_zone_from_ozon((row.get("address_info") or {}).get("utc"))
            days = working_days_from_ozon(row.get("working_days"))
            cutoff = cutoff_from_ozon(row.get("cut_in_time"))
            status = (row.get("status") or "")[:32]
            link = links.get(ozon_id)
            created = link is None
            if created:
                warehouse, _ = Warehouse.objects.get_or_create(
                    code=f"OZ-{ozon_id}"[:32], defaults={"name": name, "kind": Warehouse.Kind.OWN}
                )
                link = WarehouseLink(
                    account=account, ozon_warehouse_id=ozon_id, warehouse=warehouse
                )
            else:
                warehouse = link.warehouse
            link_changed = created or (link.name, link.status, link.is_rfbs) != (
                name,
                status,
                bool(row.get("is_rfbs")),
            )
            if link_changed:
                link.name, link.status, link.is_rfbs = name, status, bool(row.get("is_rfbs"))
                link.save()
            wanted = {"time_zone": tz, "working_days": days, "cutoff_time": cutoff}
            fields = [f for f, v in wanted.items() if v is not None and getattr(warehouse, f) != v]
            for name_ in fields:
                setattr(warehouse, name_, wanted[name_])
            if fields:
                warehouse.save(update_fields=fields)
            if created:
                result.created += 1
            elif link_changed or fields:
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def _price(value: Any) -> Decimal:
    try:
        return max(Decimal(str(value or "0")), Decimal("0")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal("0")


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _product_pages(client: OzonClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    body: dict[str, Any] = {"filter": {"visibility": "ALL"}, "limit": 1000, "last_id": ""}
    while True:
        answer = client.call("/v3/product/list", body)
        page = (answer.get("result") or {}).get("items") or []
        items += page
        last_id = (answer.get("result") or {}).get("last_id") or ""
        if not page or not last_id or len(page) < body["limit"]:
            return items
        body = {**body, "last_id": last_id}


def products_sync(
    *, account: OzonAccount, client: OzonClient, stock_feed: OpeningStockFeed | None = None
) -> StepResult:
    """Link every Ozon product of the account to a Zapas SKU (``offer_id`` = SKU code).

    ``stock_feed``: started with the linked offers before the links are written, so the
    opening stock is requested while this step writes."""
    result = StepResult()
    listed = _product_pages(client)
    ids = [str(item["product_id"]) for item in listed if item.get("product_id")]
    with ThreadPoolExecutor(max_workers=settings.OZON["CONCURRENCY"]) as pool:
        answers = list(
            pool.map(
                lambda chunk: client.call("/v3/product/info/list", {"product_id": chunk}),
                _chunks(ids, 1000),
            )
        )
    info = {int(item["id"]): item for answer in answers for item in answer.get("items") or []}
    archived = {int(item["product_id"]): bool(item.get("archived")) for item in listed}
    offers: dict[str, dict[str, Any]] = {}
    for product_id, item in info.items():
        offer_id = (item.get("offer_id") or "").strip()[:64]
        if not offer_id:
            result.skipped += 1
            continue
        item["_archived"] = archived.get(product_id, False) or bool(item.get("is_archived"))
        offers[offer_id] = item

    with transaction.atomic():
        skus = dict(Sku.objects.filter(code__in=list(offers)).values_list("code", "pk"))
        missing = [code for code in offers if code not in skus]
        if missing and account.create_unknown_skus:
            model_insert(
                Sku,
                ["code", "name", "sale_price"],
                [
                    (
                        code,
                        (offers[code].get("name") or code)[:255],
                        _price(offers[code].get("price")),
                    )
                    for code in missing
                ],
                ignore_conflicts=True,
            )
            skus.update(Sku.objects.filter(code__in=missing).values_list("code", "pk"))
        elif missing:
            result.skipped += len(missing)
            result.notes.append(f"{len(missing)} offers have no Zapas SKU (creation is off)")
        existing = {
            offer_id: rest
            for offer_id, *rest in account.products.values_list(
                "offer_id", "sku_id", "product_id", "ozon_sku", "barcodes", "is_archived"
            )
        }
        if stock_feed is not None:
            stock_feed.start(account, [*existing, *(code for code in offers if code in skus)])
        created, changed = [], []
        for code, item in offers.items():
            if code not in skus:
                continue
            values = [
                skus[code],
                int(item["id"]),
                item.get("sku") or None,
                [b for b in item.get("barcodes") or [] if isinstance(b, str)],
                item["_archived"],
            ]
            old = existing.get(code)
            if old is None:
                result.created += 1
                created.append((account.pk, code, *values))
            elif old != values:
                result.updated += 1
                changed.append((code, values))
            else:
                result.unchanged += 1
        model_insert(
            ProductLink,
            [
                "account_id",
                "offer_id",
                "sku_id",
                "product_id",
                "ozon_sku",
                "barcodes",
                "is_archived",
            ],
            created,
            ignore_conflicts=True,
        )
        links = [
            ProductLink(
                account=account,
                offer_id=code,
                sku_id=sku_id,
                product_id=product_id,
                ozon_sku=ozon_sku,
                barcodes=barcodes,
                is_archived=is_archived,
            )
            for code, (sku_id, product_id, ozon_sku, barcodes, is_archived) in changed
        ]
        for chunk in _chunks(links, 1000):
            ProductLink.objects.bulk_create(
                chunk,
                update_conflicts=True,
                unique_fields=["account", "offer_id"],
                update_fields=["sku", "product_id", "ozon_sku", "barcodes", "is_archived"],
            )
        _barcodes_add([(row[2], row[5]) for row in created] + [(v[0], v[3]) for _, v in changed])
        stock_pushes_ensure(account=account)
    return result


def _barcodes_add(links: list[tuple[int, list[str]]]) -> None:
    """Ozon's barcodes (``[(sku_id, barcodes), …]``) become Zapas barcodes of the SKU, unless
    another SKU has them."""
    owner: dict[str, int] = {}
    symbology: dict[str, str] = {}
    for sku_id, codes in links:
        for code in codes:
            code = code.strip()
            try:
                symbology[code] = validate_barcode(code)
            except ValidationError:
                continue  # Ozon keeps barcodes Zapas would refuse: leave them on the link only
            owner.setdefault(code, sku_id)
    taken = set(Barcode.objects.filter(code__in=list(owner)).values_list("code", flat=True))
    model_insert(
        Barcode,
        ["sku_id", "code", "symbology"],
        [(sku_id, code, symbology[code]) for code, sku_id in owner.items() if code not in taken],
        ignore_conflicts=True,
    )


def stock_pushes_ensure(*, account: OzonAccount) -> int:
    """One stock-outbox row per linked product and warehouse (new ones start pending)."""
    products = list(account.products.filter(is_archived=False).values_list("pk", "sku_id"))
    warehouses = list(account.warehouses.values_list("pk", "warehouse_id"))
    have = set(
        StockPush.objects.filter(account=account).values_list("product_id", "warehouse_link_id")
    )
    now = timezone.now()
    rows = [
        (account.pk, product_pk, link_pk, sku_id, warehouse_id, now)
        for product_pk, sku_id in products
        for link_pk, warehouse_id in warehouses
        if (product_pk, link_pk) not in have
    ]
    model_insert(
        StockPush,
        [
            "account_id",
            "product_id",
            "warehouse_link_id",
            "sku_id",
            "warehouse_id",
            "pending_since",
        ],
        rows,
        ignore_conflicts=True,
    )
    return len(rows)
