"""FBO stock per SKU, Ozon warehouse and cluster (``/v1/analytics/stocks``), daily and on demand.

Ozon refreshes these analytics twice a day (about 07:00 and 16:00 UTC). The linked products'
Ozon SKUs are asked 100 at a time (the method's limit); every row becomes an
``inventory.FboStockReport`` of the FBO warehouse it names (created in its cluster when new):
available for sale, in transit, in supply requests, the cluster's average daily sales over
28 days and the days of cover. The account's FBO warehouses are then replaced whole, so a
re-read changes nothing and a SKU Ozon no longer holds there disappears. All pages are read
before anything is written: a failure on page 7 leaves yesterday's report intact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from core.limits import INT32_MAX
from inventory.services import FboStockRow, fbo_stock_report_replace
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.contract import ContractError
from marketplaces.ozon.fbo.clusters import _id, warehouse_link
from marketplaces.ozon.fbo.models import ClusterLink, FboWarehouseLink
from marketplaces.ozon.models import OzonAccount, ProductLink
from marketplaces.ozon.sync.catalogue import StepResult

PATH = "/v1/analytics/stocks"
BATCH = 100  # SKUs a request (the method's limit)


def _count(row: dict[str, Any], name: str, where: str) -> int:
    value = row.get(name, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT32_MAX:
        raise ContractError(PATH, f"{name} is not a count: {value!r}", f"{where}/{name}")
    return value


def _decimal(value: Any, places: str) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except InvalidOperation:
        return None
    return number if number >= 0 else None


def fbo_stocks_sync(*, account: OzonAccount, client: OzonClient) -> StepResult:
    """Import Ozon's FBO stock analytics for every linked product (module docstring)."""
    result = StepResult()
    by_ozon_sku = dict(
        ProductLink.objects.filter(account=account, ozon_sku__isnull=False).values_list(
            "ozon_sku", "sku_id"
        )
    )
    ozon_skus = sorted(by_ozon_sku)
    items: list[dict[str, Any]] = []
    for start in range(0, len(ozon_skus), BATCH):
        chunk = [str(s) for s in ozon_skus[start : start + BATCH]]
        answer = client.call(PATH, {"skus": chunk})
        rows = answer.get("items")
        if not isinstance(rows, list):
            raise ContractError(PATH, "the answer has no item list", "/items")
        items += rows
    _store(account, items, by_ozon_sku, result)
    return result


@transaction.atomic
def _store(
    account: OzonAccount, items: list[dict[str, Any]], by_ozon_sku: dict, result: StepResult
) -> None:
    clusters = {c.ozon_cluster_id: c for c in ClusterLink.objects.filter(account=account)}
    links = {
        link.ozon_warehouse_id: link for link in FboWarehouseLink.objects.filter(account=account)
    }
    cells: dict[tuple[int, int], list] = {}
    for n, row in enumerate(items):
        where = f"/items/{n}"
        if not isinstance(row, dict):
            raise ContractError(PATH, "an item is not an object", where)
        sku_id = by_ozon_sku.get(_id(row.get("sku"), PATH, where + "/sku"))
        if sku_id is None:
            result.skipped += 1
            continue
        ozon_warehouse = _id(row.get("warehouse_id"), PATH, where + "/warehouse_id")
        link = links.get(ozon_warehouse)
        if link is None:
            cluster_id = row.get("macrolocal_cluster_id")
            link = links[ozon_warehouse] = warehouse_link(
                account=account,
                ozon_warehouse_id=ozon_warehouse,
                name=str(row.get("warehouse_name") or ""),
                cluster=clusters.get(cluster_id) if isinstance(cluster_id, int) else None,
            )
        counts = [
            _count(row, "available_stock_count", where),
            _count(row, "transit_stock_count", where),
            _count(row, "requested_stock_count", where),
        ]
        ads = _decimal(row.get("ads_cluster", row.get("ads")), "0.001") or Decimal("0")
        cover = _decimal(row.get("idc"), "0.1")
        cell = cells.get((sku_id, link.warehouse_id))
        if cell is None:
            cells[(sku_id, link.warehouse_id)] = [*counts, ads, cover]
        else:  # one row per item tag: the units add up, the cluster's rates are the same
            cell[:3] = [a + b for a, b in zip(cell[:3], counts, strict=True)]
    rows = [
        FboStockRow(sku_id, warehouse_id, *cell[:3], daily_sales=cell[3], days_of_cover=cell[4])
        for (sku_id, warehouse_id), cell in sorted(cells.items())
    ]
    written, dropped = fbo_stock_report_replace(
        warehouse_ids={link.warehouse_id for link in links.values()}, rows=rows
    )
    result.updated = written
    if dropped:
        result.notes.append(f"{dropped} rows no longer reported")
