"""Recalibration input of ``plan_catalogue``: the quantile level to use instead of each nominal
level, per calibration group (built from the nightly audit by ``planning.engine.audit``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["QuantileCalibration"]


@dataclass(frozen=True)
class QuantileCalibration:
    """groups (G,) group keys ("A", "B", "C", "new", "slow", …); levels (L,) nominal levels,
    sorted; adjusted (G, L) the level to use instead; n_scored (G, L) promises behind each cell."""

    groups: tuple[str, ...]
    levels: tuple[float, ...]
    adjusted: np.ndarray
    n_scored: np.ndarray
