"""Slices of the catalogue: a sorted array of SKU ids, the rows that belong to it."""

from __future__ import annotations

import numpy as np
from django.db.models import Q


def sku_filter(sku_ids: np.ndarray, field: str = "sku_id") -> Q:
    """Rows of these SKUs: an id range when the slice is dense (cheap to plan and scan),
    an ``IN`` list when it is a handful of SKUs picked by code."""
    if sku_ids.size == 0:
        return Q(pk__in=[])
    lo, hi = int(sku_ids[0]), int(sku_ids[-1])
    if sku_ids.size > 1000 or hi - lo + 1 <= 2 * sku_ids.size:
        return Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return Q(**{f"{field}__in": sku_ids.tolist()})


def rows_of(sku_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index of each id in ``sku_ids`` and a mask of the ids that belong to the slice."""
    ids = np.asarray(ids, dtype=np.int64)
    if sku_ids.size == 0 or ids.size == 0:
        return np.zeros(ids.shape, dtype=np.int64), np.zeros(ids.shape, dtype=bool)
    rows = np.searchsorted(sku_ids, ids)
    rows = np.minimum(rows, sku_ids.size - 1)
    return rows, sku_ids[rows] == ids
