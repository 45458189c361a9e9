"""The shop calendar: days the shop cannot sell are neither demand nor zero.

A retailer that never trades on Saturdays, or shuts for Christmas, sells nothing on those days
whatever the demand; read as zero demand they pull every non-weekly forecast down by the closed
share (1/7 for one closed weekday) and make intervals between sales look longer.  The engine
fits its forecasts on open days only (a closed day is unusable, like a censored one), so every
level is *per open day*, and spreads the forecast back to calendar days: zero on closed days,
the per-open-day forecast on open ones.  ``forecast_mean`` (units per calendar day) is then the
per-open-day level times the open share of the horizon, and ``weekly_profile`` is zero on a
closed weekday.

Closed days come from the data and/or are given:

* a **closed weekday** had no sale of any SKU in the whole history although, were it open, a
  day without any sale would be rare: with q the share of the other weekdays' days on which
  something sold, n such weekdays in the history all without a sale is closed when
  (1 − q)ⁿ < ``CLOSED_P`` (1 %);
* a **closed day** (holiday, stock-take, an export gap) is a day of an open weekday on which
  nothing sold although the median number of SKUs selling on the open days within
  ``WINDOW_DAYS`` either side is at least ``BUSY_SKUS`` (then an empty day by chance has a
  probability of about e⁻⁵);
* given closed weekdays and closed days (history and future) are added to what was detected.

Only the weekly pattern and the given future closed days are projected forward: a detected
past closure says nothing about the future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A weekday without any sale is closed when an open one would show that with less than this.
CLOSED_P = 0.01
#: A day without any sale is closed when the open days around it had a median of at least this
#: many SKUs selling (a catalogue that busy has no empty open days by chance).
BUSY_SKUS = 5.0
#: Days either side of a day whose open days give its typical number of selling SKUs.
WINDOW_DAYS = 28


@dataclass(frozen=True)
class ShopCalendar:
    """When the shop can sell, by day of a history of T days and after it.

    open_days: (T,) bool, oldest first; False = the shop could not sell that day.
    end_weekday: weekday of the last history day (Monday = 0).
    closed_weekdays: weekdays (Monday = 0) the shop never sells on.
    future_closed: closed days after the history as offsets (0 = the day after the last
        history day, i.e. the plan date).
    """

    open_days: np.ndarray
    end_weekday: int = 6
    closed_weekdays: tuple[int, ...] = ()
    future_closed: tuple[int, ...] = ()

    @property
    def n_days(self) -> int:
        return int(np.shape(self.open_days)[0])

    @property
    def all_open(self) -> bool:
        return not self.closed_weekdays and not self.future_closed and bool(np.all(self.open_days))

    def head(self, n_days: int) -> ShopCalendar:
        """The calendar of the first ``n_days`` history days (a replay cut at that day): the
        later closed days become future ones."""
        n = max(0, min(int(n_days), self.n_days))
        later = np.flatnonzero(~np.asarray(self.open_days, bool)[n:])
        fut = [int(k) for k in later] + [k + self.n_days - n for k in self.future_closed]
        # weekly closures of the later days are implied by the weekdays; keep the one-offs
        weekday = self.weekday_of(n + np.asarray(fut, np.intp))
        fut = [k for k, w in zip(fut, weekday, strict=True) if w not in self.closed_weekdays]
        return ShopCalendar(
            open_days=np.asarray(self.open_days, bool)[:n].copy(),
            end_weekday=int(self.weekday_of(np.array(n - 1))),
            closed_weekdays=self.closed_weekdays,
            future_closed=tuple(fut),
        )

    def weekday_of(self, days: np.ndarray) -> np.ndarray:
        """Weekday (Monday = 0) of absolute day indices (0 = the first history day)."""
        return (self.end_weekday - (self.n_days - 1 - np.asarray(days))) % 7

    def future_open(self, n: int) -> np.ndarray:
        """(n,) bool: can the shop sell on the n days from the plan date on?"""
        days = self.n_days + np.arange(n)
        out = ~np.isin(self.weekday_of(days), self.closed_weekdays)
        off = np.asarray([k for k in self.future_closed if 0 <= k < n], np.intp)
        out[off] = False
        return out

    def extended(self, n_after: int) -> np.ndarray:
        """(T + n_after,) bool: the history's open days followed by the next ``n_after``."""
        return np.concatenate([np.asarray(self.open_days, bool), self.future_open(n_after)])

    def open_slots(self) -> np.ndarray:
        """(7,) bool by slot (absolute day index % 7): is that slot's weekday open?"""
        return ~np.isin(self.weekday_of(np.arange(7)), self.closed_weekdays)

    def open_weekdays(self) -> np.ndarray:
        """(7,) bool Monday..Sunday."""
        return ~np.isin(np.arange(7), self.closed_weekdays)


def closed_weekdays_detect(
    selling: np.ndarray, end_weekday: int, closed_p: float = CLOSED_P
) -> tuple[int, ...]:
    """Weekdays with no sale in the whole history that an open weekday would hardly show.

    selling: (T,) number of SKUs (or units) sold per day, oldest first.  A weekday is closed
    when none of its n days sold anything and (1 − q)ⁿ < ``closed_p``, q being the share of
    days with a sale among the other weekdays that sold at all.
    """
    s = np.asarray(selling, np.float64)
    t = s.shape[0]
    weekday = (end_weekday - (t - 1 - np.arange(t))) % 7
    any_sale = s > 0
    silent = [d for d in range(7) if (weekday == d).any() and not any_sale[weekday == d].any()]
    if not silent:
        return ()
    others = ~np.isin(weekday, silent)
    if not others.any():
        return ()  # nothing sold at all: nothing to tell a closed day from a quiet one
    q = float(any_sale[others].mean())
    out = []
    for d in silent:
        n = int((weekday == d).sum())
        p_open = (1.0 - q) ** n
        if p_open < closed_p:
            out.append(d)
    return tuple(out)


def closed_days_detect(
    selling_skus: np.ndarray,
    open_weekday: np.ndarray,
    busy: float = BUSY_SKUS,
    window: int = WINDOW_DAYS,
) -> np.ndarray:
    """(T,) bool: days of open weekdays without any sale in a busy stretch (see the module).

    selling_skus: (T,) number of SKUs with a sale per day; open_weekday: (T,) bool, the day's
    weekday is open.
    """
    s = np.asarray(selling_skus, np.float64)
    t = s.shape[0]
    out = np.zeros(t, bool)
    empty = np.flatnonzero((s <= 0) & open_weekday)
    for i in empty:
        lo, hi = max(0, i - window), min(t, i + window + 1)
        around = s[lo:hi][open_weekday[lo:hi]]
        if around.size and np.median(around) >= busy:
            out[i] = True
    return out


def shop_calendar(
    selling_skus: np.ndarray,
    end_weekday: int,
    *,
    detect: bool = True,
    closed_weekdays: tuple[int, ...] | None = None,
    closed_history: np.ndarray | None = None,
    future_closed: tuple[int, ...] = (),
) -> ShopCalendar:
    """The calendar of a history from the number of SKUs selling per day and what is given.

    selling_skus: (T,) SKUs with a sale per day across the *whole* catalogue (a chunk of it
    would see quiet days that are not closures).  ``closed_weekdays`` given are used as they
    are (None = detect when ``detect``); ``closed_history`` (T,) bool given closed days;
    ``future_closed`` closed days from the plan date (offsets, 0 = the plan date).
    """
    s = np.asarray(selling_skus, np.float64)
    t = s.shape[0]
    if closed_weekdays is None:
        closed_weekdays = closed_weekdays_detect(s, end_weekday) if detect else ()
    weekdays = tuple(sorted({int(d) % 7 for d in closed_weekdays}))
    weekday = (end_weekday - (t - 1 - np.arange(t))) % 7
    open_weekday = ~np.isin(weekday, weekdays)
    open_days = open_weekday.copy()
    if detect:
        open_days &= ~closed_days_detect(s, open_weekday)
    if closed_history is not None:
        open_days &= ~np.asarray(closed_history, bool)
    return ShopCalendar(
        open_days=open_days,
        end_weekday=int(end_weekday),
        closed_weekdays=weekdays,
        future_closed=tuple(sorted({int(k) for k in future_closed if k >= 0})),
    )


def calendar_of(demand: np.ndarray, end_weekday: int, detect: bool = True) -> ShopCalendar:
    """``shop_calendar`` detected from a demand panel (n, T) (NaN = missing, read as no sale)."""
    y = np.asarray(demand)
    selling = np.zeros(y.shape[1], np.int64)
    for s in range(0, y.shape[0], 8192):  # NaN > 0 is False: a missing day is no sale
        selling += (y[s : s + 8192] > 0).sum(axis=0)
    return shop_calendar(selling, end_weekday, detect=detect)
