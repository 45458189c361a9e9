"""The backtest: replay recent history with Zapas's policy and with a fixed min/max.

Read-only. ``manage.py backtest`` prints the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils import timezone

from planning.engine.backtest import compare_policies
from planning.params import plan_params
from planning.snapshot import catalogue_sku_ids, history_start, plan_input_build


@dataclass(frozen=True)
class PolicyFigures:
    """One policy replayed over the test days, catalogue totals."""

    fill_rate: float  # served ÷ demanded units
    stockout_days: float  # SKU-days with lost demand
    lost_units: float
    cancelled_orders: float  # lost units ÷ units per order line
    avg_inventory_value: float  # mean stock held × unit cost (sale price if no cost)


@dataclass(frozen=True)
class BacktestReport:
    plan_date: date
    days: int
    skus: int
    demand_units: float
    policies: dict[str, PolicyFigures]

    @property
    def cancellations_avoided(self) -> float:
        """Orders the naive min/max would have cancelled for lack of stock and Zapas not."""
        return (
            self.policies["naive_min_max"].cancelled_orders
            - self.policies["zapas"].cancelled_orders
        )


def backtest_catalogue(
    *,
    days: int = 90,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    chunk_size: int = 20_000,
    seed: int = 0,
) -> BacktestReport:
    """Replay the last ``days`` days with Zapas's policy and with a fixed min/max.

    Each chunk of SKUs is planned on the history before the test period
    (``planning.engine.backtest.compare_policies``) and both policies are simulated on the
    test days with the same lead-time draws. Read-only.
    """
    plan_date = plan_date or timezone.localdate()
    sku_ids = catalogue_sku_ids(sku_codes=sku_codes)
    start = history_start(plan_date=plan_date)
    if (plan_date - start).days < days + 28:
        raise ValueError(
            f"Not enough history: {(plan_date - start).days} days recorded, "
            f"the backtest needs {days} test days plus at least 28 to plan on."
        )
    params = plan_params()
    totals = {
        name: np.zeros(4) for name in ("zapas", "naive_min_max")
    }  # stock-out days, lost, cancelled, inventory value
    demand_total = 0.0
    for k in range(0, sku_ids.size, chunk_size):
        chunk = sku_ids[k : k + chunk_size]
        plan_input = plan_input_build(sku_ids=chunk, plan_date=plan_date, start=start)
        snapshot = plan_input.snapshot
        # stock is valued at cost, or at the sale price where no cost is recorded (imports)
        value = np.where(snapshot.unit_cost > 0, snapshot.unit_cost, snapshot.sale_price)
        snapshot = dataclasses.replace(snapshot, unit_cost=value)
        results = compare_policies(snapshot, days, params, seed=seed)
        per_order = plan_input.snapshot.mean_units_per_order
        for name, result in results.items():
            totals[name] += (
                result.stockout_days.sum(),
                result.lost_units.sum(),
                (result.lost_units / per_order).sum(),
                result.avg_inventory_value.sum(),
            )
        demand_total += float(results["zapas"].demand_units.sum())
    policies = {
        name: PolicyFigures(
            fill_rate=1 - t[1] / demand_total if demand_total > 0 else 1.0,
            stockout_days=float(t[0]),
            lost_units=float(t[1]),
            cancelled_orders=float(t[2]),
            avg_inventory_value=float(t[3]),
        )
        for name, t in totals.items()
    }
    return BacktestReport(
        plan_date=plan_date,
        days=days,
        skus=int(sku_ids.size),
        demand_units=demand_total,
        policies=policies,
    )
