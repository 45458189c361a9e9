"""Writes and reads of what a marketplace tells the planner (``planning.fbo_models``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from core.errors import InvalidInput
from planning.fbo_models import ClusterDemand, CostKind, CostObservation
from planning.slices import rows_of, sku_filter


@transaction.atomic
def cluster_demand_replace(
    *,
    source: str,
    days: Iterable[date],
    cells: Mapping[tuple[int, int, date], tuple[int, int, int]],
) -> int:
    """Make ``source``'s demand on ``days`` exactly ``cells``: (sku_id, cluster_id, day) →
    (units, orders, non-local units). The caller recomputes whole days from its records, so a
    replay changes nothing. Returns the rows written."""
    days = set(days)
    rows = []
    for (sku_id, cluster_id, day), (units, orders, away) in cells.items():
        if day not in days:
            raise InvalidInput(f"{day} is not one of the days being replaced.")
        if min(units, orders, away) < 0 or away > units:
            raise InvalidInput(f"Bad FBO demand cell {units, orders, away} for SKU {sku_id}.")
        if units or orders:
            rows.append(
                ClusterDemand(
                    source=source,
                    sku_id=sku_id,
                    cluster_id=cluster_id,
                    date=day,
                    units=units,
                    orders=orders,
                    non_local_units=away,
                )
            )
    ClusterDemand.objects.filter(source=source, date__in=days).delete()
    ClusterDemand.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def cluster_demand_read(
    *, sku_ids: np.ndarray, cluster_ids: np.ndarray, start: date, end: date
) -> tuple[np.ndarray, np.ndarray]:
    """FBO units per SKU row and cluster column over ``start`` ≤ day < ``end`` (n, C), and the
    units of each SKU shipped from another cluster (n,). One aggregate query."""
    n, c = sku_ids.shape[0], cluster_ids.shape[0]
    units = np.zeros((n, c))
    away = np.zeros(n)
    rows = list(
        ClusterDemand.objects.filter(sku_filter(sku_ids), date__gte=start, date__lt=end)
        .values("sku_id", "cluster_id")
        .annotate(u=Sum("units"), a=Sum("non_local_units"))
        .values_list("sku_id", "cluster_id", "u", "a")
    )
    if not rows or not n:
        return units, away
    arr = np.array(rows, dtype=np.int64)
    at, ok = rows_of(sku_ids, arr[:, 0])
    np.add.at(away, at[ok], arr[ok, 3])
    if c:
        order = np.argsort(cluster_ids)
        pos = np.minimum(np.searchsorted(cluster_ids[order], arr[:, 1]), c - 1)
        known = ok & (cluster_ids[order][pos] == arr[:, 1])
        np.add.at(units, (at[known], order[pos[known]]), arr[known, 2])
    return units, away


@transaction.atomic
def cost_observations_replace(
    *,
    kind: str,
    source: str,
    per_sku: Mapping[int, tuple[Decimal, int]],
    catalogue: tuple[Decimal, int] | None,
    currency: str = "",
) -> int:
    """Replace every ``kind`` observation with ``per_sku`` (sku_id → (value, postings behind
    it)) and the catalogue-wide ``catalogue`` value. Returns the rows written."""
    if kind not in CostKind.values:
        raise InvalidInput(f"{kind!r} is not a measured cost input.")
    now = timezone.now()
    rows = [
        CostObservation(
            kind=kind,
            sku_id=sku_id,
            value=value,
            observations=count,
            currency=currency,
            source=source,
            updated_at=now,
        )
        for sku_id, (value, count) in per_sku.items()
    ]
    if catalogue is not None:
        rows.append(
            CostObservation(
                kind=kind,
                value=catalogue[0],
                observations=catalogue[1],
                currency=currency,
                source=source,
                updated_at=now,
            )
        )
    if any(row.value < 0 for row in rows):
        raise InvalidInput("A measured cost is never negative.")
    CostObservation.objects.filter(kind=kind).delete()
    CostObservation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def cost_observation_read(*, kind: str, sku_ids: np.ndarray) -> np.ndarray:
    """Per SKU row the observed value, else the catalogue-wide one, else NaN (n,)."""
    out = np.full(sku_ids.shape[0], np.nan)
    rows = list(
        CostObservation.objects.filter(kind=kind)
        .filter(sku_filter(sku_ids) | Q(sku__isnull=True))
        .values_list("sku_id", "value")
    )
    overall = next((float(v) for s, v in rows if s is None), np.nan)
    out[:] = overall
    per = [(s, float(v)) for s, v in rows if s is not None]
    if per and sku_ids.shape[0]:
        arr = np.array(per)
        at, ok = rows_of(sku_ids, arr[:, 0].astype(np.int64))
        out[at[ok]] = arr[ok, 1]
    return out
