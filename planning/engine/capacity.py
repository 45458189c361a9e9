"""Packing capacity learned from history and the orders due in the coming days. Pure numpy.

Capacity is what a warehouse has shown it can do on its busy days: the ``quantile`` (0.9) of
orders packed per working day, over working days that packed anything, divided by the working
hours of a day. The forecast of orders due per warehouse and day adds the open orders by their
ship-by day to the orders still to come (expected orders per day, each due ``prep`` working days
after it arrives).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .prep import CalendarIndex


def learned_capacity(
    *,
    warehouse: np.ndarray,
    packed_day: np.ndarray,
    working: np.ndarray,
    hours_per_day: float,
    quantile: float = 0.9,
) -> tuple[np.ndarray, np.ndarray]:
    """(orders per working hour (W,), working days measured (W,)) from packed orders.

    ``packed_day`` (o,) day index of each packed order in the (W, D) ``working`` window;
    orders packed on non-working days count on no day. NaN where nothing was packed.
    """
    work = np.asarray(working, dtype=bool)
    n_w, n_d = work.shape
    w = np.asarray(warehouse, dtype=np.int64)
    d = np.asarray(packed_day, dtype=np.int64)
    counts = np.zeros((n_w, n_d))
    np.add.at(counts, (w, d), 1.0)
    busy = work & (counts > 0)
    masked = np.where(busy, counts, np.nan)
    days = busy.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a warehouse that packed nothing: NaN
        peak = np.nanquantile(masked, quantile, axis=1, method="inverted_cdf")
    return peak / hours_per_day, days.astype(np.int64)


def expected_due(
    *,
    calendar: CalendarIndex,
    arrivals: np.ndarray,
    prep_days: np.ndarray,
) -> np.ndarray:
    """Orders falling due per warehouse and day (W, H) from expected arrivals.

    ``arrivals`` (W, P, H): orders expected to arrive on day h whose prep time is ``prep_days[p]``
    working days; an order arriving on a non-working day counts from the next working one.
    Days due beyond the horizon are dropped.
    """
    arr = np.asarray(arrivals, dtype=np.float64)
    n_w, n_p, horizon = arr.shape
    due = np.zeros((n_w, horizon))
    limit = calendar.working.shape[1] - 1
    for w in range(n_w):  # a handful of warehouses
        working_days = np.flatnonzero(calendar.working[w, :limit])
        day_zero = calendar.next_working[w, np.arange(horizon)]
        rank = calendar.before[w, np.minimum(day_zero, limit)]
        for p in range(n_p):
            target = rank + int(prep_days[p])
            ok = target < working_days.size
            days = working_days[target[ok]]
            keep = days < horizon
            np.add.at(due[w], days[keep], arr[w, p, :][ok][keep])
    return due


@dataclass(frozen=True)
class CapacityOutlook:
    """Per warehouse and day (W, H)."""

    due: np.ndarray  # open orders due + expected orders due
    capacity: np.ndarray  # orders the warehouse can pack that day (0 on days off)
    excess: np.ndarray  # due − capacity where positive
    extra_packer_hours: np.ndarray  # hours of one packer to pack the excess
    over: np.ndarray  # bool: due exceeds capacity


def capacity_outlook(
    *,
    open_due: np.ndarray,
    expected: np.ndarray,
    working: np.ndarray,
    orders_per_hour: np.ndarray,
    hours_per_day: float,
    packers: np.ndarray,
) -> CapacityOutlook:
    """Due orders against capacity. ``orders_per_hour`` (W,) is the whole team's rate with
    ``packers`` (W,) people; a packer-hour packs ``orders_per_hour / packers`` orders."""
    due = np.asarray(open_due, dtype=np.float64) + np.asarray(expected, dtype=np.float64)
    rate = np.asarray(orders_per_hour, dtype=np.float64)[:, None]
    capacity = np.where(np.asarray(working, dtype=bool), rate * hours_per_day, 0.0)
    excess = np.maximum(due - capacity, 0.0)
    per_packer = rate / np.maximum(np.asarray(packers, dtype=np.float64)[:, None], 1.0)
    extra = np.where(per_packer > 0, excess / np.where(per_packer > 0, per_packer, 1.0), 0.0)
    return CapacityOutlook(
        due=due,
        capacity=capacity,
        excess=excess,
        extra_packer_hours=extra,
        over=excess > 1e-9,
    )
