"""Distributions of lead-time demand: standard normal loss, Poisson and negative binomial.

All functions are vectorised over SKUs (arrays in, arrays out, float64).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .schema import DIST_NEGBIN, DIST_NORMAL, DIST_POISSON

K_MIN, K_MAX = -6.0, 8.0


def normal_loss(k: np.ndarray) -> np.ndarray:
    """Standard normal loss G(k) = E[(Z − k)⁺] = φ(k) − k·(1 − Φ(k))."""
    k = np.asarray(k, dtype=np.float64)
    return stats.norm.pdf(k) - k * special.ndtr(-k)


def inverse_normal_loss(g: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Solve G(k) = g for k (vectorised Newton), clipped to [-6, 8].

    G is convex and strictly decreasing (G'(k) = Φ(k) − 1), so Newton started left of the
    root converges monotonically from the left; g ≥ G(−6) gives −6 and g ≤ G(8) gives 8.
    """
    g = np.asarray(g, dtype=np.float64)
    k = np.full(g.shape, K_MIN)
    active = g < normal_loss(K_MIN)
    for _ in range(iterations):
        if not active.any():
            break
        kk = k[active]
        f = normal_loss(kk) - g[active]
        step = f / special.ndtr(-kk)  # −f/G'(k)
        kk = np.minimum(kk + step, K_MAX)
        k[active] = kk
        done = (np.abs(step) < 1e-10) | (kk >= K_MAX)
        idx = np.flatnonzero(active)
        active[idx[done]] = False
    return np.clip(k, K_MIN, K_MAX)


def choose_distribution(
    mean: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson when Var ≤ mean, else negative binomial by moments.

    NB(r, p) with p = mean/Var and r = mean²/(Var − mean) (scipy's ``nbinom(n=r, p=p)``,
    mean r(1 − p)/p).  Returns (distribution code int8, r, p); r = p = nan for Poisson.
    """
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    nb = var > mean * (1 + 1e-9) + 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(nb, mean / np.where(nb, var, 1), np.nan)
        r = np.where(nb, mean * mean / np.where(nb, var - mean, 1), np.nan)
    dist = np.where(nb, DIST_NEGBIN, DIST_POISSON).astype(np.int8)
    return dist, r, p


def _sf(x: np.ndarray, dist: np.ndarray, mean: np.ndarray, r: np.ndarray, p: np.ndarray):
    """P(X > x) for integer x."""
    out = np.empty(np.shape(x))
    nb = dist == DIST_NEGBIN
    out[~nb] = stats.poisson.sf(x[~nb], mean[~nb])
    out[nb] = stats.nbinom.sf(x[nb], r[nb], p[nb])
    return out


def discrete_loss(
    s: np.ndarray, dist: np.ndarray, mean: np.ndarray, r: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """E[(X − s)⁺] for integer stock s (Poisson or NB per element).

    Poisson: mean·P(X ≥ s) − s·P(X > s).  NB(r, p): Σ_{x>s} x·f(x) = mean·P(Y ≥ s) with
    Y ~ NB(r + 1, p), so the loss is mean·P(Y ≥ s) − s·P(X > s).  For s < 0: mean − s.
    """
    s = np.asarray(s, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    out = np.empty(s.shape)
    neg = s < 0
    out[neg] = mean[neg] - s[neg]
    ok = ~neg & (mean > 0)
    out[~neg & ~(mean > 0)] = 0.0
    if ok.any():
        ss, dd, mm, rr, pp = s[ok], dist[ok], mean[ok], r[ok], p[ok]
        nb = dd == DIST_NEGBIN
        tail_y = np.empty(ss.shape)  # P(Y >= s) = P(Y > s - 1)
        tail_y[~nb] = stats.poisson.sf(ss[~nb] - 1, mm[~nb])
        tail_y[nb] = stats.nbinom.sf(ss[nb] - 1, rr[nb] + 1, pp[nb])
        out[ok] = np.maximum(mm * tail_y - ss * _sf(ss, dd, mm, rr, pp), 0.0)
    return out


def discrete_ppf(
    q: np.ndarray, dist: np.ndarray, mean: np.ndarray, r: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """Smallest integer s with P(X ≤ s) ≥ q (0 where mean ≤ 0)."""
    q = np.asarray(q, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    out = np.zeros(q.shape)
    ok = mean > 0
    nb = ok & (dist == DIST_NEGBIN)
    po = ok & ~nb
    out[po] = stats.poisson.ppf(q[po], mean[po])
    out[nb] = stats.nbinom.ppf(q[nb], r[nb], p[nb])
    return out


def discrete_inverse_loss(
    target: np.ndarray, dist: np.ndarray, mean: np.ndarray, r: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """Smallest integer s ≥ 0 with E[(X − s)⁺] ≤ target (vectorised integer bisection)."""
    target = np.asarray(target, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    var = np.where(dist == DIST_NEGBIN, mean / np.where(dist == DIST_NEGBIN, p, 1), mean)
    lo = np.full(target.shape, -1.0)  # loss(lo) > target (or lo = -1)
    hi = np.ceil(mean + 12 * np.sqrt(np.maximum(var, 0)) + 12)  # loss(hi) ≈ 0 ≤ target
    for _ in range(64):
        open_ = hi - lo > 1
        if not open_.any():
            break
        idx = np.flatnonzero(open_)
        mid = np.floor((lo[idx] + hi[idx]) / 2)
        ok = discrete_loss(mid, dist[idx], mean[idx], r[idx], p[idx]) <= target[idx]
        hi[idx[ok]] = mid[ok]
        lo[idx[~ok]] = mid[~ok]
    return hi


def normal_or_discrete_tail(
    stock: np.ndarray,
    dist: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    r: np.ndarray,
    p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """P(D > stock) and E[(D − stock)⁺] for normal (dist 0) or discrete lead-time demand D.

    Normal: P = 1 − Φ((A − μ)/σ), E = σ·G((A − μ)/σ) (σ = 0: deterministic).  Discrete: at
    ⌊A⌋ (stock is whole units).
    """
    stock = np.asarray(stock, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    sd = np.asarray(sd, dtype=np.float64)
    prob = np.empty(stock.shape)
    short = np.empty(stock.shape)
    nrm = dist == DIST_NORMAL
    if nrm.any():
        a, m, s = stock[nrm], mean[nrm], sd[nrm]
        pos = s > 0
        k = np.where(pos, (a - m) / np.where(pos, s, 1), 0.0)
        prob[nrm] = np.where(pos, special.ndtr(-k), (m > a).astype(float))
        short[nrm] = np.where(pos, s * normal_loss(k), np.maximum(m - a, 0))
    dsc = ~nrm
    if dsc.any():
        a = np.floor(stock[dsc])
        d, m, rr, pp = dist[dsc], mean[dsc], r[dsc], p[dsc]
        pr = np.zeros(a.shape)
        okm = m > 0
        pr[okm] = _sf(np.maximum(a[okm], -1), d[okm], m[okm], rr[okm], pp[okm])
        pr[a < 0] = 1.0
        prob[dsc] = pr
        short[dsc] = discrete_loss(a, d, m, rr, pp)
    return prob, short
