"""The FBS/rFBS error index computed the way Ozon defines it. Pure: no Django.

Ozon's rule (its rating pages and ``/v1/rating/index/fbs/*``): the index of day *D* is the share
of postings with a seller-caused error — a cancellation that is the seller's fault or a
hand-over after the deadline — among the postings of the **14 days before D** (D itself is not
counted; Ozon recomputes daily). A posting counts once: in the window that holds its *counted
day*, the day of its error if it has one, else the day of its ship-by deadline. Postings
cancelled by the buyer or by Ozon for a reason that is not the seller's are left out entirely.

The zone of the index sets a charge per error, a percentage of the posting's price. Zones come
from Ozon's published table (``DEFAULT_ZONES``) and can be replaced by the thresholds Ozon returns
(``/v1/rating/history``); all days are the seller's local days (Ozon counts in Moscow time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

WINDOW_DAYS = 14
CENT = Decimal("0.01")


class ErrorType(StrEnum):
    SELLER_CANCELLATION = "SELLER_CANCELLATION"
    SELLER_DELAY = "SELLER_DELAY"


@dataclass(frozen=True)
class Zone:
    """Indexes up to ``upper`` percent (inclusive; ``None``: no upper bound) fall in this zone."""

    name: str
    upper: float | None
    charge_percent: Decimal
    blocking: bool = False


# Ozon's published zones (rFBS on Ozon Global; the FBS ones have the same shape): no charge up to
# 4 %, then 3 %, 6 % and 9 % of the price per error; above 40 % sales may be blocked.
DEFAULT_ZONES: tuple[Zone, ...] = (
    Zone("green", 4.0, Decimal("0")),
    Zone("yellow", 10.0, Decimal("3")),
    Zone("orange", 20.0, Decimal("6")),
    Zone("red", 40.0, Decimal("9")),
    Zone("blocking", None, Decimal("9"), blocking=True),
)


def zone_for(percent: float, zones: Sequence[Zone] = DEFAULT_ZONES) -> Zone:
    """The zone an index (in percent) falls in; ``zones`` are ordered by ``upper``."""
    for zone in zones:
        if zone.upper is None or percent <= zone.upper + 1e-9:
            return zone
    return zones[-1]


def next_zone(zone: Zone, zones: Sequence[Zone] = DEFAULT_ZONES) -> Zone | None:
    position = list(zones).index(zone)
    return zones[position + 1] if position + 1 < len(zones) else None


@dataclass(frozen=True)
class PostingRecord:
    """One FBS posting as the index sees it (build them with ``history.posting_records``)."""

    number: str
    due_day: date  # local day of the ship-by deadline
    error: ErrorType | None = None
    error_day: date | None = None  # local day the error happened
    price: Decimal = Decimal("0")  # the posting's products, for the charge

    @property
    def counted_day(self) -> date:
        return self.error_day if self.error is not None and self.error_day else self.due_day


@dataclass(frozen=True)
class IndexValue:
    day: date  # the index of this day (its window ends the day before)
    window_from: date
    window_to: date  # inclusive
    postings: int
    cancellations: int
    delays: int
    percent: float | None  # None without postings
    zone: Zone | None
    error_numbers: tuple[str, ...]

    @property
    def errors(self) -> int:
        return self.cancellations + self.delays


def window(day: date) -> tuple[date, date]:
    """The 14 days the index of ``day`` covers, both ends inclusive (``day`` excluded)."""
    return day - timedelta(days=WINDOW_DAYS), day - timedelta(days=1)


def error_index(
    records: Iterable[PostingRecord], *, day: date, zones: Sequence[Zone] = DEFAULT_ZONES
) -> IndexValue:
    """The index of ``day``: errors ÷ postings over the 14 days before it, in percent."""
    start, end = window(day)
    postings = cancellations = delays = 0
    numbers: list[str] = []
    for record in records:
        if not start <= record.counted_day <= end:
            continue
        postings += 1
        if record.error is ErrorType.SELLER_CANCELLATION:
            cancellations += 1
        elif record.error is ErrorType.SELLER_DELAY:
            delays += 1
        else:
            continue
        numbers.append(record.number)
    percent = round(100.0 * (cancellations + delays) / postings, 4) if postings else None
    return IndexValue(
        day=day,
        window_from=start,
        window_to=end,
        postings=postings,
        cancellations=cancellations,
        delays=delays,
        percent=percent,
        zone=zone_for(percent, zones) if percent is not None else None,
        error_numbers=tuple(sorted(numbers)),
    )


def error_charge(price: Decimal, zone: Zone, *, cap: Decimal | None = None) -> Decimal:
    """The charge for one error in ``zone``: its percentage of the price, at most ``cap``."""
    charge = (price * zone.charge_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(charge, cap) if cap is not None else charge


def zones_with_blocking_at(danger: float, base: Sequence[Zone] = DEFAULT_ZONES) -> tuple[Zone, ...]:
    """``base`` with Ozon's current blocking threshold (``danger_threshold`` of
    ``/v1/rating/history``, which changes): zones below it are kept, the highest charged zone
    ends at it, and above it is the blocking zone."""
    if danger <= 0:
        raise ValueError("the blocking threshold must be positive")
    charged = [z for z in base if z.upper is not None and not z.blocking]
    kept = [z for z in charged if z.upper < danger]
    top = next((z for z in charged if z.upper >= danger), charged[-1])
    blocking = next((z for z in base if z.blocking), base[-1])
    return (*kept, Zone(top.name, danger, top.charge_percent), blocking)
