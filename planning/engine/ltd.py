"""Demand over a protection period, estimated from the data (rolling-origin P-day totals).

The daily forecast error scaled by √P assumes independent days; real demand has level shifts,
autocorrelation and overdispersion, so the spread of a P-day total is far wider.  Here the
distribution of the total is read off what happened after past forecasts:

1. **Pairs.** At weekly origins o before the end of the history (``selection``), the SKU's
   chosen method forecast a P-day total F_o; the actual total over the P usable days from o is
   A_o (windows with a censored day are left out).  The forecasts see a history with spikes
   clipped (a spike is no new level); A_o is the demand that came, spikes included, because
   the promise is about that demand and large orders recur (``_grid_of`` caps the few largest
   ratios of a pool, so one huge order does not lift the whole pool).
2. **Pools.**  A pair belongs to a pool: SKU kind (its demand class from the days before o, not
   the end class, which the pair's own actual total helped to make; or "launch" / "young"
   when the first sale was under 14 / 56 days before o) × velocity bucket of F_o (factors of 2) ×
   recent-demand bucket (the mean daily demand of the 28 days before o, times P, against F_o:
   ≤ 0.35, ≤ 0.7, ≤ 1/0.7, ≤ 1/0.35, above, or no usable day).  A pool's distribution is the
   empirical distribution of the ratio A/F (conformal-style: no shape assumed, so
   overdispersion, the zero mass of slow movers and level shifts are in it; F below
   ``ZERO_F`` units is read as "no forecast" and A itself is pooled).  The recent bucket is a
   learned level correction: how far totals ran above or below forecasts that lagged recent
   sales.  Thin pools are shrunk towards the neighbouring velocity buckets of their kind, and
   those towards the same buckets over all kinds (quantile averaging, weights n : ``POOL_PRIOR``),
   and an all-kind bucket with under ``POOL_PRIOR`` pairs towards its nearest filled buckets;
   for launches the all-kind pools are first scaled by the launches' own level
   (``kind_levels``), because their forecasts run low as a kind.
3. **Own level (optional, off by default).**  With ``own_prior`` κ a SKU's own pairs correct
   its level: own = (ΣA + κ·ē) / (ΣE + κ·ē), E the pool mean of each pair and ē their mean, A
   clipped at the pool's 99.5 % ratio or 4 × its mean (a spike is a spike, not a new level).
   Measured on Online Retail (bench/calibration.py) it moved bias towards 0 but cost coverage
   (80 % quantile within ±3 points in 4 of 24 cells with κ = 6, against 12 without), so the
   plan leaves it off.  The SKU's total is X = s·R with s = F_end·own and R the ratio of the
   pool of its end forecast.
4. **Lead-time variability.** The pairs have a fixed P; a lead-time sd σL adds d²·σL² to the
   variance, applied by widening X about its mean: X' = μ + w·(X − μ), w = √(1 + d²σL²/Var X).
5. **Level drift.** The pools pool about 13 weekly origins; when the shop ramps up the latest
   origins ran above that average.  ``fit_pools`` with the pairs' origin ages measures the
   drift λ (``drift.level_drift``: recency-weighted Σ A ÷ Σ E over the plain one), and every
   total read off the table is λ·s·R.

Each distribution is held as ``GRID_SIZE`` quantiles at the mid-levels (j + ½)/``GRID_SIZE``,
so quantiles, tail probabilities and the loss function E[(X − x)⁺] are interpolations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .drift import level_drift

GRID_SIZE = 200
GRID = (np.arange(GRID_SIZE) + 0.5) / GRID_SIZE
#: Forecast totals below this (units) are "no forecast": the pool holds A itself.
ZERO_F = 1e-3
#: Velocity buckets: floor(log2 F) + ``_B0`` clipped to 1 … ``N_BUCKETS`` − 1; bucket 0 = no forecast.
N_BUCKETS = 22
_B0 = 8
#: Kinds: demand classes 0 … 4, then launch (< 14 days since the first sale) and young (< 56).
N_KINDS = 7
KIND_LAUNCH, KIND_YOUNG = 5, 6
LAUNCH_DAYS, YOUNG_DAYS = 14, 56
#: Kinds whose pools shrink towards the all-kind pools at the kind's own level (``kind_levels``;
#: every kind was measured and left out: no better where it was chosen, worse held out).
LEVEL_KINDS: tuple[int, ...] = (KIND_LAUNCH,)
#: Recent demand ÷ forecast: bucket edges (then one bucket for "no recent usable day").
RECENT_EDGES: tuple[float, ...] = (0.35, 0.7, 1 / 0.7, 1 / 0.35)
N_RECENT = len(RECENT_EDGES) + 2
POOL_PRIOR = 200.0
CLIP_LEVEL = 0.995
CLIP_MEAN = 4.0
#: Ratios of a pool whose excess over the next one is left out of its mean.
TOP_CAPPED = 5
TOP_CAP_FACTOR = 4.0


def velocity_bucket(total: np.ndarray) -> np.ndarray:
    """Bucket of a forecast total (0 = no forecast)."""
    f = np.asarray(total, np.float64)
    with np.errstate(divide="ignore"):
        b = np.floor(np.log2(np.maximum(f, ZERO_F))) + _B0
    return np.where(f < ZERO_F, 0, np.clip(b, 1, N_BUCKETS - 1)).astype(np.intp)


def kind_of(
    demand_class: np.ndarray, age_days: np.ndarray, has_sale: np.ndarray | bool = True
) -> np.ndarray:
    """Pool kind per SKU (or pair): the demand class, or launch / young by the first sale's
    age in days; −1 where there was no sale."""
    age = np.asarray(age_days)
    k = np.asarray(demand_class, np.intp)
    k = np.where(age < YOUNG_DAYS, KIND_YOUNG, k)
    k = np.where(age < LAUNCH_DAYS, KIND_LAUNCH, k)
    return np.where(has_sale, k, -1)


def _reference(total: np.ndarray) -> np.ndarray:
    """Scale the ratio is taken against: F, or 1 unit for no forecast."""
    f = np.asarray(total, np.float64)
    return np.where(f < ZERO_F, 1.0, f)


def _capped(r: np.ndarray) -> np.ndarray:
    """``r`` with its k = min(``TOP_CAPPED``, n // 2) largest values capped at
    ``TOP_CAP_FACTOR`` × the next one."""
    k = min(TOP_CAPPED, r.size // 2)
    if not k:
        return r
    return np.minimum(r, TOP_CAP_FACTOR * np.partition(r, r.size - k - 1)[r.size - k - 1])


def _grid_of(r: np.ndarray) -> np.ndarray:
    """Grid quantiles of a sample whose mean is the sample mean, after the k = min(
    ``TOP_CAPPED``, n // 2) largest ratios are capped at ``TOP_CAP_FACTOR`` × the next one.
    The top cell (levels above 1 − 1/GRID_SIZE) carries the far tail, so the large orders that
    recur stay in the mean; one huge order (it sits in up to P/7 overlapping windows) is
    capped, so it does not lift the mean of every SKU in its pool."""
    r = _capped(r)
    g = np.quantile(r, GRID)
    g[-1] = max(g[-1], GRID_SIZE * float(r.mean()) - float(g[:-1].sum()))
    return g


def _blend(q: np.ndarray, n: np.ndarray, prior_q: np.ndarray) -> np.ndarray:
    w = (n / (n + POOL_PRIOR))[..., None]
    return w * q + (1 - w) * prior_q


@dataclass(frozen=True)
class PoolTable:
    """Ratio quantiles (N_KINDS, N_BUCKETS, N_RECENT, GRID_SIZE) after shrinkage, pairs per
    pool (N_KINDS, N_BUCKETS, N_RECENT), and the level drift λ of the latest origins
    (``drift.level_drift``; 1 = none), which scales every total read off the table."""

    ratio: np.ndarray
    count: np.ndarray
    drift: float = 1.0

    @property
    def mean(self) -> np.ndarray:
        return self.ratio.mean(axis=-1)


def recent_bucket(recent_daily: np.ndarray, forecast: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Bucket of recent demand against the forecast: r = recent daily mean × P ÷ F (F, or 1
    unit for no forecast) cut at ``RECENT_EDGES``; the last bucket = no recent usable day."""
    rd = np.asarray(recent_daily, np.float64)
    with np.errstate(invalid="ignore"):
        r = rd * np.asarray(days, np.float64) / _reference(forecast)
    b = np.searchsorted(np.asarray(RECENT_EDGES), np.nan_to_num(r), side="right")
    return np.where(np.isfinite(rd), b, N_RECENT - 1).astype(np.intp)


def fit_pools(
    forecast: np.ndarray,
    actual: np.ndarray,
    kind: np.ndarray,
    recent: np.ndarray | None = None,
    weeks: np.ndarray | None = None,
) -> PoolTable:
    """Pool tables from flat arrays of pairs (F, A, kind, recent bucket, origin age in weeks);
    non-finite pairs are ignored (``recent`` None: every pair in the "no recent day" bucket;
    ``weeks`` None: no level drift)."""
    f = np.asarray(forecast, np.float64).ravel()
    a = np.asarray(actual, np.float64).ravel()
    k = np.asarray(kind, np.intp).ravel()
    rb = (
        np.full(f.shape, N_RECENT - 1, np.intp)
        if recent is None
        else np.asarray(recent, np.intp).ravel()
    )
    wk = None if weeks is None else np.asarray(weeks, np.float64).ravel()
    ok = np.isfinite(f) & np.isfinite(a) & (k >= 0)
    f, a, k, rb = f[ok], np.maximum(a[ok], 0), k[ok], rb[ok]
    b = velocity_bucket(f)
    r = a / _reference(f)
    V, R = N_BUCKETS, N_RECENT
    count = np.zeros((N_KINDS, V, R))
    fine = np.zeros((N_KINDS, V, R, GRID_SIZE))
    for code, rows in _groups((k * V + b) * R + rb):
        kk, rest = divmod(code, V * R)
        bb, r0 = divmod(rest, R)
        count[kk, bb, r0] = rows.size
        fine[kk, bb, r0] = _grid_of(r[rows])
    # over all kinds: per (bucket, recent), else per bucket, else the nearest filled bucket
    by_v = np.zeros((V, GRID_SIZE))
    n_v = np.zeros(V)
    for bb, rows in _groups(b):
        by_v[bb], n_v[bb] = _grid_of(r[rows]), rows.size
    filled = np.flatnonzero(n_v > 0)
    if filled.size:
        by_v = _shrink_thin_buckets(by_v, n_v, filled)
        for bb in np.flatnonzero(n_v == 0):
            by_v[bb] = by_v[filled[np.argmin(np.abs(filled - bb))]]
    else:  # nothing to learn from: the forecast is the promise (no forecast: no demand)
        by_v[1:] = 1.0
    glob = np.repeat(by_v[:, None, :], R, axis=1)
    n_g = np.zeros((V, R))
    for code, rows in _groups(b * R + rb):
        bb, r0 = divmod(code, R)
        n_g[bb, r0] = rows.size
        glob[bb, r0] = _blend(_grid_of(r[rows]), np.asarray(float(rows.size)), by_v[bb])
    # a kind over neighbouring velocity buckets, shrunk to all kinds at the kind's own level
    out = np.empty_like(fine)
    level = kind_levels(r, k, b, glob.mean(axis=-1)[b, rb])
    for kk in range(N_KINDS):
        prior = glob.copy()
        prior[1:] *= level[kk]
        for bb in range(V):
            nb = slice(max(bb - 1, 0 if bb == 0 else 1), bb + 2 if bb else 1)
            n2 = count[kk, nb].sum(axis=0)  # (R,)
            with np.errstate(invalid="ignore", divide="ignore"):
                q2 = (fine[kk, nb] * count[kk, nb, :, None]).sum(axis=0) / n2[:, None]
            q2 = np.where(n2[:, None] > 0, q2, prior[bb])
            q2 = _blend(q2, n2, prior[bb])
            out[kk, bb] = _blend(fine[kk, bb], count[kk, bb], q2)
    # float32 precision is plenty, and it keeps the tables small to carry between processes
    out = out.astype(np.float32).astype(np.float64)
    drift = 1.0
    if wk is not None and f.size:
        drift = level_drift(_reference(f) * out.mean(axis=-1)[k, b, rb], a, wk[ok])
    return PoolTable(ratio=out, count=count, drift=drift)


def _shrink_thin_buckets(by_v: np.ndarray, n_v: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """All-kind velocity pools with under ``POOL_PRIOR`` pairs shrunk (weights n :
    ``POOL_PRIOR``) towards the other filled buckets nearest to them, taken in order of
    distance until they hold ``POOL_PRIOR`` pairs (count-weighted): the all-kind pool is the
    last prior, so without this a bucket holding one SKU's pairs alone (a launch far above the
    catalogue's other forecasts, with nothing sold since) would be that SKU's own ratio, 0
    included."""
    out = by_v.copy()
    for bb in filled[n_v[filled] < POOL_PRIOR]:
        other = filled[filled != bb]
        if not other.size:
            continue
        order = other[np.argsort(np.abs(other - bb), kind="stable")]
        took = np.cumsum(n_v[order])
        near = order[: int(np.searchsorted(took, POOL_PRIOR)) + 1]
        prior = (by_v[near] * n_v[near, None]).sum(axis=0) / n_v[near].sum()
        out[bb] = _blend(by_v[bb], np.asarray(float(n_v[bb])), prior)
    return out


def kind_levels(
    ratio: np.ndarray, kind: np.ndarray, bucket: np.ndarray, expected: np.ndarray
) -> np.ndarray:
    """Level λ of each of ``LEVEL_KINDS`` (1 for the others): how far its totals ran above or
    below the all-kind pools of their velocity and recent bucket, λ = Σ capped ratio ÷ Σ
    expected ratio over the kind's pairs with a forecast, shrunk to 1 by n / (n +
    ``POOL_PRIOR``).  A launch's forecast counts the kept days before its first sale, so
    launches run low as a kind (Σ A ÷ Σ F 2.5–2.7 on Online Retail), and a thin launch pool
    shrunk to the all-kind pools would lose that; the prior of its pools is the all-kind
    pools × λ."""
    out = np.ones(N_KINDS)
    for kk, rows in _groups(np.where((bucket > 0) & np.isin(kind, LEVEL_KINDS), kind, -1)):
        if kk < 0:
            continue
        e = float(expected[rows].sum())
        if e > 0:
            lam = float(_capped(ratio[rows]).sum()) / e
            w = rows.size / (rows.size + POOL_PRIOR)
            out[kk] = w * lam + (1 - w)
    return out


def _groups(code: np.ndarray):
    """(code, indices) of every distinct value of ``code``."""
    order = np.argsort(code, kind="stable")
    cs = code[order]
    bounds = np.flatnonzero(np.diff(cs)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, cs.size], strict=True):
        if hi > lo:
            yield int(cs[lo]), order[lo:hi]


@dataclass(frozen=True)
class TotalDistribution:
    """Distribution of each SKU's demand total over a period: X = μ + w·(s·R − μ)⁺-ish.

    scale s (n,), widen w (n,), mean μ (n,), and ``table`` (n_rows, GRID_SIZE) ratio quantiles
    with ``row`` (n,) the row of each SKU.  Quantiles are clipped at 0.
    """

    scale: np.ndarray
    widen: np.ndarray
    mean: np.ndarray
    table: np.ndarray
    row: np.ndarray

    def grid(self, idx: slice = slice(None)) -> np.ndarray:
        """(m, GRID_SIZE) quantiles of the SKUs ``idx`` at ``GRID``, units (built once)."""
        full = self.__dict__.get("_grid")
        if full is None:
            full = np.empty((self.scale.shape[0], GRID_SIZE))
            for sl in _chunks(full.shape[0]):
                s, w, m = self.scale[sl, None], self.widen[sl, None], self.mean[sl, None]
                q = self.table[self.row[sl]]
                q *= s
                q -= m
                q *= w
                q += m
                full[sl] = np.maximum(q, 0, out=q)
            object.__setattr__(self, "_grid", full)
        return full[idx]

    def quantile(self, levels: np.ndarray) -> np.ndarray:
        """Quantiles at ``levels`` (n,) or (n, k), by interpolation over the grid."""
        lv = np.asarray(levels, np.float64)
        flat = lv.ndim == 1
        lv = lv[:, None] if flat else lv
        out = np.empty(lv.shape)
        for sl in _chunks(lv.shape[0]):
            g = self.grid(sl)
            out[sl] = _interp_rows(lv[sl], GRID, g)
        return out[:, 0] if flat else out

    def sf(self, x: np.ndarray) -> np.ndarray:
        """P(X > x) per SKU (x (n,), units)."""
        x = np.asarray(x, np.float64)
        out = np.empty(x.shape)
        for sl in _chunks(x.shape[0]):
            g = self.grid(sl)
            # share of grid quantiles above x (a step function of the empirical grid)
            out[sl] = (g > x[sl, None]).mean(axis=1)
        return out

    def loss(self, x: np.ndarray) -> np.ndarray:
        """E[(X − x)⁺] per SKU, units."""
        x = np.asarray(x, np.float64)
        out = np.empty(x.shape)
        for sl in _chunks(x.shape[0]):
            g = self.grid(sl)
            out[sl] = np.maximum(g - x[sl, None], 0).mean(axis=1)
        return out

    def inverse_loss(self, target: np.ndarray) -> np.ndarray:
        """Smallest x ≥ 0 with E[(X − x)⁺] ≤ target (piecewise linear in x between grid points)."""
        t = np.asarray(target, np.float64)
        out = np.empty(t.shape)
        for sl in _chunks(t.shape[0]):
            g = self.grid(sl)  # sorted along axis 1
            # loss at each grid point x = g_j: mean of (g − g_j)⁺
            tail = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]  # Σ_{i ≥ j} g_i
            j = np.arange(GRID_SIZE)
            loss_g = (tail - (GRID_SIZE - j) * g) / GRID_SIZE  # decreasing in j
            loss0 = np.maximum(g.mean(axis=1), 0)  # loss at x = 0 (g ≥ 0)
            xs = np.concatenate([np.zeros((g.shape[0], 1)), g], axis=1)
            ls = np.concatenate([loss0[:, None], loss_g], axis=1)
            out[sl] = _interp_rows(-t[sl, None], -ls, xs)[:, 0]
        return out

    def sd(self) -> np.ndarray:
        out = np.empty(self.scale.shape)
        for sl in _chunks(out.shape[0]):
            out[sl] = self.grid(sl).std(axis=1)
        return out


def _chunks(n: int, size: int = 16384):
    for s in range(0, n, size):
        yield slice(s, min(n, s + size))


def _interp_rows(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Row-wise linear interpolation: x (m, k), xp (G,) or (m, G) increasing, fp (m, G)."""
    xp2 = np.broadcast_to(xp, fp.shape)
    out = np.empty(x.shape)
    for j in range(x.shape[1]):
        # index of the knot at or left of x (per row), then linear inside the segment
        i = np.sum(xp2 <= x[:, j : j + 1], axis=1) - 1
        i = np.clip(i, 0, fp.shape[1] - 2)
        r = np.arange(fp.shape[0])
        x0, x1 = xp2[r, i], xp2[r, i + 1]
        y0, y1 = fp[r, i], fp[r, i + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(x1 > x0, (x[:, j] - x0) / (x1 - x0), 0.0)
        out[:, j] = y0 + np.clip(u, 0, 1) * (y1 - y0)
    return out


def total_distribution(
    pools: PoolTable,
    forecast_end: np.ndarray,
    kind_end: np.ndarray,
    pair_forecast: np.ndarray,
    pair_actual: np.ndarray,
    pair_kind: np.ndarray,
    days: np.ndarray,
    lead_time_sd: np.ndarray,
    recent_end: np.ndarray | None = None,
    pair_recent: np.ndarray | None = None,
    own_prior: float | None = None,
) -> TotalDistribution:
    """Per-SKU distribution of the total over ``days`` (see the module docstring).

    forecast_end (n,) the end forecast total; kind_end (n,); pairs (n, K) (NaN = none);
    days (n,) the period; lead_time_sd (n,) σL in days.
    """
    fe = np.asarray(forecast_end, np.float64)
    n = fe.shape[0]
    pf = np.asarray(pair_forecast, np.float64).reshape(n, -1)
    pa = np.asarray(pair_actual, np.float64).reshape(n, -1)
    pk = np.asarray(pair_kind, np.intp).reshape(n, -1)
    ok = np.isfinite(pf) & np.isfinite(pa) & (pk >= 0)
    dd = np.asarray(days, np.float64)
    pb = velocity_bucket(np.where(ok, pf, 0))
    pkc = np.where(ok, pk, 0)
    prb = (
        np.full(pb.shape, N_RECENT - 1, np.intp)
        if pair_recent is None
        else recent_bucket(np.asarray(pair_recent).reshape(n, -1), np.where(ok, pf, 0), dd[:, None])
    )
    ref = _reference(np.where(ok, pf, 1))
    pmean = pools.mean[pkc, pb, prb]
    e = np.where(ok, ref * pmean, 0)
    top = pools.ratio[pkc, pb, prb, int(CLIP_LEVEL * GRID_SIZE) - 1]
    cap = np.where(ok, ref * np.maximum(top, CLIP_MEAN * pmean), 0)
    a = np.where(ok, np.minimum(np.maximum(pa, 0), cap), 0)
    n_ok = ok.sum(axis=1)
    e_bar = np.where(n_ok > 0, e.sum(axis=1) / np.maximum(n_ok, 1), 0)
    if own_prior is None:
        own = np.ones(n)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            own = (a.sum(axis=1) + own_prior * e_bar) / (e.sum(axis=1) + own_prior * e_bar)
        own = np.where(np.isfinite(own) & (e_bar > 0), own, 1.0)
    kb = np.asarray(kind_end, np.intp)
    never = kb < 0  # no sale ever: nothing is promised
    bb = velocity_bucket(fe)
    rb = (
        np.full(bb.shape, N_RECENT - 1, np.intp)
        if recent_end is None
        else recent_bucket(recent_end, fe, dd)
    )
    row = np.where(never, 0, (kb * N_BUCKETS + bb) * N_RECENT + rb)
    table = pools.ratio.reshape(-1, GRID_SIZE)
    scale = np.where(never, 0.0, _reference(fe) * own * pools.drift)
    mean = scale * table.mean(axis=1)[row]
    var = (scale * table.std(axis=1)[row]) ** 2
    d = mean / np.maximum(dd, 1)
    extra = (d * np.asarray(lead_time_sd, np.float64)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        widen = np.where(var > 0, np.sqrt(1 + extra / var), 1.0)
    return TotalDistribution(scale=scale, widen=widen, mean=mean, table=table, row=row)
