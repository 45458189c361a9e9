"""Reads of planning data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Sum

from planning.models import DemandHistory, SalesImport


@dataclass(frozen=True)
class DemandMatrix:
    """Units demanded per SKU per calendar day, summed over sources.

    ``units[i, t]`` is SKU ``sku_ids[i]`` on day ``dates[t]``; days without a row are 0.
    """

    sku_ids: np.ndarray  # (n,) int64
    dates: np.ndarray  # (T,) datetime64[D], every calendar day from start to end
    units: np.ndarray  # (n, T) float32

    @property
    def start(self) -> date | None:
        return self.dates[0].astype(date) if len(self.dates) else None


def demand_matrix(
    *,
    start: date | None = None,
    end: date | None = None,
    sku_ids: Sequence[int] | None = None,
    sources: Sequence[str] | None = None,
) -> DemandMatrix:
    """The dense (SKU × day) demand matrix from ``DemandHistory`` in one query.

    ``start``/``end`` are inclusive; by default the span of the history. Rows follow
    ``sku_ids`` when given (SKUs without history get a zero row), otherwise every SKU with
    history in the span, by id. ``sources`` limits the sources summed (default all).
    """
    qs = DemandHistory.objects.order_by()
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    if sku_ids is not None:
        qs = qs.filter(sku_id__in=list(sku_ids))
    if sources is not None:
        qs = qs.filter(source__in=list(sources))
    rows = list(
        qs.values("sku_id", "date")
        .annotate(total=Sum("units"))
        .values_list("sku_id", "date", "total")
    )
    if start is None or end is None:
        days_seen = [row[1] for row in rows]
        start = start or (min(days_seen) if days_seen else None)
        end = end or (max(days_seen) if days_seen else None)
    if sku_ids is not None:
        ids = np.asarray(list(sku_ids), dtype=np.int64)
    else:
        ids = np.unique(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)))
    if start is None or end is None or end < start:
        return DemandMatrix(
            sku_ids=ids,
            dates=np.empty(0, dtype="datetime64[D]"),
            units=np.zeros((len(ids), 0), dtype=np.float32),
        )
    n_days = (end - start).days + 1
    dates = np.arange(
        np.datetime64(start, "D"),
        np.datetime64(end + timedelta(days=1), "D"),
        dtype="datetime64[D]",
    )
    units = np.zeros((len(ids), n_days), dtype=np.float32)
    if rows:
        row_of = {int(sku_id): i for i, sku_id in enumerate(ids)}
        r = np.fromiter((row_of[row[0]] for row in rows), dtype=np.int64, count=len(rows))
        t = np.fromiter(((row[1] - start).days for row in rows), dtype=np.int64, count=len(rows))
        v = np.fromiter((row[2] for row in rows), dtype=np.float32, count=len(rows))
        np.add.at(units, (r, t), v)
    return DemandMatrix(sku_ids=ids, dates=dates, units=units)


def sales_imports_recent(*, limit: int = 20) -> list[SalesImport]:
    """The latest sales imports, newest first."""
    return list(SalesImport.objects.order_by("-created_at", "-id")[:limit])
