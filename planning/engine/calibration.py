"""Recalibration input of ``plan_catalogue``: the quantile level to use instead of each nominal
level, per calibration group (built from the nightly audit by ``planning.engine.audit``).

Each SKU belongs to one group (``calibration_groups``): "new" while its first sale is under
``NEW_DAYS`` days old, "slow" while it sells under ``SLOW_PER_DAY`` units a day, else its ABC
class.  A level ℓ is mapped to the level to read the model's distribution at by interpolating
the group's row of ``adjusted`` in probit space (z = Φ⁻¹(ℓ)); beyond the first or last nominal
level the end's z-shift is carried on.  Groups missing from the calibration keep their levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = [
    "NEW_DAYS",
    "SLOW_PER_DAY",
    "QuantileCalibration",
    "apply_calibration",
    "calibration_group",
    "calibration_groups",
    "nominal_level",
]

#: A SKU whose first sale is younger than this (days) is "new".
NEW_DAYS = 56
#: A SKU forecast below this many units a day is "slow".
SLOW_PER_DAY = 0.5
_EPS = 1e-9


@dataclass(frozen=True)
class QuantileCalibration:
    """groups (G,) group keys ("A", "B", "C", "new", "slow", …); levels (L,) nominal levels,
    sorted; adjusted (G, L) the level to use instead; n_scored (G, L) promises behind each cell."""

    groups: tuple[str, ...]
    levels: tuple[float, ...]
    adjusted: np.ndarray
    n_scored: np.ndarray


def calibration_groups(
    abc_class: np.ndarray,
    forecast_mean: np.ndarray,
    history_days: np.ndarray,
    abc_names: tuple[str, ...] = ("A", "B", "C"),
) -> np.ndarray:
    """Group key per SKU (see the module docstring): (n,) array of str."""
    abc = np.asarray(abc_class, np.intp)
    out = np.asarray(abc_names, dtype="<U8")[abc]
    out = np.where(np.asarray(forecast_mean, np.float64) < SLOW_PER_DAY, "slow", out)
    return np.where(np.asarray(history_days) < NEW_DAYS, "new", out)


def calibration_group(plan) -> np.ndarray:
    """Group key of every SKU of a ``CataloguePlan`` (the key the audit scores promises by)."""
    return calibration_groups(
        plan.abc_class, plan.forecast_mean, plan.history_days, tuple(plan.abc_names)
    )


def _rows(groups: np.ndarray, cal: QuantileCalibration) -> np.ndarray:
    """Row of ``cal.adjusted`` per SKU, −1 where the group is not calibrated."""
    index = {g: i for i, g in enumerate(cal.groups)}
    return np.array([index.get(str(g), -1) for g in groups], np.intp)


def _zgrid(cal: QuantileCalibration) -> tuple[np.ndarray, np.ndarray]:
    z = ndtri(np.clip(np.asarray(cal.levels, np.float64), _EPS, 1 - _EPS))
    za = ndtri(np.clip(np.asarray(cal.adjusted, np.float64), _EPS, 1 - _EPS))
    # strictly increasing rows so the map can be inverted (ties come from a monotone fix-up)
    za = za + np.arange(za.shape[1]) * 1e-9
    return z, za


def _map(z: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Piecewise-linear in z inside xp, constant shift beyond its ends."""
    out = np.interp(z, xp, fp)
    out = np.where(z < xp[0], z + (fp[0] - xp[0]), out)
    return np.where(z > xp[-1], z + (fp[-1] - xp[-1]), out)


def apply_calibration(
    level: np.ndarray, groups: np.ndarray, calibration: QuantileCalibration | None
) -> np.ndarray:
    """Level to read the model's distribution at, per SKU; ``level`` (n,) or (n, k)."""
    lv = np.asarray(level, np.float64)
    if calibration is None or not len(calibration.groups):
        return lv.copy()
    rows = _rows(np.asarray(groups), calibration)
    z, za = _zgrid(calibration)
    zl = ndtri(np.clip(lv, _EPS, 1 - _EPS))
    out = lv.copy()
    for r in np.unique(rows[rows >= 0]):
        sel = rows == r
        out[sel] = ndtr(_map(zl[sel], z, za[r]))
    return out


def nominal_level(
    model_level: np.ndarray, groups: np.ndarray, calibration: QuantileCalibration | None
) -> np.ndarray:
    """Inverse of ``apply_calibration``: the nominal level a model level stands for."""
    u = np.asarray(model_level, np.float64)
    if calibration is None or not len(calibration.groups):
        return u.copy()
    rows = _rows(np.asarray(groups), calibration)
    z, za = _zgrid(calibration)
    zu = ndtri(np.clip(u, _EPS, 1 - _EPS))
    out = u.copy()
    for r in np.unique(rows[rows >= 0]):
        sel = rows == r
        out[sel] = ndtr(_map(zu[sel], za[r], z))
    # exact 0 and 1 stay exact (no stock or no demand)
    return np.where((u <= 0) | (u >= 1), u, out)
