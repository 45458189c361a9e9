"""Tiny synthetic catalogues for the engine tests (no database)."""

from __future__ import annotations

import numpy as np

from planning.engine import CatalogueSnapshot, FboSnapshot


def intermittent(n: int, n_days: int, seed: int = 0, p: float = 0.3) -> np.ndarray:
    """Random intermittent series with leading zeros and a few all-zero rows."""
    rng = np.random.default_rng(seed)
    y = rng.poisson(3.0, (n, n_days)) * (rng.random((n, n_days)) < p)
    y = y.astype(np.float64)
    if n >= 4:
        y[0] = 0  # all zero
        y[1, : n_days // 2] = 0  # late launch
        y[2, :-1] = 0  # a single sale, yesterday
        y[3, 1:] = 0  # a single sale, on the first day
        y[3, 0] = 5
    return y


def snapshot(n: int = 40, n_days: int = 120, seed: int = 0, fbo: bool = True, **kw):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(1.0, 2.0, n)
    week = np.array([1.3, 1.1, 1.0, 1.0, 1.2, 0.8, 0.6])
    demand = rng.poisson(lam[:, None] * week[np.arange(n_days) % 7][None, :]).astype(np.float32)
    f = np.float64
    fields = dict(
        demand=demand,
        unit_cost=np.full(n, 100.0),
        sale_price=rng.uniform(150, 400, n),
        volume_l=np.full(n, 2.0),
        weight_kg=np.full(n, 1.0),
        fbs_prep_days=np.full(n, 1.0),
        lead_time_mean_days=np.full(n, 10.0),
        lead_time_sd_days=np.full(n, 2.0),
        review_days=np.full(n, 7.0),
        service_level=np.full(n, 0.95),
        moq=np.full(n, 10.0),
        pack_size=np.full(n, 5.0),
        available=np.floor(lam * 10),
        on_order=np.zeros(n),
        in_transit=np.zeros(n),
        mean_units_per_order=np.full(n, 1.5),
        current_scheme=np.zeros(n, np.int8),
        history_end_weekday=(n_days - 1) % 7,
    )
    if fbo:
        fields["fbo"] = FboSnapshot(
            demand_share=rng.dirichlet(np.ones(3), n),
            stock=np.zeros((n, 3)),
            transit_days=np.array([3.0, 5.0, 7.0]),
        )
    fields.update(kw)
    for k in ("available", "on_order", "in_transit"):
        fields[k] = np.asarray(fields[k], f)
    return CatalogueSnapshot(**fields)
