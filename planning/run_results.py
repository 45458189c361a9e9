"""Storing one chunk of a planning run: ``SkuPlan`` rows and the suggestions, in bulk.

``planning.runs`` drives the run (start, chunks, finalise, fail) and calls
``plan_results_save`` for each chunk; nothing written here is visible before the run is
finalised.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk import bulk_insert
from inventory.models import FulfilmentScheme
from planning.engine.schema import (
    DEMAND_CLASS_NAMES,
    DISTRIBUTION_NAMES,
    METHOD_NAMES,
    SCHEME_NAMES,
    CataloguePlan,
    PlanParams,
)
from planning.models import (
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    ReorderSuggestion,
    SkuPlan,
    SuggestionStatus,
)
from planning.promises import promises_save
from planning.services import order_quantity_round
from planning.snapshot import PlanInput

_SKU_PLAN_COLUMNS = [
    "run_id",
    "sku_id",
    "plan_date",
    "demand_class",
    "abc_class",
    "revenue",
    "adi",
    "cv2",
    "method",
    "forecast_mean",
    "forecast_sd",
    "holdout_mase",
    "holdout_rmsse",
    "holdout_bias",
    "service_level",
    "lead_time_days",
    "review_days",
    "lead_time_demand_mean",
    "lead_time_demand_sd",
    "distribution",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "available",
    "on_order",
    "in_transit",
    "inventory_position",
    "suggested_order",
    "risk_horizon_days",
    "stockout_probability",
    "expected_units_short",
    "expected_cancelled_orders",
    "days_of_cover",
    "stockout_date",
    "fbo_monthly_cost",
    "fbs_monthly_cost",
    "current_scheme",
    "recommended_scheme",
    "scheme_reasons",
]


def _finite_or_none(values: np.ndarray, digits: int = 4) -> list[float | None]:
    values = np.asarray(values, dtype=np.float64)
    rounded = np.round(values, digits)
    return [None if not math.isfinite(v) else v for v in rounded.tolist()]


def _floats(values: np.ndarray, digits: int = 4) -> list[float]:
    return np.round(np.nan_to_num(np.asarray(values, dtype=np.float64)), digits).tolist()


def _names(codes: np.ndarray, names: tuple[str, ...]) -> list[str]:
    return [names[c] if 0 <= c < len(names) else "" for c in np.asarray(codes).tolist()]


def _scheme_code(scheme: str) -> str:
    return FulfilmentScheme.FBO.value if scheme == "FBO" else FulfilmentScheme.FBS.value


def _date_or_none(base: date, days: float) -> date | None:
    """The stock-out date of the engine's ``stockout_day``: day k = 1 is the plan date itself,
    so the first day whose demand cannot be met in full is ``base + k − 1`` (0 = today);
    the SKU plan page's day table shows the same day as the first with lost demand."""
    if not math.isfinite(days) or days > 3650:
        return None
    return base + timedelta(days=max(0, math.ceil(days) - 1))


@transaction.atomic
def plan_results_save(
    *, run: PlanRun, plan_input: PlanInput, plan: CataloguePlan, params: PlanParams
) -> None:
    """Insert the engine's figures (one ``SkuPlan`` per SKU) and the suggestions of one chunk.

    Bulk writes only (COPY on PostgreSQL). SKUs that already have an approved reorder
    suggestion, or whose suggestion of the same plan date was dismissed, get no new one; the
    same holds for FBO shipments and scheme decisions. Existing rows of this run for these SKUs
    are replaced first, so a retried chunk does not duplicate anything.
    """
    if connection.vendor == "postgresql":
        # Derived, recomputable rows: do not wait for the WAL flush at commit. A crash can
        # lose only this chunk's rows; the run then never finishes and is abandoned.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    n = plan_input.n_skus
    sku_ids = plan_input.sku_ids
    ids = sku_ids.tolist()
    plan_date = run.plan_date
    snap = plan_input.snapshot
    lo, hi = ids[0], ids[-1]
    in_chunk = {"sku_id__gte": lo, "sku_id__lte": hi}
    for model in (SkuPlan, ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
        model.objects.filter(run=run, **in_chunk).delete()

    stockout_dates = [_date_or_none(plan_date, d) for d in np.asarray(plan.stockout_day).tolist()]
    current = _names(snap.current_scheme, SCHEME_NAMES)
    recommended = _names(plan.recommended_scheme, SCHEME_NAMES)
    columns = [
        [run.pk] * n,
        ids,
        [plan_date] * n,
        _names(plan.demand_class, DEMAND_CLASS_NAMES),
        plan_input.abc_class,
        _floats(plan_input.revenue, 2),
        _finite_or_none(plan.adi),
        _floats(plan.cv2),
        _names(plan.method, METHOD_NAMES),
        _floats(plan.forecast_mean),
        _floats(plan.forecast_sd),
        _finite_or_none(plan.holdout_mase),
        _finite_or_none(plan.holdout_rmsse),
        _finite_or_none(plan.holdout_bias),
        _floats(snap.service_level),
        _floats(snap.lead_time_mean_days, 2),
        _floats(snap.review_days, 2),
        _floats(plan.lead_time_demand_mean),
        _floats(plan.lead_time_demand_sd),
        _names(plan.distribution, DISTRIBUTION_NAMES),
        _floats(plan.safety_stock, 2),
        _floats(plan.reorder_point, 2),
        _floats(plan.order_up_to, 2),
        np.asarray(snap.available).astype(np.int64).tolist(),
        np.asarray(snap.on_order).astype(np.int64).tolist(),
        np.asarray(snap.in_transit).astype(np.int64).tolist(),
        _floats(plan.inventory_position, 2),
        np.rint(np.nan_to_num(plan.suggested_order)).astype(np.int64).tolist(),
        _floats(plan.risk_horizon_days, 2),
        _floats(plan.stockout_probability),
        _floats(plan.expected_units_short),
        _floats(plan.expected_cancelled_orders),
        _finite_or_none(plan.days_of_cover, 2),
        stockout_dates,
        _floats(plan.fbo_monthly_cost, 2),
        _floats(plan.fbs_monthly_cost, 2),
        [_scheme_code(s) for s in current],
        [_scheme_code(s) for s in recommended],
        np.asarray(plan.scheme_reasons).astype(np.int64).tolist(),
    ]
    bulk_insert(SkuPlan, _SKU_PLAN_COLUMNS, list(zip(*columns, strict=True)))
    promises_save(run=run, plan_input=plan_input, plan=plan)

    # SKUs a person already decided about: leave them alone
    approved = set(
        ReorderSuggestion.objects.filter(status=SuggestionStatus.APPROVED, **in_chunk).values_list(
            "sku_id", flat=True
        )
    ) | set(
        ReorderSuggestion.objects.filter(
            status=SuggestionStatus.DISMISSED, plan_date=plan_date, **in_chunk
        ).values_list("sku_id", flat=True)
    )
    fbo_held = set(
        FboShipmentSuggestion.objects.filter(
            Q(status=SuggestionStatus.APPROVED)
            | Q(status=SuggestionStatus.DISMISSED, plan_date=plan_date),
            **in_chunk,
        ).values_list("sku_id", "warehouse_id")
    )
    decisions_held = set(
        FulfilmentDecision.objects.filter(
            status=SuggestionStatus.DISMISSED, plan_date=plan_date, **in_chunk
        ).values_list("sku_id", flat=True)
    )
    now = timezone.now()

    # reorder suggestions
    suggested = np.rint(np.nan_to_num(plan.suggested_order)).astype(np.int64)
    moq = np.asarray(snap.moq).astype(np.int64)
    pack = np.asarray(snap.pack_size).astype(np.int64)
    reorder_rows = []
    for i in np.flatnonzero(
        (suggested > 0) & (plan_input.supplier_id > 0) & (plan_input.destination_id > 0)
    ).tolist():
        if ids[i] in approved:
            continue
        quantity = order_quantity_round(quantity=int(suggested[i]), moq=moq[i], pack_size=pack[i])
        unit_cost = round(float(plan_input.supplier_unit_cost[i]), 2)
        lead = snap.lead_time_mean_days[i]
        stockout = stockout_dates[i]
        reason = (
            f"Position {plan.inventory_position[i]:.0f} ≤ reorder point "
            f"{plan.reorder_point[i]:.0f}; up to {plan.order_up_to[i]:.0f}; "
            f"stock-out risk {plan.stockout_probability[i]:.0%}"
            + (f", runs out {stockout:%d.%m}" if stockout else "")
        )
        reorder_rows.append(
            (
                run.pk,
                plan_date,
                ids[i],
                int(plan_input.supplier_id[i]),
                int(plan_input.destination_id[i]),
                quantity,
                unit_cost,
                round(unit_cost * quantity, 2),
                plan_date + timedelta(days=math.ceil(lead)),
                reason[:255],
                SuggestionStatus.PROPOSED.value,
                "",
                now,
            )
        )
    bulk_insert(
        ReorderSuggestion,
        [
            "run_id",
            "plan_date",
            "sku_id",
            "supplier_id",
            "warehouse_id",
            "quantity",
            "unit_cost",
            "cost",
            "expected_arrival",
            "reason",
            "status",
            "dismiss_reason",
            "created_at",
        ],
        reorder_rows,
    )

    # fulfilment scheme decisions: only where the recommendation differs from a single scheme
    decision_rows = []
    leaving_fbo: set[int] = set()
    for i in np.flatnonzero(
        np.asarray(plan.recommended_scheme) != np.asarray(snap.current_scheme)
    ).tolist():
        if plan_input.scheme[i] == FulfilmentScheme.BOTH or ids[i] in decisions_held:
            continue
        if _scheme_code(recommended[i]) == FulfilmentScheme.FBS:
            leaving_fbo.add(ids[i])
        decision_rows.append(
            (
                run.pk,
                plan_date,
                ids[i],
                plan_input.scheme[i],
                _scheme_code(recommended[i]),
                round(float(plan.fbo_monthly_cost[i]), 2),
                round(float(plan.fbs_monthly_cost[i]), 2),
                json.dumps(plan.reasons_of(i)),
                SuggestionStatus.PROPOSED.value,
                now,
            )
        )
    bulk_insert(
        FulfilmentDecision,
        [
            "run_id",
            "plan_date",
            "sku_id",
            "current_scheme",
            "recommended_scheme",
            "fbo_monthly_cost",
            "fbs_monthly_cost",
            "reasons",
            "status",
            "created_at",
        ],
        decision_rows,
    )

    # FBO shipments, never for a SKU that this run proposes to take off FBO: the two would
    # contradict each other (the planner would send stock to where the plan says to stop selling
    # from). Once the switch is dismissed, the next run suggests the shipments again.
    shipment = np.rint(np.nan_to_num(np.asarray(plan.fbo_shipment, dtype=np.float64)))
    fbo_rows = []
    if shipment.size:
        for i, j in zip(*np.nonzero(shipment >= 1), strict=True):
            warehouse_id = int(plan_input.fbo_warehouse_ids[j])
            if (ids[i], warehouse_id) in fbo_held or ids[i] in leaving_fbo:
                continue
            fbo_rows.append(
                (
                    run.pk,
                    plan_date,
                    ids[i],
                    warehouse_id,
                    int(shipment[i, j]),
                    SuggestionStatus.PROPOSED.value,
                    now,
                )
            )
    bulk_insert(
        FboShipmentSuggestion,
        ["run_id", "plan_date", "sku_id", "warehouse_id", "quantity", "status", "created_at"],
        fbo_rows,
    )
