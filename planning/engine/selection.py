"""All candidate forecasts in one pass over time, rolling-origin holdout and per-SKU selection.

For a block of SKUs the history is held day-major, ``y`` (T, c) float32, with a validity
mask ``v`` (T, c) float32 in {0, 1} (0 = censored or before the first sale).  One loop
over the T days updates, for every SKU at once, the states of every candidate and every
point of its smoothing grid, in error-correction form with the error gated by ``v`` (a
censored day has zero innovation, so it is neither demand nor a zero):

* SES, grid α:            e = y − l;            l ← l + α·e
* damped Holt (α, β, φ):  e = y − (l + φb);     l ← l + φb + α·e;   b ← φb + β·e
* Holt-Winters weekly, additive, damped (α, β, γ, φ): e = y − (l + φb + s_{t−7});
                          l ← l + φb + α·e;  b ← φb + β·e;  s_t ← s_{t−7} + γ·e
* Croston / SBA (α):      sizes ẑ and intervals p̂ updated on demand days only (the
                          interval counter counts usable days); forecast ẑ/p̂, SBA ×(1 − α/2)
* TSB, grid (α_d, α_p):   π̂ ← π̂ + α_p·(1[y>0] − π̂) every usable day; ẑ on demand days
* weekly profile:         one SES (``weekly_alpha``) per weekday; profile = level_d / mean_d

With ``warm_start`` the gains of SES, TSB's π̂ (over usable days) and of the sizes and
intervals (over demand days) are max(α, 1/n) for the n-th value: each level is the running
mean of its first values until that weighs less than α, instead of starting at the first value
(a history trimmed to its first sale would start at that sale's size with π̂ = 1, which at α
0.05 lingers for months).

The ``*_weekly`` candidates are SES, SBA and TSB times that profile.  Before every origin
o of the rolling-origin holdout (origins every ``origin_step_days`` inside the last
``holdout_days``, each forecasting up to the end of the history) and at the end of the
history the states are copied; for a grid the point with the lowest cumulative in-sample
one-step squared error *up to that origin* is used.  Holdout errors are pooled over the
origins; per SKU the allowed candidate (by demand class) with the lowest pooled squared
error (RMSSE) or absolute error (MASE) wins.

Scales: MASE = MAE / mean|yₜ − yₜ₋₁|, RMSSE = √(MSE / mean (yₜ − yₜ₋₁)²), with the naive
one-step errors taken over consecutive usable days before the first origin; bias = mean
error / the same MAE scale (positive = over-forecast).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import numpy as np

from .calendar import ShopCalendar
from .schema import (
    INTERMITTENT,
    LUMPY,
    M_COMBO,
    M_COMBO_WEEKLY,
    M_CROSTON,
    M_HOLT,
    M_HW,
    M_SBA,
    M_SBA_WEEKLY,
    M_SES,
    M_SES_WEEKLY,
    M_TSB,
    M_TSB_WEEKLY,
    METHOD_NAMES,
    SEASONAL_METHODS,
    PlanParams,
)

F32 = np.float32
N_METHODS = len(METHOD_NAMES)
_TLS = threading.local()


def _buffer(name: str, shape: tuple[int, int]) -> np.ndarray:
    """Per-thread reusable float32 buffer (avoids re-faulting fresh pages every chunk)."""
    bufs = getattr(_TLS, "bufs", None)
    if bufs is None:
        bufs = _TLS.bufs = {}
    buf = bufs.get(name)
    if buf is None or buf.size < shape[0] * shape[1]:
        buf = bufs[name] = np.empty(shape[0] * shape[1], F32)
    return buf[: shape[0] * shape[1]].reshape(shape)


def _day_major(a: np.ndarray, out: np.ndarray, tile: int = 32) -> np.ndarray:
    """Copy (c, T) ``a`` into the (T, c) float32 ``out`` tile by tile (cache friendly)."""
    n_days = a.shape[1]
    for j in range(0, n_days, tile):
        out[j : j + tile] = a[:, j : j + tile].T
    return out


@dataclass(frozen=True)
class ForecastSelection:
    """Per-SKU forecast of a block (shapes (c,) unless stated; units/day)."""

    method: np.ndarray  # int8, METHOD_NAMES
    forecast_mean: np.ndarray  # mean daily forecast over the horizon
    forecast_sd: np.ndarray  # sd of the daily forecast error
    weekly_profile: np.ndarray  # (c, 7) Monday..Sunday
    mase: np.ndarray
    rmsse: np.ndarray
    bias: np.ndarray
    n_holdout_days: np.ndarray  # usable (origin, day) pairs behind the figures
    # rolling-origin totals (``total_days`` given; see ``ltd``): the end forecast total
    # (c, H), past forecast and actual totals (c, K, H) (NaN = no pair) and the first
    # sale's age at each origin (c, K) in days
    total_end: np.ndarray | None = None
    pair_forecast: np.ndarray | None = None
    pair_actual: np.ndarray | None = None
    pair_age: np.ndarray | None = None
    # mean daily demand over the usable days of the RECENT_DAYS before the end (c,) and
    # before each origin (c, K) (NaN = no usable day)
    recent_end: np.ndarray | None = None
    pair_recent: np.ndarray | None = None


@dataclass
class _Snap:
    """Forecast ingredients of every candidate at one origin (float32 (c,) arrays)."""

    ses: np.ndarray
    holt_l: np.ndarray
    holt_b: np.ndarray
    holt_phi: np.ndarray
    hw_l: np.ndarray
    hw_b: np.ndarray
    hw_phi: np.ndarray
    hw_s: np.ndarray  # (7, c) by slot = absolute day index % 7
    croston: np.ndarray
    tsb: np.ndarray
    weekday: np.ndarray  # (7, c) by slot
    n_valid: np.ndarray  # usable days before the origin


def _running_sum(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[i] = a[0] + … + a[i]`` down the first axis (days) of a C-ordered (rows, c) array,
    in ``out``'s dtype: the same sums, in the same order, as ``np.cumsum(a, axis=0)``, but row
    by row (numpy's cumsum along the first axis walks column by column, ~10× slower here)."""
    if a.shape[0]:
        np.copyto(out[0], a[0], casting="same_kind")
    for i in range(1, a.shape[0]):
        np.add(out[i - 1], a[i], out=out[i], casting="same_kind")
    return out


def _pick(state: np.ndarray, sse: np.ndarray) -> np.ndarray:
    """state (G, c) [or (G, 7, c)] at the per-SKU argmin of sse (G, c)."""
    if state.shape[0] == 1:
        return state[0].copy()
    idx = np.argmin(sse, axis=0)
    if state.ndim == 2:
        return np.take_along_axis(state, idx[None, :], axis=0)[0].copy()
    return np.take_along_axis(state, idx[None, None, :], axis=0)[0].copy()


def holdout_origins(n_days: int, params: PlanParams) -> list[int]:
    """Origins (first forecast day index) of the rolling-origin holdout, oldest first."""
    h = min(params.holdout_days, max(0, n_days - params.min_history_days))
    step = max(1, params.origin_step_days)
    return [n_days - h + k for k in range(0, h, step)] if h > 0 else []


def _window_init(y: np.ndarray, v: np.ndarray, first: np.ndarray, width: int = 28):
    """Mean level and slot deviations over the first ``width`` usable-or-not days from first."""
    n_days, c = y.shape
    cols = np.arange(c)
    lvl_sum = np.zeros(c, F32)
    cnt = np.zeros(c, F32)
    slot_sum = np.zeros((7, c), F32)
    slot_cnt = np.zeros((7, c), F32)
    for k in range(width):
        idx = np.minimum(first + k, n_days - 1)
        inside = (first + k) < n_days
        yy = y[idx, cols] * inside
        vv = v[idx, cols] * inside
        lvl_sum += yy * vv
        cnt += vv
        slot = idx % 7
        np.add.at(slot_sum, (slot, cols), yy * vv)
        np.add.at(slot_cnt, (slot, cols), vv)
    level = np.where(cnt > 0, lvl_sum / np.maximum(cnt, 1), 0).astype(F32)
    seas = np.where(slot_cnt > 0, slot_sum / np.maximum(slot_cnt, 1) - level, 0).astype(F32)
    seas -= seas.mean(axis=0, keepdims=True)
    return level, seas


def _slot_to_weekday(n_days: int, end_weekday: int) -> np.ndarray:
    """slot index (absolute day % 7) for each weekday Monday..Sunday."""
    t_of = n_days - 1 - ((end_weekday - np.arange(7)) % 7)
    return t_of % 7


#: Pairs per SKU and horizon: origins every week, this many beyond the longest horizon.
PAIR_ORIGINS = 13
RECENT_DAYS = 28
MAX_TOTAL_DAYS = 365


def total_origins(n_days: int, longest: int) -> list[int]:
    """Weekly origins of the rolling-origin totals, oldest first (see ``ltd``)."""
    k = -(-min(longest, MAX_TOTAL_DAYS) // 7) + PAIR_ORIGINS
    return [o for o in range(n_days - 7 * k, n_days, 7) if o >= 1]


def fit_select(
    demand: np.ndarray,
    valid: np.ndarray,
    demand_class: np.ndarray,
    params: PlanParams,
    end_weekday: int = 6,
    total_days: np.ndarray | None = None,
    actual: np.ndarray | None = None,
    calendar: ShopCalendar | None = None,
) -> ForecastSelection:
    """Fit all candidates on a block of SKUs and select per SKU (see the module docstring).

    ``calendar`` (``planning.engine.calendar``): days the shop was closed are fitted as
    unusable (every level is per open day) and every forecast path is zero on closed days,
    so ``forecast_mean`` and the totals are per calendar day; the rolling-origin totals still
    count a closed day as an observed zero.

    demand: (c, T) demand, units/day (values on unusable days are ignored); valid: (c, T)
    bool, usable days; actual (optional, (c, T)): the demand the rolling-origin totals are
    scored against when ``demand`` is a cleaned copy; demand_class: (c,) int (DEMAND_CLASS_NAMES).  Returns a
    ForecastSelection.  Works internally on float32 day-major copies of the block.
    """
    demand = np.asarray(demand)
    valid = np.asarray(valid, bool)
    c, n_days = demand.shape
    cols = np.arange(c)
    if calendar is not None and calendar.all_open:
        calendar = None
    if calendar is not None:
        if calendar.n_days != n_days:
            raise ValueError("the calendar must cover the history's days")
        valid = valid & np.asarray(calendar.open_days, bool)[None, :]
    origins = holdout_origins(n_days, params)
    if total_days is not None:
        total_days = np.clip(np.asarray(total_days, np.intp).reshape(c, -1), 1, MAX_TOTAL_DAYS)
        t_origins = total_origins(n_days, int(total_days.max(initial=1)))
    else:
        t_origins = []
    snap_at = set(origins) | set(t_origins) | {n_days}

    # row-major look-ups (fast along the contiguous axis)
    valid_any = valid.any(axis=1)
    first = np.where(valid_any, valid.argmax(axis=1), n_days)
    posv = (demand > 0) & valid
    has_pos = posv.any(axis=1)
    fpos = np.where(has_pos, posv.argmax(axis=1), 0)
    y_fpos = np.where(has_pos, demand[cols, fpos], 0).astype(F32)
    y_first = np.where(valid_any, demand[cols, np.minimum(first, n_days - 1)], 0).astype(F32)
    # interval counter value at the first demand = usable days up to and including it
    p0 = np.ones(c, F32)
    gap = np.flatnonzero(has_pos & (fpos > first))  # usable zero days before the first sale
    if gap.size:
        before = np.arange(n_days)[None, :] <= fpos[gap, None]
        p0[gap] = (valid[gap] & before).sum(axis=1)
    del posv

    y = _day_major(demand, _buffer("y", (n_days, c)))
    v = _day_major(valid, _buffer("v", (n_days, c)))
    y *= v  # unusable days read as 0 (and NaN-free)
    level0, seas0 = _window_init(y, v, first)

    # --- states ------------------------------------------------------------------------
    # Grids of size 1 skip the in-sample SSE bookkeeping (nothing to choose).
    a_ses = np.asarray(params.ses_alphas, F32)[:, None]
    ses_l = np.repeat(y_first[None, :], len(a_ses), axis=0)
    ses_sse = np.zeros_like(ses_l)

    hp = np.asarray(params.holt_params, F32)
    h_a, h_b, h_phi = hp[:, 0:1], hp[:, 1:2], hp[:, 2:3]
    holt_l = np.repeat(level0[None, :], len(hp), axis=0)
    holt_b = np.zeros_like(holt_l)
    holt_sse = np.zeros_like(holt_l)

    wp = np.asarray(params.hw_params, F32)
    w_a, w_b, w_g, w_phi = wp[:, 0:1], wp[:, 1:2], wp[:, 2:3], wp[:, 3:4]
    hw_l = np.repeat(level0[None, :], len(wp), axis=0)
    hw_b = np.zeros_like(hw_l)
    hw_s = np.repeat(seas0[None, :, :], len(wp), axis=0)  # (G, 7, c)
    hw_sse = np.zeros_like(hw_l)

    # positive-size levels shared by Croston and TSB: one row per distinct alpha
    tp = np.asarray(params.tsb_params, F32)
    z_alphas = sorted({float(F32(params.croston_alpha)), *(float(a) for a in tp[:, 0])})
    a_z = np.asarray(z_alphas, F32)[:, None]
    row_cro = z_alphas.index(float(F32(params.croston_alpha)))
    row_tsb = np.array([z_alphas.index(float(a)) for a in tp[:, 0]])
    size_z = np.repeat(y_fpos[None, :], len(z_alphas), axis=0)
    ac = F32(params.croston_alpha)
    cp = p0.copy()
    cq = np.zeros(c, F32)

    t_ap = tp[:, 1:2]
    ind_first = (y_first > 0).astype(F32)
    tsb_p = np.repeat(ind_first[None, :], len(tp), axis=0)
    tsb_sse = np.zeros_like(tsb_p)

    track_ses, track_h, track_w, track_t = (len(a_ses) > 1, len(hp) > 1, len(wp) > 1, len(tp) > 1)

    aw = F32(params.weekly_alpha)
    wk = np.maximum(level0[None, :] + seas0, 0)  # (7, c) weekday levels by slot

    g = np.empty(c, F32)
    notg = np.empty(c, F32)
    e_s = np.empty_like(ses_l)
    e_z = np.empty_like(size_z)
    e_h = np.empty_like(holt_l)
    f_h = np.empty_like(holt_l)
    e_w = np.empty_like(hw_l)
    f_w = np.empty_like(hw_l)
    e_t = np.empty_like(tsb_p)
    tmp1 = np.empty(c, F32)
    tmp2 = np.empty(c, F32)
    n_valid = np.zeros(c, F32)
    n_dem = np.zeros(c, F32)  # usable demand days so far
    warm = params.warm_start
    inv_v = np.zeros(c, F32)  # 1 / usable days so far (0 = no warm-up: the plain α)
    inv_d = np.zeros(c, F32)  # 1 / usable demand days so far
    gain_s = np.empty_like(ses_l)
    gain_z = np.empty_like(size_z)
    gain_t = np.empty_like(tsb_p)
    # naive one-step errors over consecutive usable days before the first origin (scales)
    stop = origins[0] if origins else n_days
    prev = np.zeros(c, F32)
    prev_ok = np.zeros(c, F32)
    sc_abs = np.zeros(c, np.float64)
    sc_sq = np.zeros(c, np.float64)
    sc_n = np.zeros(c, np.float64)

    snaps: dict[int, _Snap] = {}

    def take_snapshot() -> _Snap:
        h_idx = np.argmin(holt_sse, axis=0)
        w_idx = np.argmin(hw_sse, axis=0)
        return _Snap(
            ses=_pick(ses_l, ses_sse),
            holt_l=_pick(holt_l, holt_sse),
            holt_b=_pick(holt_b, holt_sse),
            holt_phi=hp[h_idx, 2],
            hw_l=_pick(hw_l, hw_sse),
            hw_b=_pick(hw_b, hw_sse),
            hw_phi=wp[w_idx, 3],
            hw_s=_pick(hw_s, hw_sse),
            croston=size_z[row_cro] / cp,
            tsb=_pick(tsb_p * size_z[row_tsb], tsb_sse),
            weekday=wk.copy(),
            n_valid=n_valid.copy(),
        )

    for t in range(n_days):
        if t in snap_at:
            snaps[t] = take_snapshot()
        yt = y[t]
        vt = v[t]
        np.greater(yt, 0, out=tmp1)
        np.multiply(tmp1, vt, out=g)  # usable demand day indicator
        np.subtract(1, g, out=notg)
        n_valid += vt
        if t < stop:
            np.subtract(yt, prev, out=tmp1)
            np.multiply(vt, prev_ok, out=tmp2)
            tmp1 *= tmp2
            sc_n += tmp2
            sc_abs += np.abs(tmp1)
            tmp1 *= tmp1
            sc_sq += tmp1
            np.copyto(prev, yt, where=vt > 0)
            np.maximum(prev_ok, vt, out=prev_ok)
        # warm-up gains: the running mean until it weighs less than α (see the docstring)
        if warm:
            np.maximum(n_valid, 1, out=inv_v)
            np.divide(1, inv_v, out=inv_v)
        # SES grid
        np.subtract(yt, ses_l, out=e_s)
        e_s *= vt
        if track_ses:
            ses_sse += e_s * e_s
        np.maximum(a_ses, inv_v, out=gain_s)
        e_s *= gain_s
        ses_l += e_s
        # TSB one-step error uses the sizes before today's update
        if track_t:
            np.multiply(tsb_p, size_z[row_tsb], out=e_t)
            np.subtract(yt, e_t, out=e_t)
            e_t *= vt
            e_t *= e_t
            tsb_sse += e_t
        # positive sizes (Croston and TSB), intervals (Croston)
        if warm:
            n_dem += g
            np.maximum(n_dem, 1, out=inv_d)
            np.divide(1, inv_d, out=inv_d)
        np.subtract(yt, size_z, out=e_z)
        e_z *= g
        np.maximum(a_z, inv_d, out=gain_z)
        e_z *= gain_z
        size_z += e_z
        cq += vt
        np.subtract(cq, cp, out=tmp2)
        tmp2 *= g
        tmp2 *= np.maximum(ac, inv_d, out=tmp1)
        cp += tmp2
        cq *= notg
        # TSB demand probability: pi += a_p * v * (1[y>0] - pi) = a_p * (g - v * pi)
        np.multiply(tsb_p, vt, out=e_t)
        np.subtract(g, e_t, out=e_t)
        np.maximum(t_ap, inv_v, out=gain_t)
        e_t *= gain_t
        tsb_p += e_t
        # damped Holt
        np.multiply(h_phi, holt_b, out=f_h)
        f_h += holt_l
        np.subtract(yt, f_h, out=e_h)
        e_h *= vt
        np.multiply(h_a, e_h, out=holt_l)
        holt_l += f_h
        holt_b *= h_phi
        np.multiply(h_b, e_h, out=f_h)
        holt_b += f_h
        if track_h:
            e_h *= e_h
            holt_sse += e_h
        # Holt-Winters
        s = hw_s[:, t % 7, :]
        np.multiply(w_phi, hw_b, out=f_w)
        f_w += hw_l
        np.add(f_w, s, out=e_w)
        np.subtract(yt, e_w, out=e_w)
        e_w *= vt
        np.multiply(w_a, e_w, out=hw_l)
        hw_l += f_w
        hw_b *= w_phi
        np.multiply(w_b, e_w, out=f_w)
        hw_b += f_w
        np.multiply(w_g, e_w, out=f_w)
        s += f_w
        if track_w:
            e_w *= e_w
            hw_sse += e_w
        # weekday levels
        d = wk[t % 7]
        np.subtract(yt, d, out=tmp1)
        tmp1 *= vt
        tmp1 *= aw
        d += tmp1
    snaps[n_days] = take_snapshot()

    with np.errstate(divide="ignore", invalid="ignore"):
        mae_scale = np.where(sc_n > 0, sc_abs / sc_n, np.nan)
        mse_scale = np.where(sc_n > 0, sc_sq / sc_n, np.nan)
    hmax = int(total_days.max(initial=1)) if total_days is not None else 0
    open_ext = None if calendar is None else calendar.extended(max(hmax, params.horizon_days, 7))
    open_slots = None if calendar is None else calendar.open_slots()
    sel = _evaluate(
        y,
        v,
        first,
        snaps,
        origins,
        demand_class,
        params,
        end_weekday,
        mae_scale,
        mse_scale,
        open_ext,
        open_slots,
    )
    if total_days is None:
        return sel
    age0 = np.where(has_pos, fpos, n_days)
    ya = None if actual is None else np.asarray(actual)
    return _with_totals(
        sel, y, v, snaps, t_origins, total_days, age0, params, ya, open_ext, open_slots
    )


def _with_totals(
    sel: ForecastSelection,
    y: np.ndarray,
    v: np.ndarray,
    snaps: dict[int, _Snap],
    t_origins: list[int],
    total_days: np.ndarray,
    first_sale: np.ndarray,
    params: PlanParams,
    actual: np.ndarray | None = None,
    open_ext: np.ndarray | None = None,
    open_slots: np.ndarray | None = None,
) -> ForecastSelection:
    """Add the chosen method's P-day totals at the end and at past origins, with the actual
    totals that followed (windows with an unusable day give no pair; a closed day of
    ``open_ext`` (T + ≥ P,) is an observed zero, and forecast paths are zero on it)."""
    n_days, c = y.shape
    cols = np.arange(c)
    sba_factor = 1.0 - params.croston_alpha / 2.0
    hmax = int(total_days.max(initial=1))
    n_h = total_days.shape[1]
    # running sums from the oldest origin on (index i = day o0 + i − 1)
    o0 = max((t_origins[0] if t_origins else n_days) - RECENT_DAYS, 0)
    cum_y = np.zeros((n_days - o0 + 1, c))
    _running_sum(y[o0:], cum_y[1:])
    cum_bad = np.zeros((n_days - o0 + 1, c), F32)
    bad = 1 - v[o0:]
    if open_ext is not None:
        bad *= open_ext[o0:n_days, None]  # a closed day is no censored day
    _running_sum(bad, cum_bad[1:])
    del bad
    # the totals that came: from ``actual`` (c, T) when the forecasts saw a cleaned history
    if actual is None:
        cum_a = cum_y
    else:
        cum_a = np.zeros_like(cum_y)
        _running_sum((actual[:, o0:].T * v[o0:]).astype(np.float64), cum_a[1:])

    cp = np.empty((hmax, c))  # one buffer for every origin's running sums

    def totals(o: int) -> np.ndarray:
        path = _chosen_path(
            snaps[o], sel.method, o, hmax, sba_factor, params.weekly_shrink, open_slots
        )
        if open_ext is not None:
            path *= open_ext[o : o + hmax, None]
        _running_sum(path, cp)
        return cp[total_days - 1, cols[:, None]]  # (c, H)

    def recent(o: int) -> np.ndarray:
        a = max(o - RECENT_DAYS, o0)
        used = (o - a) - (cum_bad[o - o0] - cum_bad[a - o0])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(used > 0, (cum_y[o - o0] - cum_y[a - o0]) / used, np.nan)

    end = totals(n_days)
    rec = np.full((c, len(t_origins)), np.nan, F32)
    k = len(t_origins)
    pf = np.full((c, k, n_h), np.nan, F32)
    pa = np.full((c, k, n_h), np.nan, F32)
    age = np.full((c, k), -1, np.int32)
    for j, o in enumerate(t_origins):
        age[:, j] = o - first_sale
        stop = o + total_days  # (c, H)
        inside = stop <= n_days
        stop_c = np.minimum(stop, n_days) - o0
        act = cum_a[stop_c, cols[:, None]] - cum_a[o - o0][:, None]
        bad = cum_bad[stop_c, cols[:, None]] - cum_bad[o - o0][:, None]
        ok = inside & (bad < 0.5) & (first_sale < o)[:, None] & (snaps[o].n_valid > 0)[:, None]
        rec[:, j] = recent(o)
        if ok.any():
            f = totals(o)
            pf[:, j] = np.where(ok, f, np.nan)
            pa[:, j] = np.where(ok, act, np.nan)
    return dataclasses.replace(
        sel,
        total_end=end,
        pair_forecast=pf,
        pair_actual=pa,
        pair_age=age,
        recent_end=recent(n_days).astype(F32),
        pair_recent=rec,
    )


def _profile(
    weekday_levels: np.ndarray, shrink: float = 0.0, open_slots: np.ndarray | None = None
) -> np.ndarray:
    """(7, c) weekday levels -> (7, c) multipliers averaging 1 (ones where no demand),
    shrunk towards 1: p = (1 − shrink)·level_d / mean_d + shrink.  With ``open_slots`` (7,)
    bool the mean is over the open slots and a closed slot is 0 (the multipliers then
    average 1 over the open days, like the per-open-day levels they multiply)."""
    wl = np.maximum(weekday_levels, 0)
    if open_slots is None or open_slots.all():
        m = wl.mean(axis=0, keepdims=True)
        raw = np.where(m > 0, wl / np.where(m > 0, m, 1), 1)
        return ((1 - shrink) * raw + shrink).astype(F32)
    ok = np.asarray(open_slots, bool)[:, None]
    m = np.where(ok, wl, 0).sum(axis=0, keepdims=True) / max(int(ok.sum()), 1)
    raw = np.where(m > 0, wl / np.where(m > 0, m, 1), 1)
    return np.where(ok, (1 - shrink) * raw + shrink, 0).astype(F32)


_WEEKLY_BASE = {
    M_SES_WEEKLY: M_SES,
    M_SBA_WEEKLY: M_SBA,
    M_TSB_WEEKLY: M_TSB,
    M_COMBO_WEEKLY: M_COMBO,
}
_FLAT = (M_SES, M_CROSTON, M_SBA, M_TSB, M_COMBO)


def _flat_values(sn: _Snap, sba_factor: float) -> dict[int, np.ndarray]:
    sba = sn.croston * F32(sba_factor)
    return {
        M_SES: sn.ses,
        M_CROSTON: sn.croston,
        M_SBA: sba,
        M_TSB: sn.tsb,
        M_COMBO: (sn.ses + sba + sn.tsb) / F32(3),
    }


def _damping(phi: np.ndarray, horizon: int) -> np.ndarray:
    """(φ + … + φᵏ) for k = 1 … horizon: (horizon, 1) when φ is uniform, else (horizon, c)."""
    phi = np.asarray(phi, F32)
    if phi.size == 0 or np.all(phi == phi.flat[0]):
        p0 = float(phi.flat[0]) if phi.size else 1.0
        return np.cumsum(p0 ** np.arange(1, horizon + 1, dtype=np.float64)).astype(F32)[:, None]
    out = np.empty((horizon, phi.shape[0]), F32)
    pk = phi.copy()
    acc = np.zeros_like(phi)
    for k in range(horizon):
        acc += pk
        out[k] = acc
        pk *= phi
    return out


def _trend_path(level, trend, phi, seas, start: int, horizon: int) -> np.ndarray:
    """l + (φ + … + φᵏ)·b [+ s_slot] for k = 1 … horizon, clipped at 0: (horizon, c)."""
    path = level + _damping(phi, horizon) * trend
    if seas is not None:
        path += seas[(start + np.arange(horizon)) % 7]
    return np.maximum(path, 0, out=path)


def _chosen_path(
    sn: _Snap,
    method: np.ndarray,
    start: int,
    horizon: int,
    sba_factor: float,
    shrink: float = 0.0,
    open_slots: np.ndarray | None = None,
) -> np.ndarray:
    """Forecast path (horizon, c) of each SKU's chosen method from snapshot ``sn`` (per open
    day: the caller zeroes the closed days)."""
    flat = _flat_values(sn, sba_factor)
    base = method.copy()
    for wm, bm in _WEEKLY_BASE.items():
        base[method == wm] = bm
    level = np.zeros_like(sn.ses)
    for m in _FLAT:
        np.copyto(level, flat[m], where=base == m)
    weekly = np.isin(method, list(_WEEKLY_BASE))
    slots = (start + np.arange(horizon)) % 7
    if weekly.any():
        path = level * np.where(
            weekly[None, :], _profile(sn.weekday, shrink, open_slots)[slots], F32(1)
        )
    else:
        path = np.repeat(level[None, :], horizon, axis=0)
    for m in (M_HOLT, M_HW):
        idx = np.flatnonzero(method == m)
        if idx.size:
            if m == M_HOLT:
                tp = _trend_path(sn.holt_l[idx], sn.holt_b[idx], sn.holt_phi[idx], None, 0, horizon)
            else:
                tp = _trend_path(
                    sn.hw_l[idx], sn.hw_b[idx], sn.hw_phi[idx], sn.hw_s[:, idx], start, horizon
                )
            path[:, idx] = tp
    return np.maximum(path, 0, out=path)


def _all_paths(
    sn: _Snap,
    start: int,
    horizon: int,
    sba_factor: float,
    shrink: float,
    open_slots: np.ndarray | None = None,
) -> np.ndarray:
    """Paths of every candidate: (M, horizon, c)."""
    c = sn.ses.shape[0]
    out = np.empty((N_METHODS, horizon, c), F32)
    for m in range(N_METHODS):
        method = np.full(c, m, np.int8)
        out[m] = _chosen_path(sn, method, start, horizon, sba_factor, shrink, open_slots)
    return out


def _evaluate(
    y: np.ndarray,
    v: np.ndarray,
    first: np.ndarray,
    snaps: dict[int, _Snap],
    origins: list[int],
    demand_class: np.ndarray,
    params: PlanParams,
    end_weekday: int,
    mae_scale: np.ndarray,
    mse_scale: np.ndarray,
    open_ext: np.ndarray | None = None,
    open_slots: np.ndarray | None = None,
) -> ForecastSelection:
    """Holdout errors of every candidate (pooled over origins), selection, final forecast.

    Flat and weekly-profile candidates use window sums: Σw(f−y)² = f²Σw − 2fΣwy + Σwy² per
    weekday slot, so only the trend models need full (days × SKUs) error arrays.
    """
    n_days, c = y.shape
    sba_factor = 1.0 - params.croston_alpha / 2.0
    shrink = params.weekly_shrink
    f64 = np.float64
    sum_e = np.zeros((N_METHODS, c), f64)
    sum_se = np.zeros((N_METHODS, c), f64)
    sum_ae = np.zeros((N_METHODS, c), f64)  # only filled for the MASE metric
    count = np.zeros(c, f64)
    weights: dict[int, np.ndarray] = {}
    by_mase = params.selection_metric == "mase"
    for o in origins:
        h = n_days - o
        usable = snaps[o].n_valid >= params.min_history_days
        w = v[o:] * usable  # (h, c)
        weights[o] = w
        yo = y[o:]
        count += w.sum(axis=0, dtype=f64)
        sn = snaps[o]
        if by_mase:
            e = (_all_paths(sn, o, h, sba_factor, shrink, open_slots) - yo) * w
            sum_e += e.sum(axis=1, dtype=f64)
            sum_ae += np.abs(e).sum(axis=1, dtype=f64)
            sum_se += np.einsum("mhc,mhc->mc", e, e, dtype=f64)
            continue
        wy = w * yo
        wy2 = wy * yo
        slots = (o + np.arange(h)) % 7
        s_w = np.zeros((7, c), f64)
        s_wy = np.zeros((7, c), f64)
        s_wy2 = np.zeros((7, c), f64)
        for sl in range(7):
            rows = slots == sl
            if rows.any():
                s_w[sl] = w[rows].sum(axis=0, dtype=f64)
                s_wy[sl] = wy[rows].sum(axis=0, dtype=f64)
                s_wy2[sl] = wy2[rows].sum(axis=0, dtype=f64)
        t_w, t_wy, t_wy2 = s_w.sum(axis=0), s_wy.sum(axis=0), s_wy2.sum(axis=0)
        flat = {m: f.astype(f64) for m, f in _flat_values(sn, sba_factor).items()}
        prof = _profile(sn.weekday, shrink, open_slots).astype(f64)
        for m in _FLAT:
            f = flat[m]
            sum_se[m] += f * f * t_w - 2 * f * t_wy + t_wy2
            sum_e[m] += f * t_w - t_wy
        for wm, bm in _WEEKLY_BASE.items():
            fs = flat[bm] * prof  # (7, c)
            sum_se[wm] += (fs * fs * s_w - 2 * fs * s_wy + s_wy2).sum(axis=0)
            sum_e[wm] += (fs * s_w - s_wy).sum(axis=0)
        uniform = len(params.holt_params) == 1 and len(params.hw_params) == 1
        if not uniform:
            for m in (M_HOLT, M_HW):
                mm = np.full(c, m, np.int8)
                e = (_chosen_path(sn, mm, o, h, sba_factor, shrink, open_slots) - yo) * w
                sum_se[m] += np.einsum("hc,hc->c", e, e, dtype=f64)
                sum_e[m] += e.sum(axis=0, dtype=f64)
            continue
        # f_k = l + D_k·b (+ s_slot): expand Σw(f − y)² with window sums (unclipped forecasts,
        # which can only overstate the error of a trend model since y ≥ 0)
        for m, lvl, trd, phi, seas in (
            (M_HOLT, sn.holt_l, sn.holt_b, sn.holt_phi, None),
            (M_HW, sn.hw_l, sn.hw_b, sn.hw_phi, sn.hw_s),
        ):
            dk = _damping(phi, h)[:, 0].astype(f64)  # (h,)
            wd = w * dk[:, None].astype(F32)
            t_wd = wd.sum(axis=0, dtype=f64)
            t_wd2 = (wd * dk[:, None].astype(F32)).sum(axis=0, dtype=f64)
            t_wyd = (wd * yo).sum(axis=0, dtype=f64)
            lv, tr = lvl.astype(f64), trd.astype(f64)
            se = (
                lv * lv * t_w
                + 2 * lv * tr * t_wd
                + tr * tr * t_wd2
                - 2 * lv * t_wy
                - 2 * tr * t_wyd
                + t_wy2
            )
            me = lv * t_w + tr * t_wd - t_wy
            if seas is not None:
                s_wd = np.zeros((7, c), f64)
                for sl in range(7):
                    rows = slots == sl
                    if rows.any():
                        s_wd[sl] = wd[rows].sum(axis=0, dtype=f64)
                ss = seas.astype(f64)
                se += (ss * ss * s_w + 2 * ss * (lv * s_w + tr * s_wd) - 2 * ss * s_wy).sum(axis=0)
                me += (ss * s_w).sum(axis=0)
            sum_se[m] += se
            sum_e[m] += me
    np.maximum(sum_se, 0, out=sum_se)  # rounding of the expanded squares

    # selection (ties resolve to the lowest method code)
    allowed = np.asarray(params.allowed, bool)[np.asarray(demand_class, np.intp)]  # (c, M)
    crit = np.where(allowed.T, sum_ae if by_mase else sum_se, np.inf)
    best = np.argmin(crit, axis=0)
    default = np.where(np.isin(demand_class, (INTERMITTENT, LUMPY)), M_SBA, M_SES)
    method = np.where(count > 0, best, default).astype(np.int8)
    mi = method.astype(np.intp)[None, :]

    sel_se = np.take_along_axis(sum_se, mi, axis=0)[0]
    sel_e = np.take_along_axis(sum_e, mi, axis=0)[0]
    if by_mase:
        sel_ae = np.take_along_axis(sum_ae, mi, axis=0)[0]
    else:
        sel_ae = np.zeros(c, f64)
        for o in origins:
            path = _chosen_path(snaps[o], method, o, n_days - o, sba_factor, shrink, open_slots)
            e = (path - y[o:]) * weights[o]
            sel_ae += np.abs(e).sum(axis=0, dtype=f64)

    # final forecast from the end of the history
    horizon = max(1, params.horizon_days)
    path = _chosen_path(
        snaps[n_days], method, n_days, max(horizon, 7), sba_factor, shrink, open_slots
    )
    by_slot = np.empty((7, c), F32)
    by_slot[(n_days + np.arange(7)) % 7] = path[:7]
    if open_slots is not None:
        by_slot *= open_slots[:, None]  # the weekly pattern (future one-off closures aside)
        path *= open_ext[n_days : n_days + path.shape[0], None]
    fmean = path[:horizon].mean(axis=0, dtype=f64)
    wd = by_slot[_slot_to_weekday(n_days, end_weekday)]  # (7, c) Monday..Sunday
    m7 = wd.mean(axis=0)
    prof = np.where(m7 > 0, wd / np.where(m7 > 0, m7, 1), 1).T.astype(F32)
    flat = ~np.isin(method, list(SEASONAL_METHODS))
    if open_slots is None:
        prof[flat] = 1
    else:  # a flat forecast per open day: closed weekdays 0, the open ones share the week
        ow = open_slots[_slot_to_weekday(n_days, end_weekday)].astype(F32)
        prof[flat] = ow / ow.mean()

    with np.errstate(divide="ignore", invalid="ignore"):
        mse = np.where(count > 0, sel_se / count, np.nan)
        mae = np.where(count > 0, sel_ae / count, np.nan)
        me = np.where(count > 0, sel_e / count, np.nan)
        ok_mae = mae_scale > 0
        ok_mse = mse_scale > 0
        mase = np.where(ok_mae, mae / np.where(ok_mae, mae_scale, 1), np.nan)
        rmsse = np.where(ok_mse, np.sqrt(mse / np.where(ok_mse, mse_scale, 1)), np.nan)
        bias = np.where(ok_mae, me / np.where(ok_mae, mae_scale, 1), np.nan)

    # sd of the daily error: holdout RMSE, else the sd of the usable history; Poisson floor
    sd = np.sqrt(np.nan_to_num(mse))
    if np.any(count == 0):
        n_v = v.sum(axis=0, dtype=f64)
        yv = y * v
        s1 = yv.sum(axis=0, dtype=f64)
        s2 = np.einsum("tc,tc->c", yv, yv, dtype=f64)
        with np.errstate(divide="ignore", invalid="ignore"):
            hist_var = np.where(n_v > 1, (s2 - s1 * s1 / np.maximum(n_v, 1)) / (n_v - 1), 0)
        sd = np.where(count > 0, sd, np.sqrt(np.maximum(hist_var, 0)))
    sd = np.maximum(sd, np.sqrt(np.maximum(fmean, 0)))
    no_data = first >= n_days
    fmean = np.where(no_data, 0, fmean)
    sd = np.where(no_data, 0, sd)
    return ForecastSelection(
        method=method,
        forecast_mean=fmean.astype(F32),
        forecast_sd=sd.astype(F32),
        weekly_profile=prof,
        mase=mase.astype(F32),
        rmsse=rmsse.astype(F32),
        bias=bias.astype(F32),
        n_holdout_days=count.astype(np.int32),
    )
