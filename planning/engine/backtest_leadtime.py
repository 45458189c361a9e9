"""Backtest of lead-time beliefs: plan with what we believe (stated or learned lead times),
simulate deliveries with what suppliers really do. Pure numpy; see ``backtest.simulate_policy``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .backtest import BacktestResult, simulate_policy
from .schema import CatalogueSnapshot, PlanParams


def compare_lead_time_beliefs(
    snapshot: CatalogueSnapshot,
    test_days: int,
    beliefs: dict[str, tuple[np.ndarray, np.ndarray]],
    true_mean: np.ndarray,
    true_sd: np.ndarray,
    params: PlanParams | None = None,
    seed: int = 0,
    replan_days: int = 7,
) -> dict[str, BacktestResult]:
    """Replay the last ``test_days`` once per belief (name → (mean, sd) days per SKU).

    The plan is re-made every ``replan_days`` on the history up to that day with the belief's
    lead times; every replay draws deliveries from (``true_mean``, ``true_sd``) with the same
    seed, so the beliefs meet the same demand and the same suppliers.
    """
    from .plan import plan_catalogue

    params = params or PlanParams()
    y = snapshot.demand
    n, n_days = y.shape
    first = n_days - test_days
    out: dict[str, BacktestResult] = {}
    for name, (mean, sd) in beliefs.items():
        lo = np.empty((n, test_days))
        hi = np.empty((n, test_days))
        believed = dataclasses.replace(
            snapshot,
            lead_time_mean_days=np.asarray(mean, np.float64),
            lead_time_sd_days=np.asarray(sd, np.float64),
        )
        for k in range(0, test_days, replan_days):
            end = first + k
            train = dataclasses.replace(
                believed,
                demand=y[:, :end],
                stockout_mask=None
                if snapshot.stockout_mask is None
                else snapshot.stockout_mask[:, :end],
                lost_demand=None if snapshot.lost_demand is None else snapshot.lost_demand[:, :end],
                history_end_weekday=(snapshot.history_end_weekday - (n_days - end)) % 7,
                receipts_qty=None,
                receipts_in_days=None,
            )
            plan = plan_catalogue(train, params)
            sl = slice(k, min(test_days, k + replan_days))
            lo[:, sl] = plan.reorder_point[:, None]
            hi[:, sl] = plan.order_up_to[:, None]
        out[name] = simulate_policy(
            y[:, first:],
            lo,
            hi,
            lead_time_mean=true_mean,
            lead_time_sd=true_sd,
            review_days=snapshot.review_days,
            unit_cost=snapshot.unit_cost,
            moq=snapshot.moq,
            pack_size=snapshot.pack_size,
            seed=seed,
        )
    return out
