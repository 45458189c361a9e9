"""Expedite suggestions: where a SKU has several supplier items and its primary cannot arrive
before the stock-out, compare each option on purchase cost plus the cancellations its (learned)
lead time would cause (``planning.engine.expedite``), and keep the cheaper faster one. Costs are
compared and stored in the base currency (``ZAPAS["CURRENCY"]``), item costs converted at the
exchange rate valid that day.

Reads the live plan (days of cover, forecast, stock, order quantity) and the supplier items of
its SKUs that have more than one, in four queries; replaces the suggestions.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, F, FloatField
from django.db.models.functions import Cast

from core.money import latest_rates
from inventory.models import SupplierItem
from planning.engine.expedite import choose_expedite, option_costs
from planning.models import ExpediteSuggestion, PlanRun, SkuPlan
from planning.params import plan_params
from planning.supplier_learning import learned_lead_times


def expedite_refresh(*, as_of: date) -> int:
    """Recompute the expedite suggestions from the live plan; returns how many there are."""
    run = PlanRun.objects.current()
    rows: list[ExpediteSuggestion] = []
    plans = []
    if run is not None:
        several = (
            SupplierItem.objects.filter(supplier__is_active=True)
            .values("sku_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values("sku_id")
        )
        plans = list(
            SkuPlan.objects.filter(run=run, sku_id__in=several, days_of_cover__isnull=False)
            .filter(days_of_cover__lt=F("lead_time_days"))
            .order_by("sku_id")
            .values_list(
                "sku_id",
                "forecast_mean",
                "forecast_sd",
                "available",
                "in_transit",
                "suggested_order",
                "order_up_to",
                "inventory_position",
                "days_of_cover",
                "stockout_date",
                "expected_units_short",
                "expected_cancelled_orders",
            )
        )
    if plans:
        sku_ids = np.array([p[0] for p in plans], dtype=np.int64)
        col = lambda j: np.array([p[j] or 0 for p in plans], dtype=np.float64)  # noqa: E731
        quantity = np.maximum(col(5), np.ceil(np.maximum(col(6) - col(7), 0)))
        short, cancelled = col(10), col(11)
        per_order = np.where(
            (short > 0) & (cancelled > 0), short / np.maximum(cancelled, 1e-9), 1.0
        )
        items = list(
            SupplierItem.objects.filter(sku_id__in=sku_ids.tolist(), supplier__is_active=True)
            .order_by("sku_id", "-is_primary", "pk")
            .values_list(
                "sku_id",
                "supplier_id",
                "is_primary",
                Cast("unit_cost", FloatField()),
                Cast("sku__unit_cost", FloatField()),
                Cast("lead_time_mean_days", FloatField()),
                Cast("lead_time_sd_days", FloatField()),
                Cast("supplier__lead_time_mean_days", FloatField()),
                Cast("supplier__lead_time_sd_days", FloatField()),
                "supplier__currency",
            )
        )
        # An item's cost is in its supplier's currency: compared in the base currency at the
        # rate valid today. A SKU with an item in a currency without a rate is left out (its
        # options cannot be compared honestly).
        rates = latest_rates({r[9] for r in items}, on=as_of)
        unpriced = {r[0] for r in items if r[9] not in rates}
        items = [r for r in items if r[0] not in unpriced]
        to_base = np.array([float(rates[r[9]][0]) for r in items], dtype=np.float64)
        o_sku = np.searchsorted(sku_ids, np.array([r[0] for r in items], dtype=np.int64))
        o_sup = np.array([r[1] for r in items], dtype=np.int64)
        icol = lambda j: np.array([np.nan if r[j] is None else r[j] for r in items])  # noqa: E731
        own_mean, own_sd = icol(5), icol(6)
        stated_mean = np.where(np.isnan(own_mean), icol(7), own_mean)
        stated_sd = np.where(np.isnan(own_sd), icol(8), own_sd)
        lm, ls = learned_lead_times(
            sku_ids=sku_ids[o_sku], supplier_ids=o_sup, has_override=~np.isnan(own_mean)
        )
        lead_mean = np.where(np.isnan(lm), stated_mean, lm)
        lead_sd = np.where(np.isnan(ls), stated_sd, ls)
        # the SKU's own unit cost (the fallback) is in the base currency already
        unit_cost = np.where(icol(3) > 0, icol(3) * to_base, icol(4))
        # a SKU without a flagged primary: its first item is the one the plan used
        is_primary = np.zeros(len(items), dtype=bool)
        first = np.ones(len(items), dtype=bool)
        first[1:] = o_sku[1:] != o_sku[:-1]
        is_primary[first] = True
        costs = option_costs(
            sku=o_sku,
            lead_mean=lead_mean,
            lead_sd=lead_sd,
            unit_cost=unit_cost,
            quantity=quantity,
            demand_mean=col(1),
            demand_sd=col(2),
            stock=np.maximum(col(3), 0) + col(4),
            units_per_order=per_order,
            cancel_penalty=plan_params().tariffs.fbs_cancel_penalty,
        )
        choice = choose_expedite(
            sku=o_sku,
            is_primary=is_primary,
            lead_mean=lead_mean,
            total_cost=costs.total_cost,
            days_of_cover=col(8),
            n_skus=sku_ids.size,
        )
        for i in np.flatnonzero(choice.backup >= 0):
            p, b = int(choice.primary[i]), int(choice.backup[i])
            rows.append(
                ExpediteSuggestion(
                    sku_id=int(sku_ids[i]),
                    computed_on=as_of,
                    quantity=int(quantity[i]),
                    days_of_cover=round(float(col(8)[i]), 2),
                    stockout_date=plans[i][9] or as_of + timedelta(days=int(col(8)[i])),
                    primary_supplier_id=int(o_sup[p]),
                    primary_lead_days=round(float(lead_mean[p]), 2),
                    primary_purchase_cost=round(float(costs.purchase_cost[p]), 2),
                    primary_cancelled_orders=round(float(costs.cancelled_orders[p]), 2),
                    primary_total_cost=round(float(costs.total_cost[p]), 2),
                    backup_supplier_id=int(o_sup[b]),
                    backup_lead_days=round(float(lead_mean[b]), 2),
                    backup_purchase_cost=round(float(costs.purchase_cost[b]), 2),
                    backup_cancelled_orders=round(float(costs.cancelled_orders[b]), 2),
                    backup_total_cost=round(float(costs.total_cost[b]), 2),
                )
            )
    with transaction.atomic():
        ExpediteSuggestion.objects.all().delete()
        ExpediteSuggestion.objects.bulk_create(rows)
    return len(rows)
