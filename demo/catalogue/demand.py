"""Synthetic daily demand, vectorised with numpy. No Django: arrays in, arrays out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .reference import CATEGORIES, INTERMITTENT, PROMO, SMOOTH, TRENDING, WEEKLY


@dataclass(frozen=True)
class DemandBlock:
    """Daily demand of a block of SKUs, shape (n, days), integers ≥ 0."""

    units: np.ndarray  # served units
    lost: np.ndarray  # wanted but not served (stock-out days)
    stocked_out: np.ndarray  # bool
    on_promo: np.ndarray  # bool: sold at the promotional price (20 % off)


PROMO_PRICE_FACTOR = 0.8


def generate_demand(
    rng: np.random.Generator,
    *,
    demand_class: np.ndarray,
    category: np.ndarray,
    launch_day: np.ndarray,
    start: date,
    days: int,
) -> DemandBlock:
    """Vectorised daily demand for SKUs of the given classes over ``days`` days from ``start``.

    smooth: steady sellers, Poisson–gamma around a rate of a few units a day; weekly: strong
    day-of-week profile (weekend peak); trending: exponential growth or decline over the
    window; intermittent: most days zero, now and then an order of a few units; promo: steady
    with 3–7-day promotions at 2.5–8×. Every SKU also gets its category's yearly season, the
    11.11 / Black Friday lift, a slight weekly rhythm, week-to-week level noise and, for ~8 %
    of the non-intermittent SKUs, one stock-out episode (demand lost, ``stocked_out`` set).
    """
    n = len(demand_class)
    t = np.arange(days)
    calendar = [date.fromordinal(start.toordinal() + int(d)) for d in t]
    weekday = np.array([d.weekday() for d in calendar])
    day_of_year = np.array([d.timetuple().tm_yday for d in calendar])

    # Long-tailed base rates (units/day today): many slow movers, a few best-sellers; the
    # smooth class is the steady sellers, sold nearly every day.
    rate = np.where(
        demand_class == SMOOTH,
        np.clip(rng.lognormal(np.log(5.0), 0.8, n), 1.5, 150.0),
        np.clip(rng.lognormal(np.log(1.0), 1.0, n), 0.1, 80.0),
    )
    week_profile = np.array([-0.08, -0.1, -0.06, 0.0, 0.08, 0.14, 0.02])
    week_amp = np.where(demand_class == WEEKLY, rng.uniform(1.5, 3.5, n), rng.uniform(0, 0.6, n))
    week_mult = 1.0 + week_amp[:, None] * week_profile[None, :]  # (n, 7)

    growth = np.where(
        demand_class == TRENDING,
        rng.choice([-1, 1], n) * rng.uniform(0.7, 2.0, n),
        rng.normal(0, 0.1, n),
    )
    peak = np.array([c.season_peak_day for c in CATEGORIES])[category]
    amp = np.array([c.season_amplitude for c in CATEGORIES])[category]
    # Marketplace-wide sales days: 11.11 and the Black Friday weekend (last Fri–Sun of Nov.).
    event = np.array(
        [
            1.6
            if (d.month, d.day) == (11, 11)
            or (d.month == 11 and d.weekday() >= 4 and 23 <= d.day - (d.weekday() - 4) <= 29)
            else 1.0
            for d in calendar
        ]
    )
    mult = (
        week_mult[:, weekday]
        * np.exp(growth[:, None] * (t[None, :] / days - 1.0))
        * np.maximum(
            1 + amp[:, None] * np.cos(2 * np.pi * (day_of_year[None, :] - peak[:, None]) / 365.25),
            0.05,
        )
        * event[None, :]
    ).astype(np.float32)

    on_promo = np.zeros((n, days), dtype=bool)
    promo_rows = np.flatnonzero(demand_class == PROMO)
    if len(promo_rows):
        k = len(promo_rows)
        for _ in range(6):
            begin = rng.integers(0, days, k)
            length = rng.integers(3, 8, k)
            lift = rng.uniform(2.5, 8.0, k).astype(np.float32)
            window = (t[None, :] >= begin[:, None]) & (t[None, :] < (begin + length)[:, None])
            mult[promo_rows] = np.where(window, mult[promo_rows] * lift[:, None], mult[promo_rows])
            on_promo[promo_rows] |= window

    latent = np.zeros((n, days), dtype=np.int64)
    intermittent = demand_class == INTERMITTENT
    steady = np.flatnonzero(~intermittent)
    if len(steady):
        # Poisson–gamma: the level drifts week to week, so sales spread more than Poisson.
        weeks = days // 7 + 1
        level = rng.gamma(6.0, 1 / 6.0, (len(steady), weeks)).astype(np.float32)
        level = np.repeat(level, 7, axis=1)[:, :days]
        latent[steady] = rng.poisson(rate[steady, None] * mult[steady] * level)
    sporadic = np.flatnonzero(intermittent)
    if len(sporadic):
        p = rng.uniform(0.03, 0.3, len(sporadic)).astype(np.float32)
        size = rng.uniform(0.2, 3.0, len(sporadic))
        chance = p[:, None] * np.minimum(mult[sporadic], 3.0)
        row, day = np.nonzero(rng.random((len(sporadic), days), dtype=np.float32) < chance)
        latent[sporadic[row], day] = 1 + rng.poisson(size[row])

    latent[t[None, :] < launch_day[:, None]] = 0

    episode = (rng.random(n) < 0.08) & ~intermittent & (launch_day < days - 60)
    span = np.maximum(days - 30 - launch_day, 1)
    begin = launch_day + np.floor(rng.random(n) * span).astype(np.int64)
    length = rng.integers(4, 16, n)
    stocked_out = (
        (t[None, :] >= begin[:, None]) & (t[None, :] < (begin + length)[:, None]) & episode[:, None]
    )
    lost = np.where(stocked_out, latent, 0)
    units = np.where(stocked_out, 0, latent)
    return DemandBlock(units=units, lost=lost, stocked_out=stocked_out, on_promo=on_promo)
