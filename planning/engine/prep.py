"""Realistic FBS prep time from acceptance → hand-over history. Pure numpy, vectorised over orders.

Calendars are given as a boolean matrix ``working`` (W, D): warehouse w works on day index d
(day indexes count from the first day of the window, local days). An order's *required* prep
time is the smallest prep setting (working days) under which it would have been handed over by
its deadline — the deadline rule of ``fulfilment.calendar``: day 0 is the acceptance day if it
is a working day and the order came before the cut-off, else the next working day; the
deadline is the cut-off on the working day ``prep`` working days later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .leadtime import weighted_quantiles

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class CalendarIndex:
    """Per warehouse prefix counts of working days and the next working day of each day."""

    working: np.ndarray  # bool (W, D + 1): the last column is a sentinel working day
    before: np.ndarray  # int64 (W, D + 1): working days strictly before day d
    next_working: np.ndarray  # int64 (W, D + 1): first working day ≥ d (D = beyond the window)


def calendar_index(working: np.ndarray) -> CalendarIndex:
    """Index a (W, D) working-day matrix (beyond the window counts as working)."""
    w = np.asarray(working, dtype=bool)
    n_w, n_d = w.shape
    padded = np.concatenate([w, np.ones((n_w, 1), dtype=bool)], axis=1)
    before = np.concatenate(
        [np.zeros((n_w, 1), dtype=np.int64), np.cumsum(padded, axis=1)[:, :-1]], axis=1
    )
    # next working day ≥ d: a reversed running minimum of working day indexes
    idx = np.where(padded, np.arange(n_d + 1), n_d)
    next_working = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
    return CalendarIndex(working=padded, before=before, next_working=next_working)


def required_prep_days(
    *,
    calendar: CalendarIndex,
    warehouse: np.ndarray,
    accepted_day: np.ndarray,
    accepted_seconds: np.ndarray,
    handed_day: np.ndarray,
    handed_seconds: np.ndarray,
    cutoff_seconds: np.ndarray,
) -> np.ndarray:
    """Per order (int64): the shortest prep setting its actual hand-over would have met.

    Days are local day indexes into the calendar, seconds are local seconds after midnight;
    ``cutoff_seconds`` (W,) each warehouse's daily cut-off.
    """
    w = np.asarray(warehouse, dtype=np.int64)
    a = np.asarray(accepted_day, dtype=np.int64)
    h = np.asarray(handed_day, dtype=np.int64)
    cut = np.asarray(cutoff_seconds, dtype=np.float64)[w]
    last = calendar.working.shape[1] - 1
    a_next = np.minimum(a + 1, last)
    same_day = calendar.working[w, a] & (np.asarray(accepted_seconds) < cut)
    day_zero = np.where(same_day, a, calendar.next_working[w, a_next])
    # the working day whose cut-off the hand-over met
    met = calendar.next_working[w, h]
    after_cutoff = (met == h) & (np.asarray(handed_seconds) > cut)
    met = np.where(after_cutoff, calendar.next_working[w, np.minimum(h + 1, last)], met)
    return np.maximum(calendar.before[w, met] - calendar.before[w, day_zero], 0)


def working_hours(
    *,
    calendar: CalendarIndex,
    warehouse: np.ndarray,
    day: np.ndarray,
    seconds: np.ndarray,
    day_start_seconds: float,
    day_end_seconds: float,
) -> np.ndarray:
    """Working hours from the start of the window to each instant (subtract two for a span)."""
    w = np.asarray(warehouse, dtype=np.int64)
    d = np.asarray(day, dtype=np.int64)
    length = (day_end_seconds - day_start_seconds) / SECONDS_PER_HOUR
    inside = np.clip(np.asarray(seconds, dtype=np.float64), day_start_seconds, day_end_seconds)
    today = np.where(calendar.working[w, d], (inside - day_start_seconds) / SECONDS_PER_HOUR, 0)
    return calendar.before[w, d] * length + today


@dataclass(frozen=True)
class PrepRecommendation:
    """Per group (g,): how long orders really took and the prep setting to choose."""

    orders: np.ndarray  # int64
    hours_p50: np.ndarray  # working hours acceptance → hand-over (NaN without orders)
    hours_p90: np.ndarray
    late_share: np.ndarray  # (g, P + 1): share late under setting 0 … P days
    late_now: np.ndarray  # share late under each order's own setting
    recommended_days: np.ndarray  # int64: shortest setting with late share ≤ target (else P)


def recommend_prep_days(
    *,
    group: np.ndarray,
    required_days: np.ndarray,
    current_days: np.ndarray,
    hours: np.ndarray,
    n_groups: int,
    max_days: int = 5,
    target_late_share: float = 0.02,
) -> PrepRecommendation:
    """The late-share table per group and the shortest prep time meeting the target."""
    g = np.asarray(group, dtype=np.int64)
    req = np.asarray(required_days, dtype=np.int64)
    orders = np.bincount(g, minlength=n_groups).astype(np.int64)
    safe = np.where(orders > 0, orders, 1)
    # one histogram of required days per group (max_days + 1 and beyond in the last cell);
    # late under setting p = orders needing more than p days, a reverse cumulative sum
    width = max_days + 2
    cell = np.clip(req, 0, max_days + 1)
    cell += g * width
    hist = np.bincount(cell, minlength=n_groups * width).reshape(n_groups, width)
    more = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]  # more[:, k] = orders needing ≥ k days
    late = more[:, 1:] / safe[:, None]
    late[orders == 0] = np.nan
    late_now = np.bincount(g, weights=req > np.asarray(current_days), minlength=n_groups) / safe
    late_now = np.where(orders > 0, late_now, np.nan)
    meets = late <= target_late_share + 1e-12
    recommended = np.where(meets.any(axis=1), meets.argmax(axis=1), max_days)
    hours_p50, hours_p90 = weighted_quantiles(
        g, np.asarray(hours, dtype=np.float64), np.ones(g.shape), n_groups, (0.5, 0.9)
    )
    return PrepRecommendation(
        orders=orders,
        hours_p50=hours_p50,
        hours_p90=hours_p90,
        late_share=late,
        late_now=late_now,
        recommended_days=recommended.astype(np.int64),
    )
