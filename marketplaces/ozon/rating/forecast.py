"""The error index and its charges over the next days, foreseen from the open orders. Pure.

If nothing is done, which open FBS orders will end as seller errors, and what does that do to
the index and the charges of today and the next 1–3 days? Each open order has a probability of
ending as an error on its deadline day (``RiskRules`` by its state: short with no stock on the
way, short with stock arriving in time, due soon, packed, on track), and SKUs that will run out
of stock add expected new orders that cannot be served (Poisson demand in orders per day beyond
what is available: ``E[(N − a)⁺] = λ·P(N ≥ a) − a·P(N > a)``).

For day *d* the expected index is the expected errors ÷ the expected postings of its window
(history exactly, open and new orders by expectation); the chance of reaching the next zone uses
a normal approximation of the error count (continuity-corrected; the denominator is taken at its
expectation). Charges of the errors that happen on *d* use the zone of *d*'s expected index.

Which orders to act on first: for the first day whose index would rise above today's zone, the
likeliest error that weighs on it (then the earliest, an error weighing on the next 14 indexes,
then the dearest), one at a time until no forecast day is above today's zone (or nothing left can
help: ``reachable`` is false; future stock-outs of new orders are not single orders to act on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np
from scipy.stats import norm, poisson

from marketplaces.ozon.rating.index import (
    CENT,
    DEFAULT_ZONES,
    WINDOW_DAYS,
    IndexValue,
    PostingRecord,
    Zone,
    error_index,
    zone_for,
)

MAX_HORIZON_DAYS = 3


class OrderState(StrEnum):
    SHORT_NO_ARRIVAL = "short_no_arrival"  # short, nothing arrives before the deadline
    SHORT_ARRIVAL = "short_arrival"  # short, stock expected before the deadline
    DUE_SOON = "due_soon"
    PACKED = "packed"  # packed, waiting for the carrier
    ON_TRACK = "on_track"


@dataclass(frozen=True)
class RiskRules:
    """Probability that an open order in each state ends as a seller error if nothing is done."""

    short_no_arrival: float = 1.0
    short_arrival: float = 0.3
    due_soon: float = 0.15
    packed: float = 0.02
    on_track: float = 0.0

    def probability(self, state: OrderState | str) -> float:
        return float(getattr(self, OrderState(state).value))


@dataclass(frozen=True)
class OpenOrders:
    """Open FBS orders as parallel sequences (one entry per posting)."""

    numbers: Sequence[str]
    due_days: Sequence[date]  # local day of the deadline (the error day if it errs)
    states: Sequence[str]  # OrderState values
    prices: Sequence[float]  # the posting's price, for the charge

    def __len__(self) -> int:
        return len(self.numbers)


@dataclass(frozen=True)
class NewOrders:
    """SKUs whose new orders may meet no stock: expected orders a day, stock in orders."""

    orders_per_day: Sequence[float]
    available_orders: Sequence[float]  # units available ÷ units per order
    prices: Sequence[float]  # per order
    prep_days: Sequence[int]  # a new order's deadline is this many days after it arrives


@dataclass(frozen=True)
class DayForecast:
    day: date
    expected_postings: float
    expected_errors: float
    expected_percent: float | None
    zone: Zone | None
    above_target_probability: float  # chance this day's index is above today's zone
    errors_today: float  # expected errors still to happen on this day
    expected_charges: Decimal


@dataclass(frozen=True)
class Action:
    number: str
    error_day: date
    probability: float
    price: Decimal
    charge_avoided: Decimal  # expected charge of its error
    needed: bool  # part of the smallest set found to stay in the current zone


@dataclass(frozen=True)
class IndexForecast:
    today: IndexValue
    days: tuple[DayForecast, ...]  # today, then each day of the horizon
    target: Zone | None  # the zone to stay in (today's)
    reachable: bool  # acting on the needed orders keeps every day in the target zone
    actions: tuple[Action, ...]  # needed ones first, then the others by rank
    expected_charges: Decimal  # over all forecast days

    @property
    def needed(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.needed)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 6))).quantize(CENT, rounding=ROUND_HALF_UP)


def forecast_index(
    *,
    history: Sequence[PostingRecord],
    open_orders: OpenOrders,
    today: date,
    horizon: int = MAX_HORIZON_DAYS,
    new_orders: NewOrders | None = None,
    rules: RiskRules = RiskRules(),
    zones: Sequence[Zone] = DEFAULT_ZONES,
    charge_cap: float | None = None,
) -> IndexForecast:
    """The index of ``today`` and of each of the next ``horizon`` days (1–3) if nothing is
    done, the charges expected on each, and the orders to act on to stay in today's zone."""
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise ValueError(f"horizon must be 1–{MAX_HORIZON_DAYS} days")
    current = error_index(history, day=today, zones=zones)  # with the numbers of its errors
    # Offsets from today: the windows of today … today+horizon cover −14 … horizon−1; errors
    # charged on the last day happen at offset ``horizon``.
    lo, hi = -WINDOW_DAYS, horizon
    size = hi - lo + 1
    postings = np.zeros(size)
    past = np.zeros(size)  # errors that have happened
    errors = np.zeros(size)  # expected errors still to happen
    variance = np.zeros(size)
    first, last = today + timedelta(days=lo), today + timedelta(days=hi)
    for record in history:
        counted = (
            record.error_day if record.error is not None and record.error_day else (record.due_day)
        )
        if first <= counted <= last:
            offset = (counted - today).days - lo
            postings[offset] += 1
            past[offset] += record.error is not None

    n = len(open_orders)
    table = {state.value: rules.probability(state) for state in OrderState}
    p = np.fromiter((table[s] for s in open_orders.states), float, n)
    day = np.fromiter(((d - today).days for d in open_orders.due_days), int, n)
    price = np.asarray(open_orders.prices, float).reshape(n)
    inside = (day >= lo) & (day <= hi)
    index = day[inside] - lo
    np.add.at(postings, index, 1.0)
    np.add.at(errors, index, p[inside])
    np.add.at(variance, index, (p * (1 - p))[inside])

    lost_value_by_day = np.zeros(size)
    if new_orders is not None and len(new_orders.orders_per_day):
        rate = np.asarray(new_orders.orders_per_day, float)
        stock = np.floor(np.maximum(np.asarray(new_orders.available_orders, float), 0))
        per_order = np.asarray(new_orders.prices, float)
        prep = np.asarray(new_orders.prep_days, int)
        previous_loss = np.zeros_like(rate)
        for arrival in range(1, horizon + 1):  # today's orders are in already
            mean = rate * arrival
            loss = mean * poisson.sf(stock - 1, mean) - stock * poisson.sf(stock, mean)
            lost = np.maximum(loss - previous_loss, 0)
            previous_loss = loss
            due = arrival + prep
            ok = due <= hi
            np.add.at(postings, due[ok] - lo, rate[ok])
            np.add.at(errors, due[ok] - lo, lost[ok])
            np.add.at(variance, due[ok] - lo, lost[ok])  # Poisson-like: variance ≈ mean
            np.add.at(lost_value_by_day, due[ok] - lo, (lost * per_order)[ok])

    target = current.zone or zones[0]
    order = np.lexsort((-price, day, -p))
    candidates = [int(i) for i in order if p[i] > 0 and lo <= day[i] <= hi]
    picked = _pick(past + errors, postings, day, p, lo, horizon, target, candidates)
    reachable = picked is not None
    chosen = picked if picked is not None else candidates

    days = []
    zone_of_day: dict[int, Zone] = {}
    for offset in range(0, horizon + 1):
        if offset == 0:
            exp_posts, exp_err, var = float(current.postings), float(current.errors), 0.0
            percent, zone = current.percent, current.zone
        else:
            sl = slice(offset - WINDOW_DAYS - lo, offset - lo)
            exp_posts = float(postings[sl].sum())
            exp_err = float(past[sl].sum() + errors[sl].sum())
            var = float(variance[sl].sum())
            percent = round(100 * exp_err / exp_posts, 4) if exp_posts else None
            zone = zone_for(percent, zones) if percent is not None else None
        zone_of_day[offset] = zone or zones[0]
        days.append((offset, exp_posts, exp_err, var, percent, zone))

    def charge(values: np.ndarray, zone: Zone) -> np.ndarray:
        amount = values * float(zone.charge_percent) / 100
        return np.minimum(amount, charge_cap) if charge_cap is not None else amount

    charge_of_order = np.zeros(n)
    for offset, zone in zone_of_day.items():
        mine = day == offset
        charge_of_order[mine] = p[mine] * charge(price[mine], zone)

    forecasts = []
    for offset, exp_posts, exp_err, var, percent, zone in days:
        zone_here = zone_of_day[offset]
        upper = target.upper
        if offset == 0 or upper is None or not exp_posts:
            crossing = 0.0
        else:
            needed_errors = np.floor(upper * exp_posts / 100 + 1e-9) + 1
            if var <= 0:
                crossing = float(exp_err >= needed_errors)
            else:
                crossing = float(norm.sf((needed_errors - 0.5 - exp_err) / np.sqrt(var)))
        on_day = float(errors[offset - lo])
        money = float(charge_of_order[day == offset].sum())
        lost_value = float(lost_value_by_day[offset - lo])
        if lost_value:  # (the cap applies per order; a lost order is charged on its price)
            money += lost_value * float(zone_here.charge_percent) / 100
        forecasts.append(
            DayForecast(
                day=today + timedelta(days=offset),
                expected_postings=round(exp_posts, 4),
                expected_errors=round(exp_err, 4),
                expected_percent=percent,
                zone=zone,
                above_target_probability=round(crossing, 4),
                errors_today=round(on_day, 4),
                expected_charges=_money(money),
            )
        )

    needed = set(chosen)
    ranked = list(chosen) + [i for i in candidates if i not in needed]
    actions = tuple(
        Action(
            number=open_orders.numbers[i],
            error_day=today + timedelta(days=int(day[i])),
            probability=round(float(p[i]), 4),
            price=_money(float(price[i])),
            charge_avoided=_money(float(charge_of_order[i])),
            needed=reachable and i in needed,
        )
        for i in ranked
    )
    return IndexForecast(
        today=current,
        days=tuple(forecasts),
        target=target,
        reachable=reachable,
        actions=actions,
        expected_charges=sum((f.expected_charges for f in forecasts), Decimal("0.00")),
    )


def _pick(
    errors: np.ndarray,
    postings: np.ndarray,
    day: np.ndarray,
    p: np.ndarray,
    lo: int,
    horizon: int,
    target: Zone,
    candidates: list[int],
) -> list[int] | None:
    """The orders to act on, in rank order, until no day 1…horizon is above ``target``."""
    if target.upper is None:
        return []
    bound = target.upper
    windows = [(k - WINDOW_DAYS - lo, k - lo) for k in range(1, horizon + 1)]
    post_sums = [postings[a:b].sum() for a, b in windows]
    err_sums = [errors[a:b].sum() for a, b in windows]

    def relieve(i: int, sums: list[float]) -> None:
        # Acted on, the order ships in time: no error; it still counts as a posting that day.
        for k in range(1, horizon + 1):
            if k - WINDOW_DAYS <= day[i] <= k - 1:
                sums[k - 1] -= p[i]

    def first_above(sums: list[float]) -> int | None:
        for k, (e, n) in enumerate(zip(sums, post_sums, strict=True), start=1):
            if n and 100 * e / n > bound + 1e-9:
                return k
        return None

    best_case = list(err_sums)
    for i in candidates:
        relieve(i, best_case)
    if first_above(best_case) is not None:
        return None  # even acting on every order would not do
    # One queue per error day, each in rank order: the best order weighing on day k is the
    # best head among the queues of the days before k.
    queues: dict[int, list[int]] = {}
    for rank, i in enumerate(candidates):
        queues.setdefault(int(day[i]), []).append(rank)
    heads = {d: 0 for d in queues}
    chosen: list[int] = []
    while (above := first_above(err_sums)) is not None:
        open_heads = [
            (queues[d][heads[d]], d) for d in queues if d < above and heads[d] < len(queues[d])
        ]
        rank, d = min(open_heads)  # non-empty: the best case above is within the bound
        heads[d] += 1
        i = candidates[rank]
        chosen.append(i)
        relieve(i, err_sums)
    return chosen
