"""The efficient frontier of the live catalogue, computed on demand and stored for the admin.

``frontier_compute`` replays the last ``days`` days for Zapas at several service targets (each
SKU at the target, and the same stock spread over the SKUs for the fewest expected cancellations)
and for the naive min/max at several multipliers (``planning.engine.frontier.sweep_policies``) and
stores the points as a ``FrontierResult``; the planners' audit page draws the latest one.
``manage.py plan_frontier`` runs it, and so does the nightly task ``planning.frontier_nightly``
(04:00, after the plan, seeded by migration ``planning.0016``; ``frontier_prune`` then keeps the
latest ``ZAPAS["FRONTIER_KEEP"]``, default 30). A catalogue larger than ``ZAPAS["FRONTIER_MAX_SKUS"]``
(default 20 000) is sampled: every k-th SKU by id, so the figures are a fixed, reproducible
sample.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import date

import numpy as np
from django.conf import settings
from django.utils import timezone

from core.errors import InvalidInput
from planning.engine.frontier import at_equal_stock, sweep_policies
from planning.params import plan_params
from planning.promise_models import FrontierResult
from planning.snapshot import catalogue_sku_ids, history_start, plan_input_build

__all__ = ["ZAPAS_POLICIES", "frontier_compute", "frontier_prune"]

# every SKU at its own target, and the same stock spread for the fewest cancellations
# (PlanParams(allocation="cancellations"))
ZAPAS_POLICIES = ("zapas", "zapas_cancellations")


def _clean(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 6)


def frontier_compute(
    *,
    days: int = 91,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    seed: int = 0,
    replan_days: int = 28,
) -> FrontierResult:
    """Sweep both policies over the last ``days`` days and store the points (read-only
    otherwise). Raises ``InvalidInput`` when the history is too short or nothing is planned."""
    if days < 7:
        raise InvalidInput("The test period must be at least 7 days.", code="invalid_days")
    plan_date = plan_date or timezone.localdate()
    sku_ids = catalogue_sku_ids(sku_codes=sku_codes)
    if sku_ids.size == 0:
        raise InvalidInput("No active SKUs to replay.", code="no_skus")
    limit = int((getattr(settings, "ZAPAS", {}) or {}).get("FRONTIER_MAX_SKUS", 20_000))
    if sku_ids.size > limit:
        sku_ids = sku_ids[:: math.ceil(sku_ids.size / limit)]
    start = history_start(plan_date=plan_date)
    if (plan_date - start).days < days + 28:
        raise InvalidInput(
            f"Not enough history: {(plan_date - start).days} days recorded, the replay needs "
            f"{days} test days plus at least 28 to plan on.",
            code="history_too_short",
        )
    snapshot = plan_input_build(sku_ids=sku_ids, plan_date=plan_date, start=start).snapshot
    # stock is valued at cost, or at the sale price where no cost is recorded (imports)
    value = np.where(snapshot.unit_cost > 0, snapshot.unit_cost, snapshot.sale_price)
    snapshot = dataclasses.replace(snapshot, unit_cost=value)
    points = sweep_policies(
        snapshot,
        days,
        plan_params(),
        seed=seed,
        replan_days=replan_days,
        allocations=("target", "cancellations"),
    )
    readings = [row for policy in ZAPAS_POLICIES for row in at_equal_stock(points, policy)]
    return FrontierResult.objects.create(
        plan_date=plan_date,
        days=days,
        skus=int(sku_ids.size),
        points=[
            {
                k: (_clean(v) if isinstance(v, float) else v)
                for k, v in dataclasses.asdict(p).items()
            }
            for p in points
        ],
        at_equal_stock=[
            {k: (_clean(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in readings
        ],
    )


def frontier_prune(*, keep: int = 30) -> int:
    """Delete all but the ``keep`` (≥ 1) newest stored frontiers; returns how many went."""
    keep = max(1, int(keep))
    old = list(FrontierResult.objects.values_list("pk", flat=True)[keep : keep + 1000])
    if not old:
        return 0
    deleted, _ = FrontierResult.objects.filter(pk__in=old).delete()
    return deleted
