"""Daily cycle-count lists and record accuracy, from stock levels, the ledger and past counts.

Three bulk reads (stock at own warehouses, shipments of the last ``CYCLE_COUNT_VALUE_DAYS``
days, every cell's count history) feed ``planning.engine.cyclecount``; the day's list replaces
any earlier list of that day. A task is *done* once the cell has been counted on or after its
day (``StockCount``), so the scan station and the admin need no bookkeeping of their own.

Settings (``ZAPAS``): ``CYCLE_COUNT_DAILY_BUDGET`` (20 cells per warehouse a day),
``CYCLE_COUNT_INTERVALS`` ([30, 60, 120] days for A/B/C), ``CYCLE_COUNT_VALUE_DAYS`` (90),
``RECORD_ACCURACY_DAYS`` (90).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Abs, Cast
from django.utils import timezone

from inventory.models import MovementKind, StockCount, StockLevel, StockMovement, Warehouse
from planning.engine.cyclecount import DEFAULT_INTERVALS, cycle_count_plan
from planning.models import CycleCountTask

ABC = "ABC"


def _setting(name: str, default):
    return settings.ZAPAS.get(name, default)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def cycle_count_plan_build(*, as_of: date) -> int:
    """Write the list of cells to count on ``as_of`` (every own warehouse); returns its size."""
    value_days = int(_setting("CYCLE_COUNT_VALUE_DAYS", 90))
    levels = list(
        StockLevel.objects.filter(
            on_hand__gt=0,
            warehouse__kind=Warehouse.Kind.OWN,
            warehouse__is_active=True,
            sku__is_active=True,
        )
        .order_by("warehouse_id", "sku_id")
        .values_list("warehouse_id", "sku_id", "on_hand", Cast("sku__unit_cost", FloatField()))
    )
    if not levels:
        with transaction.atomic():
            CycleCountTask.objects.filter(plan_date=as_of).delete()
        return 0
    w = np.array([r[0] for r in levels], dtype=np.int64)
    k = np.array([r[1] for r in levels], dtype=np.int64)
    width = int(k.max()) + 1
    key = w * width + k  # sorted: levels are ordered by (warehouse, sku)

    def lookup(rows, value_columns: int) -> np.ndarray:
        out = np.zeros((key.size, value_columns))
        if rows:
            rk = np.array([r[0] * width + r[1] if r[1] < width else -1 for r in rows])
            j = np.searchsorted(key, rk)
            hit = (rk >= 0) & (j < key.size) & (key[np.minimum(j, key.size - 1)] == rk)
            vals = np.array([r[2:] for r in rows], dtype=np.float64)
            out[j[hit]] = vals[hit]
        return out

    shipped = lookup(
        list(
            StockMovement.objects.filter(
                kind=MovementKind.SHIPMENT,
                created_at__gte=_midnight(as_of - timedelta(days=value_days)),
                created_at__lt=_midnight(as_of),
            )
            .values("warehouse_id", "sku_id")
            .annotate(units=Sum("quantity"))
            .values_list("warehouse_id", "sku_id", "units")
        ),
        1,
    )[:, 0]
    counted = list(
        StockCount.objects.filter(created_at__lt=_midnight(as_of))
        .values("warehouse_id", "sku_id")
        .annotate(last=Max("created_at"), n=Count("id"), off=Count("id", filter=~Q(variance=0)))
        .values_list("warehouse_id", "sku_id", "last", "n", "off")
    )
    history = lookup(
        [(r[0], r[1], (as_of - timezone.localdate(r[2])).days, r[3], r[4]) for r in counted],
        3,
    )
    ever = lookup([(r[0], r[1], 1.0) for r in counted], 1)[:, 0] > 0
    unit_cost = np.array([r[3] for r in levels], dtype=np.float64)
    plan = cycle_count_plan(
        warehouse=w,
        daily_value=-shipped / value_days * unit_cost,  # shipments are negative on the ledger
        days_since_count=np.where(ever, history[:, 0], np.nan),
        counts=history[:, 1],
        counts_with_variance=history[:, 2],
        budget=int(_setting("CYCLE_COUNT_DAILY_BUDGET", 20)),
        intervals=tuple(_setting("CYCLE_COUNT_INTERVALS", DEFAULT_INTERVALS)),
    )
    rows = [
        CycleCountTask(
            plan_date=as_of,
            warehouse_id=int(w[i]),
            sku_id=int(k[i]),
            rank=int(plan.rank[i]),
            abc_class=ABC[int(plan.abc[i])],
            urgency=round(float(plan.urgency[i]), 4),
            days_since_count=int(history[i, 0]) if ever[i] else None,
            past_counts=int(history[i, 1]),
            past_variances=int(history[i, 2]),
            on_hand=int(levels[i][2]),
        )
        for i in np.flatnonzero(plan.selected)
    ]
    with transaction.atomic():
        CycleCountTask.objects.filter(plan_date=as_of).delete()
        CycleCountTask.objects.bulk_create(rows)
    return len(rows)


def cycle_count_tasks(*, warehouse: Warehouse, day: date) -> QuerySet[CycleCountTask]:
    """The day's list for one warehouse, in counting order, each with ``done``."""
    return (
        CycleCountTask.objects.filter(plan_date=day, warehouse=warehouse)
        .select_related("sku")
        .annotate(
            done=Exists(
                StockCount.objects.filter(
                    sku_id=OuterRef("sku_id"),
                    warehouse_id=OuterRef("warehouse_id"),
                    created_at__gte=_midnight(day),
                )
            )
        )
        .order_by("rank")
    )


@dataclass(frozen=True)
class RecordAccuracy:
    warehouse_code: str
    counts: int
    exact: int
    variance_value: Decimal  # Σ |variance| × unit cost

    @property
    def exact_share(self) -> float | None:
        return self.exact / self.counts if self.counts else None


def record_accuracy(*, days: int | None = None) -> list[RecordAccuracy]:
    """Per own warehouse over the last ``days``: counts, how many matched, value of variances."""
    days = int(days or _setting("RECORD_ACCURACY_DAYS", 90))
    since = timezone.now() - timedelta(days=days)
    rows = (
        StockCount.objects.filter(created_at__gte=since)
        .values("warehouse__code")
        .annotate(
            n=Count("id"),
            exact=Count("id", filter=Q(variance=0)),
            value=Sum(
                ExpressionWrapper(
                    Abs("variance") * F("unit_cost"),
                    output_field=DecimalField(max_digits=18, decimal_places=2),
                )
            ),
        )
        .order_by("warehouse__code")
    )
    return [
        RecordAccuracy(r["warehouse__code"], r["n"], r["exact"], r["value"] or Decimal("0"))
        for r in rows
    ]
