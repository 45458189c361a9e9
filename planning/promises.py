"""Storing what a planning run promised per SKU (``Promise`` rows), in bulk, with its results.

``planning.run_results.plan_results_save`` calls ``promises_save`` for every chunk, in the same
transaction as the chunk's ``SkuPlan`` rows; ``planning.runs`` calls ``promises_finalise`` when
the run is swapped in and ``promises_discard`` when it fails. The nightly audit
(``planning.promise_audit``) later scores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.db.models import QuerySet

from core.bulk import bulk_insert
from core.errors import InvalidInput
from planning.engine.calibration import calibration_group
from planning.engine.schema import CataloguePlan
from planning.models import PlanRun
from planning.promise_models import PROMISE_LEVELS, QUANTILE_FIELDS, Promise
from planning.snapshot import PlanInput

__all__ = ["promises_discard", "promises_finalise", "promises_save"]

_COLUMNS = [
    "run_id",
    "sku_id",
    "plan_date",
    "protection_days",
    "window_start",
    "window_end",
    *QUANTILE_FIELDS,
    "mean",
    "stockout_probability",
    "reorder_point",
    "service_level",
    "calibration_applied",
    "calibration_group",
    "abc_class",
    "actual",
    "censored",
    "settled_on",
]


def _floats(values: np.ndarray, digits: int = 4) -> list[float]:
    return np.round(np.nan_to_num(np.asarray(values, dtype=np.float64)), digits).tolist()


def promises_save(*, run: PlanRun, plan_input: PlanInput, plan: CataloguePlan) -> int:
    """Insert one ``Promise`` per SKU of a chunk; returns how many.

    Replaces this run's promises of the chunk's id range first (a retried chunk duplicates
    nothing). The period is the plan date and the ``protection_days`` − 1 days after it (at
    least one day). Runs in the caller's transaction.
    """
    levels = tuple(float(x) for x in plan.promise_levels)
    if levels != PROMISE_LEVELS:
        raise InvalidInput(
            f"The engine states quantiles at {levels}; promises are stored at {PROMISE_LEVELS}.",
            code="promise_levels_changed",
        )
    ids = plan_input.sku_ids.tolist()
    if not ids:
        return 0
    Promise.objects.filter(run=run, sku_id__gte=ids[0], sku_id__lte=ids[-1]).delete()
    n = len(ids)
    start = run.plan_date
    days = np.maximum(np.rint(np.nan_to_num(plan.protection_days)), 1).astype(np.int64).tolist()
    quantiles = np.asarray(plan.promise_quantiles, dtype=np.float64)
    columns = [
        [run.pk] * n,
        ids,
        [start] * n,
        days,
        [start] * n,
        [start + timedelta(days=d - 1) for d in days],
        *(_floats(quantiles[:, j]) for j in range(len(QUANTILE_FIELDS))),
        _floats(plan.promise_mean),
        _floats(plan.promise_stockout_probability, 6),
        _floats(plan.reorder_point, 2),
        _floats(plan_input.snapshot.service_level, 4),
        _floats(plan.calibration_applied, 6),
        [str(g) for g in calibration_group(plan).tolist()],
        plan_input.abc_class,
        [None] * n,
        [None] * n,
        [None] * n,
    ]
    return bulk_insert(Promise, _COLUMNS, zip(*columns, strict=True))


def promises_finalise(
    *, run: PlanRun, previous: Iterable[int], stale_runs: QuerySet, planned: QuerySet
) -> None:
    """When ``run`` goes live: a partial run takes over the previous run's promises of the SKUs
    it did not plan; the promises of replaced, superseded and failed runs go (the live run of a
    plan date is what was promised that day)."""
    previous = list(previous)
    if previous and run.sku_codes:
        Promise.objects.filter(run_id__in=previous).exclude(sku_id__in=planned).update(run=run)
    Promise.objects.filter(run_id__in=stale_runs).delete()


def promises_discard(*, run: PlanRun) -> None:
    """A failed run promised nothing."""
    Promise.objects.filter(run=run).delete()
