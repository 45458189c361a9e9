"""Demand classification: Syntetos–Boylan (ADI / CV²) and ABC by revenue."""

from __future__ import annotations

import numpy as np

from .schema import ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND, SMOOTH


def syntetos_boylan(
    demand: np.ndarray,
    valid: np.ndarray | None = None,
    adi_cutoff: float = 1.32,
    cv2_cutoff: float = 0.49,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Syntetos–Boylan–Croston classification of every row of ``demand`` (n, T), units/day.

    ADI = (number of usable days) / (number of days with positive demand), the mean
    inter-demand interval in days; CV² = Var(z)/E(z)² of the positive demand sizes z
    (population variance).  Classes: smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32,
    CV² ≥ 0.49), intermittent (ADI ≥ 1.32, CV² < 0.49), lumpy (ADI ≥ 1.32, CV² ≥ 0.49) and
    ``NO_DEMAND`` when no usable day has positive demand.  ``valid`` (n, T) bool marks the
    usable days (censored days excluded); default all.

    Returns (class int8 (n,), adi float64 (n,), cv2 float64 (n,)); adi = inf and cv2 = 0 for
    SKUs without demand.
    """
    y = np.asarray(demand)
    pos = y > 0
    if valid is not None:
        pos &= valid
        n_days = valid.sum(axis=1, dtype=np.float64)
    else:
        n_days = np.full(y.shape[0], float(y.shape[1]))
    k = pos.sum(axis=1, dtype=np.float64)
    yz = np.where(pos, y, 0)
    if yz.dtype.kind != "f":
        yz = yz.astype(np.float64)
    s1 = yz.sum(axis=1, dtype=np.float64)
    s2 = np.einsum("ij,ij->i", yz, yz, dtype=np.float64)
    return _classes(n_days, k, s1, s2, adi_cutoff, cv2_cutoff)


def syntetos_boylan_at(
    demand: np.ndarray,
    valid: np.ndarray | None,
    origins: list[int],
    adi_cutoff: float = 1.32,
    cv2_cutoff: float = 0.49,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``syntetos_boylan`` of the whole history, and the class of every row at each origin o
    (increasing, 1 ≤ o ≤ T) from the days before o only, (n, K) int8: (class, adi, cv2, class
    at the origins).  The sums before the first origin are taken once and running sums go on
    from there, so this costs little more than ``syntetos_boylan``; a past pair is then
    classed by what was known at its origin, not by the demand that followed it."""
    y = np.asarray(demand)
    n, t = y.shape
    o = np.asarray(origins, np.intp)
    first = int(o[0]) if o.size else t
    pos = y > 0
    if valid is not None:
        pos &= valid
    yz = np.where(pos, y, 0)
    if yz.dtype.kind != "f":
        yz = yz.astype(np.float64)
    inner = o[o < t] - first  # segments [o₁, o₂), …, [o_m, T) of the days from o₁ on
    take = np.r_[np.arange(inner.size + 1), np.full(o.size - inner.size, inner.size)]

    def prefix(x: np.ndarray, square: bool = False) -> np.ndarray:
        head, tail = x[:, :first], x[:, first:]
        if square:
            h = np.einsum("ij,ij->i", head, head, dtype=np.float64)
            tail = np.square(tail, dtype=np.float64)
        else:
            h = head.sum(axis=1, dtype=np.float64)
        run = np.zeros((n, inner.size + 1))
        if inner.size:
            seg = np.add.reduceat(tail, inner, axis=1, dtype=np.float64)
            np.cumsum(seg, axis=1, out=run[:, 1:])
        return h[:, None] + run[:, take]  # at o₁ … o_K, then at T

    if valid is not None:
        n_days = prefix(np.asarray(valid, bool))
    else:
        n_days = np.broadcast_to(np.r_[o, t].astype(np.float64), (n, o.size + 1))
    k = prefix(pos)
    cls, adi, cv2 = _classes(n_days, k, prefix(yz), prefix(yz, square=True), adi_cutoff, cv2_cutoff)
    return cls[:, -1], adi[:, -1], cv2[:, -1], cls[:, :-1]


def _classes(n_days, k, s1, s2, adi_cutoff: float, cv2_cutoff: float):
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(k > 0, n_days / k, np.inf)
        mean = np.where(k > 0, s1 / k, 0.0)
        var = np.where(k > 0, s2 / k - mean * mean, 0.0)
        cv2 = np.where(mean > 0, np.maximum(var, 0.0) / (mean * mean), 0.0)
    high_adi = adi >= adi_cutoff
    high_cv = cv2 >= cv2_cutoff
    cls = np.select(
        [k == 0, ~high_adi & ~high_cv, ~high_adi & high_cv, high_adi & ~high_cv],
        [NO_DEMAND, SMOOTH, ERRATIC, INTERMITTENT],
        default=LUMPY,
    ).astype(np.int8)
    return cls, adi, cv2


def abc_classes(revenue: np.ndarray, cutoffs: tuple[float, float] = (0.8, 0.95)) -> np.ndarray:
    """ABC class by revenue (int8: 0 = A, 1 = B, 2 = C).

    SKUs are ranked by revenue, descending; a SKU is A if the cumulative revenue share of
    the SKUs ranked *above* it is below ``cutoffs[0]`` (so the SKU that crosses 80 % is A),
    B if below ``cutoffs[1]``, else C.  Zero-revenue SKUs are always C.
    """
    rev = np.nan_to_num(np.asarray(revenue, dtype=np.float64), nan=0.0)
    rev = np.maximum(rev, 0.0)
    total = rev.sum()
    out = np.full(rev.shape, 2, dtype=np.int8)
    if total <= 0:
        return out
    order = np.argsort(-rev, kind="stable")
    before = (np.cumsum(rev[order]) - rev[order]) / total
    cls = np.where(before < cutoffs[0], 0, np.where(before < cutoffs[1], 1, 2)).astype(np.int8)
    cls[rev[order] <= 0] = 2
    out[order] = cls
    return out
