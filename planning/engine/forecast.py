"""Exponential-smoothing forecasts vectorised over SKUs (rows).

The four intermittent-demand functions reproduce statsforecast 2.x exactly (``≤ 1e-6``):

* ``ses``: level l₀ = y₀, lₜ = α·yₜ + (1 − α)·lₜ₋₁ for t = 1 … T−1; forecast = l_{T−1}
  (``SimpleExponentialSmoothing(alpha)``).
* ``croston``: SES (α) over the positive demand sizes z and, separately, over the intervals
  p between them (the first interval counts from the start of the series: index + 1); each
  SES starts at its first element; forecast = ẑ / p̂ (``CrostonClassic``, α = 0.1).  A series
  without positive demand forecasts 0.
* ``sba``: (1 − α/2) · croston (``CrostonSBA``: 0.95 for α = 0.1).
* ``tsb``: SES(α_p) over the demand indicator 1[yₜ > 0] for every day, started at the first
  day's indicator, times SES(α_d) over positive sizes; all-zero series forecast 0 (``TSB``).

A fixed-α SES is linear in its inputs, so none of them loops over days.  SES of a whole
series is one dot product with the weights (1 − α)^{T−1} (first day) and α(1 − α)^{T−1−t}.
SES over the m positive days of a row started at the first one, x₁ … x_m, is
α·Σⱼ (1 − α)^{m−j}·xⱼ + (1 − α)^m·x₁, where m − j is the number of positive days after the
j-th: a cumulative count along the row and a look-up in a table of powers give every day's
weight at once.  For Croston's intervals xⱼ = tⱼ − tⱼ₋₁ (t₀ = −1) the same weights turn into
α·(t_m − α·Σ_{j<m} (1 − α)^{m−1−j}·tⱼ + (1 − α)^{m−1}) + (1 − α)^m·(t₁ + 1), no division and
no difference of large terms.  ``_recursion`` keeps the day-by-day form these are tested
against.  Rows are taken in blocks small enough to stay in cache; a float64 C-ordered panel
is read in place, anything else is converted block by block.

Demand is assumed non-negative (units/day).  Inputs are (n, T) arrays, oldest day first;
outputs are (n,) float64 per-SKU flat daily forecasts.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

_CHUNK = 2048  # a (T, 2048) float64 block stays in cache while it is transposed
_TILE = 32
_ROWS = 256  # rows per block of the closed forms: (256, 730) float64 is 1.5 MB


def _chunks(demand: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (row slice, (T, c) float64 day-major copy) blocks of ``demand``.

    The copy is made tile by tile into one reused buffer (cache friendly, no page faults
    per block); the buffer is overwritten by the next block.
    """
    y = np.asarray(demand)
    if y.ndim != 2:
        raise ValueError("demand must be a 2-D (n_skus, n_days) array")
    n, n_days = y.shape
    buf = np.empty((n_days, min(_CHUNK, max(n, 1))))
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n))
        yt = buf[:, : sl.stop - sl.start]
        for j in range(0, n_days, _TILE):
            yt[j : j + _TILE] = y[sl, j : j + _TILE].T
        yield sl, yt


def _row_blocks(demand: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (row slice, (r, T) float64 C-ordered block) of ``demand``, r ≤ ``_ROWS``.

    A float64 C-ordered panel is yielded as views (no copy); any other dtype or layout is
    converted into one reused buffer, overwritten by the next block.
    """
    y = np.asarray(demand)
    if y.ndim != 2:
        raise ValueError("demand must be a 2-D (n_skus, n_days) array")
    n, n_days = y.shape
    in_place = y.dtype == np.float64 and y.flags.c_contiguous
    buf = None if in_place else np.empty((min(_ROWS, max(n, 1)), n_days))
    for start in range(0, n, _ROWS):
        sl = slice(start, min(start + _ROWS, n))
        if in_place:
            yield sl, y[sl]
        else:
            block = buf[: sl.stop - sl.start]
            block[...] = y[sl]
            yield sl, block


def _ses_weights(alpha: float, n_days: int) -> np.ndarray:
    """Weights w (T,) with SES(α) of a whole series (started at its first day) = y · w."""
    w = alpha * (1.0 - alpha) ** np.arange(n_days - 1, -1, -1.0)
    if n_days:
        w[0] = (1.0 - alpha) ** (n_days - 1)
    return w


class _Positives:
    """What SES over the positive days of a block of rows needs: the indicator, the number
    of positive days after each day, the first and last positive day and their values.

    One workspace serves every block of a call (``load`` a block, then ask): its buffers are
    allocated once, because fresh block-sized temporaries would each be mapped and faulted
    in anew by the allocator and cost as much as the arithmetic.
    """

    def __init__(self, n_rows: int, n_days: int) -> None:
        self._positive = np.empty((n_rows, n_days), bool)
        self._after = np.empty((n_rows, n_days), np.intp)  # take() wants intp
        self._weights = np.empty((n_rows, n_days))
        self._days = np.arange(n_days, dtype=np.float64)
        self._tables: dict[float, np.ndarray] = {}

    def load(self, y: np.ndarray) -> None:
        n_rows, n_days = y.shape
        self.y = y
        self.positive = np.greater(y, 0, out=self._positive[:n_rows])
        after = np.cumsum(self.positive, axis=1, out=self._after[:n_rows])
        self.m = after[:, -1].copy()
        self.has = self.m > 0
        np.subtract(self.m[:, None], after, out=after)
        self.after = after  # positive days after each day
        rows = np.arange(n_rows)
        self.first = np.argmax(self.positive, axis=1)
        self.last = np.argmax(self.positive[:, ::-1], axis=1)
        np.subtract(n_days - 1, self.last, out=self.last)
        self.first_value = y[rows, self.first]
        self.last_value = y[rows, self.last]
        self._sums: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def indicator_dot(self, w: np.ndarray) -> np.ndarray:
        """Σₜ wₜ·1[yₜ > 0] per row."""
        ind = self._weights[: self.y.shape[0]]
        np.copyto(ind, self.positive)
        return ind @ w

    def _sums_at(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """Σ_{j<m} (1 − α)^{m−1−j}·x over the positive days but the last, for x = the
        demand and x = the day index."""
        if alpha not in self._sums:
            table = self._tables.get(alpha)
            if table is None:
                table = np.empty(self.y.shape[1] + 1)
                table[0] = 0.0  # the last positive day (nothing after it) is left out
                table[1:] = (1.0 - alpha) ** np.arange(self.y.shape[1], dtype=np.float64)
                self._tables[alpha] = table
            u = table.take(self.after, out=self._weights[: self.y.shape[0]])
            np.multiply(u, self.positive, out=u)
            self._sums[alpha] = (np.einsum("ij,ij->i", u, self.y), u @ self._days)
        return self._sums[alpha]

    def sizes(self, alpha: float) -> np.ndarray:
        """SES(α) over the positive demand sizes, started at the first; 0 without any."""
        s_y, _ = self._sums_at(alpha)
        keep = (1.0 - alpha) ** self.m.astype(np.float64)
        z = alpha * ((1.0 - alpha) * s_y + self.last_value) + keep * self.first_value
        return np.where(self.has, z, 0.0)

    def intervals(self, alpha: float) -> np.ndarray:
        """SES(α) over the intervals between positive days (the first counted from day −1),
        started at the first interval; 1 for a row without demand."""
        _, s_t = self._sums_at(alpha)
        m = self.m.astype(np.float64)
        decay = 1.0 - alpha
        p = alpha * (self.last - alpha * s_t + decay ** np.maximum(m - 1.0, 0.0))
        p += decay**m * (self.first + 1.0)
        return np.where(self.has, p, 1.0)


def intermittent_forecasts(
    demand: np.ndarray,
    ses_alpha: float | None = 0.1,
    croston_alpha: float | None = 0.1,
    tsb_alphas: tuple[float, float] | None = (0.1, 0.1),
) -> dict[str, np.ndarray]:
    """SES, Croston, SBA and TSB in one pass over the panel (skip one by passing None).

    Returns {"ses", "croston", "sba", "tsb"} → (n,) float64 flat daily forecasts, each
    identical to the single functions below (and to statsforecast).  Croston and TSB share
    the positive days of each block, and their size smoothing when α = α_d.
    """
    n, n_days = np.shape(demand)
    out: dict[str, np.ndarray] = {}
    if ses_alpha is not None:
        out["ses"] = np.empty(n)
        w_ses = _ses_weights(float(ses_alpha), n_days)
    if croston_alpha is not None:
        out["croston"] = np.empty(n)
        out["sba"] = np.empty(n)
    if tsb_alphas is not None:
        out["tsb"] = np.empty(n)
        ad, ap = (float(a) for a in tsb_alphas)
        w_prob = _ses_weights(ap, n_days)
    pos = None
    if croston_alpha is not None or tsb_alphas is not None:
        pos = _Positives(min(_ROWS, max(n, 1)), n_days)
    for sl, y in _row_blocks(demand):
        if ses_alpha is not None:
            out["ses"][sl] = y @ w_ses
        if pos is None:
            continue
        pos.load(y)
        if croston_alpha is not None:
            a = float(croston_alpha)
            ratio = pos.sizes(a) / pos.intervals(a)
            out["croston"][sl] = ratio
            out["sba"][sl] = (1.0 - a / 2.0) * ratio
        if tsb_alphas is not None:
            zd = pos.sizes(ad)  # before the indicator overwrites the weights' buffer
            out["tsb"][sl] = np.where(pos.has, pos.indicator_dot(w_prob) * zd, 0.0)
    return out


def _recursion(
    demand: np.ndarray, ses_alpha: float, croston_alpha: float, tsb_alphas: tuple[float, float]
) -> dict[str, np.ndarray]:
    """The same four forecasts day by day (the textbook recursions; the reference of the
    tests for the closed forms above)."""
    n = np.shape(demand)[0]
    out = {k: np.empty(n) for k in ("ses", "croston", "sba", "tsb")}
    ad, ap = tsb_alphas
    for sl, yt in _chunks(demand):
        has = (yt > 0).any(axis=0)
        first = np.argmax(yt > 0, axis=0)
        z0 = np.where(has, yt[first, np.arange(yt.shape[1])], 0.0)
        level = yt[0].copy()
        z, p, q = z0.copy(), np.where(has, first + 1.0, 1.0), np.zeros(yt.shape[1])
        zd, prob = z0.copy(), (yt[0] > 0).astype(np.float64)
        for t in range(yt.shape[0]):
            y = yt[t]
            g = (y > 0).astype(np.float64)
            if t:
                level += ses_alpha * (y - level)
                prob += ap * (g - prob)
            q += 1.0
            z += croston_alpha * g * (y - z)
            p += croston_alpha * g * (q - p)
            q *= 1.0 - g
            zd += ad * g * (y - zd)
        out["ses"][sl] = level
        out["croston"][sl] = z / p
        out["sba"][sl] = (1.0 - croston_alpha / 2.0) * (z / p)
        out["tsb"][sl] = np.where(has, prob * zd, 0.0)
    return out


def ses(demand: np.ndarray, alpha: float) -> np.ndarray:
    """Simple exponential smoothing, fixed ``alpha``; per-SKU flat forecast (n,), units/day."""
    return intermittent_forecasts(demand, alpha, None, None)["ses"]


def croston(demand: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """Croston's classic method: ẑ / p̂, both smoothed with ``alpha``; (n,) units/day."""
    return intermittent_forecasts(demand, None, alpha, None)["croston"]


def sba(demand: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """Syntetos–Boylan approximation: (1 − α/2) · ẑ / p̂; (n,) units/day."""
    return intermittent_forecasts(demand, None, alpha, None)["sba"]


def tsb(demand: np.ndarray, alpha_d: float, alpha_p: float) -> np.ndarray:
    """Teunter–Syntetos–Babai: π̂ · ẑ with π̂ = SES(α_p) of 1[y > 0], ẑ = SES(α_d) of sizes."""
    return intermittent_forecasts(demand, None, None, (alpha_d, alpha_p))["tsb"]


def damped_trend_factor(phi: float, horizon: int) -> np.ndarray:
    """Cumulative damping φ + φ² + … + φ^h for h = 1 … horizon, shape (horizon,)."""
    return np.cumsum(phi ** np.arange(1, horizon + 1, dtype=np.float64))


def holt_damped(
    demand: np.ndarray, alpha: float, beta: float, phi: float, horizon: int
) -> np.ndarray:
    """Additive damped-trend Holt (ETS(A,Ad,N) error-correction form), (n, horizon) forecasts.

    Initial level = mean of the first min(T, 7) days, trend 0.  Per day:
    f = l + φb, e = y − f, l ← f + αe, b ← φb + βe.  Forecast h days ahead:
    l + (φ + … + φʰ)·b.  Units/day.
    """
    out = np.empty((np.shape(demand)[0], horizon))
    damp = damped_trend_factor(phi, horizon)
    for sl, yt in _chunks(demand):
        level = yt[: min(7, yt.shape[0])].mean(axis=0)
        trend = np.zeros_like(level)
        for t in range(yt.shape[0]):
            f = level + phi * trend
            e = yt[t] - f
            level = f + alpha * e
            trend = phi * trend + beta * e
        out[sl] = level[:, None] + trend[:, None] * damp[None, :]
    return out


def holt_winters(
    demand: np.ndarray,
    alpha: float,
    beta: float,
    gamma: float,
    phi: float,
    horizon: int,
    season: int = 7,
) -> np.ndarray:
    """Additive Holt-Winters with damped trend and a weekly season (ETS(A,Ad,A)), (n, horizon).

    Initial level = mean of the first ``season`` days (or all if fewer), seasonal indices =
    first-week deviations from it, trend 0.  Per day t with s = s_{t−m}:
    f = l + φb + s, e = y − f, l ← l + φb + αe, b ← φb + βe, s_t = s + γe.
    Forecast h days ahead: l + (φ + … + φʰ)·b + s_{T−1+h−m·k}.  Units/day.
    """
    out = np.empty((np.shape(demand)[0], horizon))
    damp = damped_trend_factor(phi, horizon)
    for sl, yt in _chunks(demand):
        n_days = yt.shape[0]
        m0 = min(season, n_days)
        level = yt[:m0].mean(axis=0)
        seas = np.zeros((season, yt.shape[1]))
        seas[:m0] = yt[:m0] - level
        trend = np.zeros_like(level)
        for t in range(n_days):
            s = seas[t % season]
            f = level + phi * trend + s
            e = yt[t] - f
            level = level + phi * trend + alpha * e
            trend = phi * trend + beta * e
            seas[t % season] = s + gamma * e
        idx = (n_days + np.arange(horizon)) % season
        out[sl] = level[:, None] + trend[:, None] * damp[None, :] + seas[idx].T
    return out


def weekly_profile(
    demand: np.ndarray, end_weekday: int = 6, weeks: int = 13, valid: np.ndarray | None = None
) -> np.ndarray:
    """Weekly profile (n, 7), Monday..Sunday, from the last ``weeks`` weeks of ``demand``.

    profile_d = (mean demand on weekday d) / (mean demand over the window), so the profile
    averages 1 over the week; rows without demand get all ones.  ``end_weekday`` is the
    weekday of the last column (Monday = 0).
    """
    y = np.asarray(demand, dtype=np.float64)
    n, n_days = y.shape
    w = min(n_days, 7 * weeks)
    win = y[:, n_days - w :]
    ok = np.ones_like(win, dtype=bool) if valid is None else np.asarray(valid)[:, n_days - w :]
    weekday = (end_weekday - (w - 1 - np.arange(w))) % 7
    sums = np.zeros((n, 7))
    cnts = np.zeros((n, 7))
    for d in range(7):
        cols = weekday == d
        sums[:, d] = np.where(ok[:, cols], win[:, cols], 0.0).sum(axis=1)
        cnts[:, d] = ok[:, cols].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(cnts > 0, sums / cnts, 0.0)
        avg = means.mean(axis=1, keepdims=True)
        prof = np.where(avg > 0, means / avg, 1.0)
    return prof
