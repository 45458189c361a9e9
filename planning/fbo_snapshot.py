"""The FBO part of the planning snapshot: columns per marketplace cluster, their stock and
demand shares (``planning.snapshot`` calls these; a fixed number of queries per slice).

- A column is a cluster (``Warehouse.cluster``) with all its active FBO warehouses, or one
  FBO warehouse without a cluster. Its transit time is the shortest of its warehouses'; its
  suggestions go to that warehouse (ties: the lowest id).
- Stock: where the marketplace reports a warehouse (``FboStockReport``), its figures replace
  the warehouse's stock levels; in transit is the larger of the marketplace's (in transit +
  in supply requests) and Zapas's open transfers to the column, which describe the same
  goods.
- Demand share: each SKU's FBO units per buyer's cluster over the last
  ``ZAPAS["PLAN_FBO_SHARE_DAYS"]`` [56] days (``ClusterDemand``); a SKU without any spreads
  evenly (the engine's rule). Non-local share: the SKU's units shipped from another cluster
  ÷ its units, else 1 − the catalogue's measured local share, else unknown (no surcharge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Sum

from inventory.models import FboStockReport, Warehouse
from planning.fbo_inputs import cluster_demand_read, cost_observation_read
from planning.fbo_models import CostKind
from planning.slices import rows_of, sku_filter


@dataclass(frozen=True)
class FboColumns:
    destination_ids: np.ndarray  # int64 (W,) warehouse receiving the column's suggestions
    transit_days: np.ndarray  # float64 (W,)
    cluster_ids: np.ndarray  # int64 (W,) 0 = a warehouse without a cluster
    column_of: dict[int, int]  # warehouse id → column

    @property
    def size(self) -> int:
        return int(self.destination_ids.shape[0])


def fbo_columns_read() -> FboColumns:
    rows = list(
        Warehouse.objects.filter(kind=Warehouse.Kind.FBO, is_active=True)
        .order_by("transit_days", "pk")
        .values_list("pk", "transit_days", "cluster_id")
    )
    keys: dict[tuple[str, int], int] = {}
    dest, transit, clusters, column_of = [], [], [], {}
    for pk, days, cluster_id in rows:
        key = ("c", cluster_id) if cluster_id else ("w", pk)
        if key not in keys:  # the first warehouse of a cluster is its nearest
            keys[key] = len(dest)
            dest.append(pk)
            transit.append(float(days))
            clusters.append(cluster_id or 0)
        column_of[pk] = keys[key]
    # columns in destination-id order, so a catalogue without clusters keeps its old layout
    order = np.argsort(np.array(dest, dtype=np.int64), kind="stable")
    renumber = {int(old): new for new, old in enumerate(order)}
    return FboColumns(
        destination_ids=np.array(dest, dtype=np.int64)[order],
        transit_days=np.array(transit, dtype=np.float64)[order],
        cluster_ids=np.array(clusters, dtype=np.int64)[order],
        column_of={pk: renumber[col] for pk, col in column_of.items()},
    )


def fbo_reported_read(
    sku_ids: np.ndarray, columns: FboColumns
) -> tuple[np.ndarray, np.ndarray, set[int]]:
    """(stock (n, W), marketplace pipeline (n, W), reported warehouse ids)."""
    n, w = sku_ids.shape[0], columns.size
    stock, pipeline = np.zeros((n, w)), np.zeros((n, w))
    reported = set(
        FboStockReport.objects.filter(warehouse_id__in=list(columns.column_of))
        .values_list("warehouse_id", flat=True)
        .distinct()
    )
    if not reported or not n:
        return stock, pipeline, reported
    rows = list(
        FboStockReport.objects.filter(sku_filter(sku_ids), warehouse_id__in=reported)
        .values("sku_id", "warehouse_id")
        .annotate(a=Sum("available"), t=Sum("in_transit"), r=Sum("requested"))
        .values_list("sku_id", "warehouse_id", "a", "t", "r")
    )
    if rows:
        arr = np.array(rows, dtype=np.int64)
        at, ok = rows_of(sku_ids, arr[:, 0])
        cols = np.array([columns.column_of[int(x)] for x in arr[:, 1]], dtype=np.int64)
        np.add.at(stock, (at[ok], cols[ok]), arr[ok, 2])
        np.add.at(pipeline, (at[ok], cols[ok]), arr[ok, 3] + arr[ok, 4])
    return stock, pipeline, reported


def fbo_demand_read(
    sku_ids: np.ndarray, columns: FboColumns, plan_date: date
) -> tuple[np.ndarray, np.ndarray]:
    """(demand share (n, W) from each SKU's cluster demand, non-local share (n,), NaN =
    unknown)."""
    days = int(settings.ZAPAS.get("PLAN_FBO_SHARE_DAYS", 56))
    units, away = cluster_demand_read(
        sku_ids=sku_ids,
        cluster_ids=columns.cluster_ids,
        start=plan_date - timedelta(days=days),
        end=plan_date,
    )
    total = units.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total[:, None] > 0, units / total[:, None], 0.0)
        own = np.where(total > 0, away / np.where(total > 0, total, 1), np.nan)
    local = cost_observation_read(kind=CostKind.LOCAL_SHARE, sku_ids=sku_ids)
    nonlocal_share = np.where(np.isnan(own), 1.0 - local, own)
    return share, np.clip(nonlocal_share, 0.0, 1.0)
