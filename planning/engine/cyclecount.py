"""ABC cycle counting: which SKU × warehouse cells to count today. Pure numpy.

Each cell (a SKU at a warehouse with stock) is classed A/B/C by the value that passes through
it (units shipped a day × unit cost, cut at 80 % / 95 % of the warehouse's total) and has a
count interval by class (A 30, B 60, C 120 days). Its *urgency* is the days since its last
count over that interval; cells whose past counts found differences are counted sooner
(urgency × (1 + ``variance_weight`` × share of counts with a variance)). Every day each
warehouse counts the ``budget`` most urgent cells that are due (urgency ≥ 1), most urgent
first; a cell never counted is due at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .classify import abc_classes

DEFAULT_INTERVALS = (30.0, 60.0, 120.0)
#: Days assumed since the last count of a cell that was never counted.
NEVER_COUNTED_DAYS = 365.0


@dataclass(frozen=True)
class CountPlan:
    abc: np.ndarray  # int8 (c,): 0 A, 1 B, 2 C
    urgency: np.ndarray  # float64 (c,)
    selected: np.ndarray  # bool (c,): on today's list
    rank: np.ndarray  # int64 (c,): 1 = count first within its warehouse; 0 = not today


def cycle_count_plan(
    *,
    warehouse: np.ndarray,
    daily_value: np.ndarray,
    days_since_count: np.ndarray,
    counts: np.ndarray,
    counts_with_variance: np.ndarray,
    budget: int,
    intervals: tuple[float, float, float] = DEFAULT_INTERVALS,
    variance_weight: float = 1.0,
    abc_cutoffs: tuple[float, float] = (0.8, 0.95),
) -> CountPlan:
    """Today's list: per warehouse the ``budget`` most urgent due cells.

    ``days_since_count`` is NaN for a cell never counted. Ties go to the more valuable cell.
    """
    w = np.asarray(warehouse, dtype=np.int64)
    value = np.asarray(daily_value, dtype=np.float64)
    n = w.size
    abc = np.full(n, 2, dtype=np.int8)
    for wid in np.unique(w):  # a handful of warehouses
        mine = w == wid
        abc[mine] = abc_classes(value[mine], abc_cutoffs)
    interval = np.asarray(intervals, dtype=np.float64)[abc]
    since = np.where(np.isnan(days_since_count), NEVER_COUNTED_DAYS, days_since_count)
    counts = np.asarray(counts, dtype=np.float64)
    share = np.where(counts > 0, np.asarray(counts_with_variance) / np.maximum(counts, 1), 0.0)
    urgency = since / interval * (1.0 + variance_weight * share)
    due = urgency >= 1.0
    order = np.lexsort((-value, -urgency, w))  # by warehouse, most urgent first, then value
    ws = w[order]
    starts = np.searchsorted(ws, ws, side="left")
    due_sorted = due[order]
    # place among the *due* cells of its warehouse
    due_rank = np.cumsum(due_sorted) - np.concatenate(([0], np.cumsum(due_sorted)))[starts]
    take = due_sorted & (due_rank <= budget)
    rank = np.zeros(n, dtype=np.int64)
    rank[order[take]] = due_rank[take]
    return CountPlan(abc=abc, urgency=urgency, selected=rank > 0, rank=rank)
