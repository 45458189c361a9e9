"""Ozon FBO supply orders become Zapas transfers (``/v3/supply-order/list``, ``/get``,
``/v1/supply-order/bundle``), daily and on demand, through the inventory services.

Each supply of an order (one per storage warehouse) is one transfer from the account's own
warehouse (its "FBO supplies leave from" setting; when empty, the Zapas warehouse of its first
linked FBS warehouse, else the first active own one) to the storage warehouse's Zapas FBO
warehouse:

- ``DATA_FILLING``: a draft with the bundle's contents (re-read while it is filled in; changed
  contents replace the draft);
- ``READY_TO_SUPPLY``: the draft holds its units at the source (``transfer_reserve``), so
  they are not sold or packed for FBS orders meanwhile;
- accepted at the drop-off, in transit, in acceptance, awaiting reports: dispatched
  (``transfer_dispatch``; the reservation leaves with the goods), in transit for the planner;
- ``COMPLETED``: received at the FBO warehouse (``transfer_receive``);
- cancelled, rejected at the drop-off or overdue: a draft is cancelled and gives its units back;
  one that had left is kept as it is, with a note (what came back is a receipt by hand).

Open supply orders are listed by state; the ones Zapas holds as open are re-read by id, so
a finished order closes its transfer without listing the whole history. Each supply is
applied in its own transaction: one that fails (e.g. stock Zapas does not have) is noted
and retried by the next import, the others go on. A re-read changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.errors import DomainError
from core.limits import INT32_MAX
from inventory import services as inventory_services
from inventory.models import Sku, Transfer, Warehouse
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.contract import ContractError
from marketplaces.ozon.fbo.clusters import _id, warehouse_link
from marketplaces.ozon.fbo.models import ClusterLink, SupplyLink
from marketplaces.ozon.models import OzonAccount, ProductLink, WarehouseLink
from marketplaces.ozon.sync.catalogue import StepResult

LIST, GET, BUNDLE = "/v3/supply-order/list", "/v3/supply-order/get", "/v1/supply-order/bundle"
FILLING = {"DATA_FILLING"}
READY = {"READY_TO_SUPPLY"}
LEFT = {
    "ACCEPTED_AT_SUPPLY_WAREHOUSE",
    "IN_TRANSIT",
    "ACCEPTANCE_AT_STORAGE_WAREHOUSE",
    "REPORTS_CONFIRMATION_AWAITING",
    "REPORT_REJECTED",
}
DONE = {"COMPLETED"}
DROPPED = {"CANCELLED", "REJECTED_AT_SUPPLY_WAREHOUSE", "OVERDUE"}
OPEN = FILLING | READY | LEFT


def _source(account: OzonAccount) -> Warehouse | None:
    if account.fbo_source_warehouse_id is not None:
        return account.fbo_source_warehouse
    link = (
        WarehouseLink.objects.filter(account=account, warehouse__kind=Warehouse.Kind.OWN)
        .select_related("warehouse")
        .order_by("pk")
        .first()
    )
    if link is not None:
        return link.warehouse
    return (
        Warehouse.objects.filter(kind=Warehouse.Kind.OWN, is_active=True).order_by("code").first()
    )


def _order_ids(account: OzonAccount, client: OzonClient) -> list[str]:
    ids: list[str] = []
    body: dict[str, Any] = {
        "filter": {"states": sorted(OPEN)},
        "limit": 100,
        "sort_by": "ORDER_CREATION",
        "sort_dir": "ASC",
    }
    while True:
        answer = client.call(LIST, body)
        page = [str(i) for i in answer.get("order_ids") or []]
        ids += page
        if not page or not answer.get("last_id"):
            break
        body["last_id"] = answer["last_id"]
    held = SupplyLink.objects.filter(account=account, state__in=OPEN).values_list(
        "order_id", flat=True
    )
    return sorted(set(ids) | {str(i) for i in held}, key=int)


def _bundle(client: OzonClient, bundle_id: str) -> list[tuple[int, int]]:
    """[(ozon sku, quantity)] of one supply's contents (one bundle a call, paged)."""
    items: list[tuple[int, int]] = []
    body: dict[str, Any] = {"bundle_ids": [bundle_id], "limit": 100}
    while True:
        answer = client.call(BUNDLE, body)
        for n, item in enumerate(answer.get("items") or []):
            quantity = item.get("quantity")
            if (
                isinstance(quantity, bool)
                or not isinstance(quantity, int)
                or not 0 < quantity <= INT32_MAX
            ):
                raise ContractError(
                    BUNDLE, f"quantity is not a positive count: {quantity!r}", f"/items/{n}"
                )
            items.append((_id(item.get("sku"), BUNDLE, f"/items/{n}/sku"), quantity))
        if not answer.get("has_next") or not answer.get("last_id"):
            return items
        body["last_id"] = answer["last_id"]


def supply_orders_sync(*, account: OzonAccount, client: OzonClient) -> StepResult:
    """Bring every open (or just finished) supply of ``account`` in line (module docstring)."""
    result = StepResult()
    ids = _order_ids(account, client)
    orders: list[dict[str, Any]] = []
    for start in range(0, len(ids), 50):
        orders += client.call(GET, {"order_ids": ids[start : start + 50]}).get("orders") or []
    source = _source(account)
    by_ozon_sku = dict(
        ProductLink.objects.filter(account=account, ozon_sku__isnull=False).values_list(
            "ozon_sku", "sku_id"
        )
    )
    clusters = {c.ozon_cluster_id: c for c in ClusterLink.objects.filter(account=account)}
    for order in orders:
        for supply in order.get("supplies") or []:
            _supply_apply(account, client, order, supply, source, by_ozon_sku, clusters, result)
    return result


def _supply_apply(account, client, order, supply, source, by_ozon_sku, clusters, result) -> None:
    supply_id = _id(supply.get("supply_id"), GET, "/orders/supplies/supply_id")
    state = str(supply.get("state") or order.get("state") or "")
    link = SupplyLink.objects.filter(account=account, supply_id=supply_id).first()
    if link is not None and link.state == state and state not in FILLING | READY:
        result.unchanged += 1
        return
    storage = supply.get("storage_warehouse") or {}
    if link is None:
        link = SupplyLink(account=account, supply_id=supply_id)
    link.order_id = _id(order.get("order_id"), GET, "/orders/order_id")
    link.order_number = str(order.get("order_number") or "")[:64]
    link.bundle_id = str(supply.get("bundle_id") or "")[:64]
    contents: list[tuple[int, int]] | None = None
    if link.transfer_id is None or state in FILLING | READY:
        if state in DROPPED and link.transfer_id is None:
            contents = []
        else:
            contents = _bundle(client, link.bundle_id) if link.bundle_id else []
    transfer_before = link.transfer_id
    try:
        with transaction.atomic():
            destination = {
                **storage,
                "cluster": clusters.get(supply.get("macrolocal_cluster_id")),
            }
            note = _transfer_apply(account, link, state, destination, contents, source, by_ozon_sku)
            created = link.pk is None
            link.state, link.note = state, note[:255]
            link.save()
    except DomainError as exc:
        # the state stays the last one applied, so the next import tries again
        link.transfer_id, link.note = transfer_before, str(exc)[:255]
        link.state = link.state or ""
        link.save()
        result.skipped += 1
        result.notes.append(f"supply {supply_id}: {exc}")
        return
    result.created += created
    result.updated += not created
    if note:
        result.notes.append(f"supply {supply_id}: {note}")


def _transfer_apply(account, link, state, storage, contents, source, by_ozon_sku) -> str:
    """Move the supply's transfer to ``state``; a note for the admin, or ""."""
    transfer = Transfer.objects.filter(pk=link.transfer_id).first() if link.transfer_id else None
    if state in DROPPED:
        if transfer is not None and transfer.status == Transfer.Status.DRAFT:
            inventory_services.transfer_cancel(transfer=transfer)
            return ""
        return "left before Ozon dropped it: record what came back by hand" if transfer else ""
    if contents is not None:
        wanted = _lines(contents, by_ozon_sku)
        have = {} if transfer is None else dict(transfer.lines.values_list("sku_id", "quantity"))
        if transfer is not None and transfer.status == Transfer.Status.DRAFT and have != wanted:
            inventory_services.transfer_cancel(transfer=transfer)  # contents changed
            transfer = None
        if transfer is None:
            warehouse_id = storage.get("warehouse_id")
            if source is None or not warehouse_id or not wanted:
                return "no own warehouse, storage warehouse or known SKU yet"
            destination = warehouse_link(
                account=account,
                ozon_warehouse_id=_id(warehouse_id, GET, "/storage_warehouse/warehouse_id"),
                name=str(storage.get("name") or ""),
                cluster=storage["cluster"],
            ).warehouse
            skus = Sku.objects.in_bulk(list(wanted))
            transfer = inventory_services.transfer_create(
                source=source,
                destination=destination,
                lines=[(skus[sku_id], quantity) for sku_id, quantity in sorted(wanted.items())],
            )
            link.transfer = transfer
    if transfer is None:
        return "no transfer"
    if state in READY and transfer.status == Transfer.Status.DRAFT:
        inventory_services.transfer_reserve(transfer=transfer)
    if state in LEFT | DONE and transfer.status == Transfer.Status.DRAFT:
        transfer = inventory_services.transfer_dispatch(transfer=transfer)
    if state in DONE and transfer.status in (
        Transfer.Status.IN_TRANSIT,
        Transfer.Status.PARTIALLY_RECEIVED,
    ):
        inventory_services.transfer_receive(transfer=transfer)
    return ""


def _lines(contents: list[tuple[int, int]], by_ozon_sku: dict[int, int]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for ozon_sku, quantity in contents:
        sku_id = by_ozon_sku.get(ozon_sku)
        if sku_id is not None:
            wanted[sku_id] = wanted.get(sku_id, 0) + quantity
    return wanted
