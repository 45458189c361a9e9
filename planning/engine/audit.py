"""Scoring past promises against the demand that came (the nightly self-audit), pure numpy.

A *promise* is what one planning run stated for one SKU: quantiles of total demand over the
protection period P at fixed levels, the mean of that total, the probability that it exceeds the
reorder point (the per-cycle stock-out risk) and the service target. Once the period has passed,
the actual total is known and every statement can be checked:

* **coverage** — the share of promises whose actual total was at or below the stated quantile,
  per calibration group × level (an honest 95 % quantile covers 95 % of them);
* **achieved service** — the share whose actual total stayed at or below the reorder point,
  per group × service target (what the planner was promised);
* **bias** — Σ stated mean ÷ Σ actual − 1 (negative: forecasts too low);
* **reliability** — promises binned by stated stock-out risk, against the share that did run
  over the reorder point.

Censored promises (a stock-out day inside the period, so the demand that came is not known)
are left out of every figure and only counted. ``to_calibration`` turns a score into the
``QuantileCalibration`` the engine applies on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr, ndtri

from .calibration import QuantileCalibration

__all__ = [
    "RELIABILITY_EDGES",
    "AuditScore",
    "PeriodBias",
    "ReliabilityCurve",
    "ServiceShortfall",
    "score_promises",
    "to_calibration",
]

#: Bin edges of stated stock-out risk for the reliability curve (the first bin includes 0).
RELIABILITY_EDGES: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class ReliabilityCurve:
    """Stated stock-out risk against what happened, in bins of stated risk.

    edges (B + 1,); count (B,) scored promises per bin; stated (B,) their mean stated risk;
    observed (B,) the share that ran over the reorder point (NaN where a bin is empty).
    """

    edges: np.ndarray
    count: np.ndarray
    stated: np.ndarray
    observed: np.ndarray


@dataclass(frozen=True)
class PeriodBias:
    """Bias per period label (e.g. the plan date's week): Σ mean ÷ Σ actual − 1 per period."""

    periods: np.ndarray
    count: np.ndarray
    sum_mean: np.ndarray
    sum_actual: np.ndarray
    bias: np.ndarray


@dataclass(frozen=True)
class ServiceShortfall:
    """A group and service target whose achieved service fell short of the target."""

    group: str
    target: float
    achieved: float
    count: int

    @property
    def points_below(self) -> float:
        """How far below the target, in percentage points."""
        return (self.target - self.achieved) * 100


@dataclass(frozen=True)
class AuditScore:
    """The audit of ``m`` promises (see the module docstring for what each figure means).

    groups (G,) sorted; levels (k,). Per group × level (G, k): n_scored, covered, coverage
    (NaN where nothing was scored). Per group (G,): n_censored, sum_mean, sum_actual, bias.
    Overall: total_scored (k,), total_coverage (k,), total_bias. Service: targets (S,) sorted,
    target_count / target_met / achieved (G, S). ``reliability`` over all groups;
    ``period_bias`` when periods were given.
    """

    groups: tuple[str, ...]
    levels: tuple[float, ...]
    n_scored: np.ndarray
    covered: np.ndarray
    coverage: np.ndarray
    n_censored: np.ndarray
    sum_mean: np.ndarray
    sum_actual: np.ndarray
    bias: np.ndarray
    total_scored: np.ndarray
    total_coverage: np.ndarray
    total_bias: float
    targets: tuple[float, ...]
    target_count: np.ndarray
    target_met: np.ndarray
    achieved: np.ndarray
    reliability: ReliabilityCurve
    period_bias: PeriodBias | None = field(default=None)

    def shortfalls(self, *, points: float = 3.0, min_count: int = 1) -> list[ServiceShortfall]:
        """Groups × targets whose achieved service is more than ``points`` percentage points
        below the target, over at least ``min_count`` scored promises; worst first."""
        found = []
        for g, group in enumerate(self.groups):
            for s, target in enumerate(self.targets):
                count = int(self.target_count[g, s])
                if count < max(min_count, 1):
                    continue
                achieved = float(self.achieved[g, s])
                # rounded so that exactly 3 points below is not a warning through float noise
                if round((target - achieved) * 100, 9) > points:
                    found.append(ServiceShortfall(group, target, achieved, count))
        return sorted(found, key=lambda f: (f.achieved - f.target, f.group))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _bias(sum_mean: np.ndarray, sum_actual: np.ndarray) -> np.ndarray:
    return _ratio(sum_mean, sum_actual) - 1.0


def score_promises(
    quantiles: np.ndarray,
    levels: tuple[float, ...] | np.ndarray,
    mean: np.ndarray,
    actual: np.ndarray,
    censored: np.ndarray,
    stated_risk: np.ndarray,
    stocked_out: np.ndarray,
    group: np.ndarray,
    *,
    target: np.ndarray | None = None,
    period: np.ndarray | None = None,
    edges: tuple[float, ...] = RELIABILITY_EDGES,
) -> AuditScore:
    """Score ``m`` promises whose protection period has passed.

    quantiles (m, k) stated quantiles of the period's total demand at ``levels`` (k,), units;
    mean (m,) the stated mean of that total; actual (m,) the total that came; censored (m,)
    bool, True where a stock-out day fell inside the period (left out, only counted);
    stated_risk (m,) the stated probability of running over the reorder point; stocked_out
    (m,) bool, True where the actual total did run over it; group (m,) calibration group
    labels; target (m,) the service target (default: none, so ``targets`` is empty); period
    (m,) integer labels for the bias over time (e.g. the plan date's week).

    A NaN quantile is not scored at its level; a NaN actual or mean counts as censored.
    """
    quantiles = np.atleast_2d(np.asarray(quantiles, dtype=np.float64))
    levels_t = tuple(float(x) for x in np.asarray(levels, dtype=np.float64).ravel())
    m, k = quantiles.shape
    if k != len(levels_t):
        raise ValueError(f"quantiles have {k} columns for {len(levels_t)} levels")
    mean = np.asarray(mean, dtype=np.float64).reshape(m)
    actual = np.asarray(actual, dtype=np.float64).reshape(m)
    stated_risk = np.asarray(stated_risk, dtype=np.float64).reshape(m)
    stocked_out = np.asarray(stocked_out, dtype=bool).reshape(m)
    group = np.asarray(group).astype(str).reshape(m)
    censored = np.asarray(censored, dtype=bool).reshape(m) | ~np.isfinite(actual)
    censored |= ~np.isfinite(mean)
    scored = ~censored

    groups, gidx = np.unique(group, return_inverse=True)
    n_groups = groups.size

    # coverage per group × level
    valid = scored[:, None] & np.isfinite(quantiles)
    hit = valid & (actual[:, None] <= quantiles)
    n_scored = np.zeros((n_groups, k), dtype=np.int64)
    covered = np.zeros((n_groups, k), dtype=np.int64)
    np.add.at(n_scored, gidx, valid.astype(np.int64))
    np.add.at(covered, gidx, hit.astype(np.int64))

    n_censored = np.bincount(gidx, weights=censored, minlength=n_groups).astype(np.int64)
    sum_mean = np.bincount(gidx[scored], weights=mean[scored], minlength=n_groups)
    sum_actual = np.bincount(gidx[scored], weights=actual[scored], minlength=n_groups)

    # achieved service per group × target
    if target is None:
        targets = np.empty(0)
        tidx = np.zeros(m, dtype=np.int64)
    else:
        rounded = np.round(np.asarray(target, dtype=np.float64).reshape(m), 4)
        targets, tidx = np.unique(rounded[scored], return_inverse=True)
        full = np.zeros(m, dtype=np.int64)
        full[scored] = tidx
        tidx = full
    target_count = np.zeros((n_groups, targets.size), dtype=np.int64)
    target_met = np.zeros((n_groups, targets.size), dtype=np.int64)
    if targets.size:
        np.add.at(target_count, (gidx[scored], tidx[scored]), 1)
        np.add.at(target_met, (gidx[scored], tidx[scored]), (~stocked_out[scored]).astype(int))

    # reliability: stated risk in bins (right-closed; 0 falls in the first bin)
    edges_a = np.asarray(edges, dtype=np.float64)
    n_bins = edges_a.size - 1
    risk = np.clip(stated_risk[scored], edges_a[0], edges_a[-1])
    bins = np.clip(np.searchsorted(edges_a, risk, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins).astype(np.int64)
    stated_sum = np.bincount(bins, weights=risk, minlength=n_bins)
    out_sum = np.bincount(bins, weights=stocked_out[scored], minlength=n_bins)
    reliability = ReliabilityCurve(
        edges=edges_a,
        count=count,
        stated=_ratio(stated_sum, count),
        observed=_ratio(out_sum, count),
    )

    period_bias = None
    if period is not None:
        labels = np.asarray(period).reshape(m)[scored].astype(np.int64)
        periods, pidx = np.unique(labels, return_inverse=True)
        p_mean = np.bincount(pidx, weights=mean[scored], minlength=periods.size)
        p_actual = np.bincount(pidx, weights=actual[scored], minlength=periods.size)
        period_bias = PeriodBias(
            periods=periods,
            count=np.bincount(pidx, minlength=periods.size).astype(np.int64),
            sum_mean=p_mean,
            sum_actual=p_actual,
            bias=_bias(p_mean, p_actual),
        )

    total_scored = n_scored.sum(axis=0)
    return AuditScore(
        groups=tuple(str(g) for g in groups),
        levels=levels_t,
        n_scored=n_scored,
        covered=covered,
        coverage=_ratio(covered, n_scored),
        n_censored=n_censored,
        sum_mean=sum_mean,
        sum_actual=sum_actual,
        bias=_bias(sum_mean, sum_actual),
        total_scored=total_scored,
        total_coverage=_ratio(covered.sum(axis=0), total_scored),
        total_bias=float(_bias(sum_mean.sum(), sum_actual.sum())),
        targets=tuple(float(t) for t in targets),
        target_count=target_count,
        target_met=target_met,
        achieved=_ratio(target_met, target_count),
        reliability=reliability,
        period_bias=period_bias,
    )


def _probit_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least squares y ≈ a + b·x; offset only when fewer than two points differ."""
    if w.sum() <= 0:
        return 0.0, 1.0
    if np.count_nonzero(w) < 2 or np.ptp(x[w > 0]) == 0:
        return float(np.average(y - x, weights=w)), 1.0
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    sxx = np.sum(w * (x - xm) ** 2)
    b = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    return float(ym - b * xm), b


def to_calibration(
    score: AuditScore,
    *,
    shrink_n: float = 200.0,
    max_shift_z: float = 1.0,
    slope_bounds: tuple[float, float] = (0.5, 2.0),
    floor: float = 0.5,
    ceiling: float = 0.999,
) -> QuantileCalibration:
    """The level to state instead of each nominal level, per group, from an audit.

    Per group, achieved coverage is mapped onto nominal levels in probit space: with
    z = Φ⁻¹(level) and z_c = Φ⁻¹(coverage) (coverage (covered + ½) / (n + 1), so 0 % and 100 %
    stay finite) a weighted least-squares line z_c ≈ a + b·z is fitted over the levels (weights:
    promises scored). A bias moves a, a spread that is too narrow or too wide tilts b. The level
    whose quantile would have covered as promised is Φ((z − a) / b).

    The step is shrunk towards no adjustment by n / (n + ``shrink_n``) (n: the fewest promises
    scored at any level of the group), limited to ``max_shift_z`` in z and the slope to
    ``slope_bounds``, and the level kept within [``floor``, ``ceiling``]; a group with nothing
    scored keeps its levels. Adjusted levels never decrease along the levels.

    The scored quantiles must be the model's own (uncalibrated) quantiles at the nominal
    levels: the calibration is then a fresh estimate every night, not a correction of the last
    correction, so it cannot wind up.
    """
    levels = np.asarray(score.levels, dtype=np.float64)
    z = ndtri(levels)
    adjusted = np.tile(levels, (len(score.groups), 1))
    lo, hi = slope_bounds
    for g in range(len(score.groups)):
        n = score.n_scored[g].astype(np.float64)
        if not np.any(n > 0):
            continue
        c = (score.covered[g] + 0.5) / (n + 1.0)
        a, b = _probit_fit(z, ndtri(c), n)
        b = float(np.clip(b, lo, hi))
        target_z = (z - a) / b
        weight = n[n > 0].min() / (n[n > 0].min() + shrink_n)
        shift = np.clip(weight * (target_z - z), -max_shift_z, max_shift_z)
        adjusted[g] = np.clip(ndtr(z + shift), floor, ceiling)
    adjusted = np.maximum.accumulate(adjusted, axis=1)
    return QuantileCalibration(
        groups=score.groups,
        levels=tuple(float(x) for x in levels),
        adjusted=adjusted,
        n_scored=score.n_scored.copy(),
    )
