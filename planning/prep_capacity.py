"""Realistic prep times, packing capacity and the next two weeks' due orders, from FBS history.

Bulk reads only (a fixed number of queries whatever the number of orders and SKUs): the FBS
orders handed over or packed in the window with their lines' SKUs, the own warehouses and their
holidays, the open orders by ship-by day, the live plan's forecasts and each SKU's share of
orders per warehouse. The numbers come from ``planning.engine.prep`` and
``planning.engine.capacity``.

Settings (``ZAPAS``): ``PREP_LEARN_DAYS`` (90), ``PREP_TARGET_LATE_SHARE`` (0.02),
``PREP_MAX_DAYS`` (5), ``PREP_MIN_SKU_ORDERS`` (30: a SKU gets a row of its own only with that
many orders and a recommendation that differs from its warehouse's), ``CAPACITY_QUANTILE``
(0.9), ``CAPACITY_HORIZON_DAYS`` (14); working hours are fulfilment's ``WORKDAY_START`` …
``WORKDAY_END``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from fulfilment.conf import setting as fulfilment_setting
from fulfilment.models import Order, OrderLine, OrderScheme, OrderStatus
from inventory.models import Sku, Warehouse, WarehouseHoliday
from planning.engine.capacity import capacity_outlook, expected_due, learned_capacity
from planning.engine.prep import (
    calendar_index,
    recommend_prep_days,
    required_prep_days,
    working_hours,
)
from planning.models import (
    CapacityForecast,
    PackingCapacity,
    PlanRun,
    PrepTimeRecommendation,
    SkuPlan,
)


def _setting(name: str, default):
    return settings.ZAPAS.get(name, default)


def _seconds(value: str) -> float:
    t = time.fromisoformat(value)
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class Calendars:
    """Own warehouses (W,) and their working days over ``start`` … ``start + days − 1``."""

    warehouse_ids: np.ndarray
    zones: list[ZoneInfo]
    cutoff_seconds: np.ndarray
    start: date
    working: np.ndarray  # bool (W, D)

    def column(self, warehouse_ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.warehouse_ids, warehouse_ids)

    def local(self, w: np.ndarray, moments: list[datetime]) -> tuple[np.ndarray, np.ndarray]:
        """(day index, seconds after local midnight) of each instant in its warehouse's zone."""
        days = np.empty(len(moments), dtype=np.int64)
        secs = np.empty(len(moments), dtype=np.float64)
        for k, (col, moment) in enumerate(zip(w.tolist(), moments, strict=True)):
            local = moment.astimezone(self.zones[col])
            days[k] = (local.date() - self.start).days
            secs[k] = local.hour * 3600 + local.minute * 60 + local.second
        return days, secs


def own_calendars(*, start: date, days: int) -> Calendars:
    """Working-day matrix of the active own warehouses (two queries)."""
    rows = list(
        Warehouse.objects.filter(kind=Warehouse.Kind.OWN, is_active=True)
        .order_by("pk")
        .values_list("pk", "time_zone", "cutoff_time", "working_days")
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    dates = [start + timedelta(days=d) for d in range(days)]
    weekday = np.array([d.isoweekday() for d in dates])
    working = np.zeros((len(rows), days), dtype=bool)
    for j, r in enumerate(rows):
        working[j] = np.isin(weekday, [int(c) for c in r[3]])
    for wid, day in WarehouseHoliday.objects.filter(
        warehouse_id__in=ids.tolist(), date__gte=start, date__lt=start + timedelta(days=days)
    ).values_list("warehouse_id", "date"):
        working[np.searchsorted(ids, wid), (day - start).days] = False
    return Calendars(
        warehouse_ids=ids,
        zones=[ZoneInfo(r[1]) for r in rows],
        cutoff_seconds=np.array(
            [r[2].hour * 3600 + r[2].minute * 60 + r[2].second for r in rows], dtype=np.float64
        ),
        start=start,
        working=working,
    )


# --- prep time --------------------------------------------------------------------------------


def prep_time_refresh(*, as_of: date) -> int:
    """Recompute the prep-time recommendations from the FBS orders handed over in the window.

    Returns the rows written; replaces the previous ones in one transaction.
    """
    learn_days = int(_setting("PREP_LEARN_DAYS", 90))
    max_days = int(_setting("PREP_MAX_DAYS", 5))
    target = float(_setting("PREP_TARGET_LATE_SHARE", 0.02))
    min_sku_orders = int(_setting("PREP_MIN_SKU_ORDERS", 30))
    start = as_of - timedelta(days=learn_days)
    # room after the window for hand-overs that met a later cut-off
    cal = own_calendars(start=start - timedelta(days=7), days=learn_days + 7 + max_days + 14)
    orders = list(
        Order.objects.filter(
            scheme=OrderScheme.FBS,
            shipped_at__isnull=False,
            accepted_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
            accepted_at__lt=timezone.make_aware(datetime.combine(as_of, time.min)),
            warehouse_id__in=cal.warehouse_ids.tolist(),
        )
        .order_by("pk")
        .values_list("pk", "warehouse_id", "accepted_at", "shipped_at")
    )
    rows: list[PrepTimeRecommendation] = []
    if orders:
        order_ids = np.array([o[0] for o in orders], dtype=np.int64)
        w = cal.column(np.array([o[1] for o in orders], dtype=np.int64))
        a_day, a_sec = cal.local(w, [o[2] for o in orders])
        h_day, h_sec = cal.local(w, [o[3] for o in orders])
        limit = cal.working.shape[1] - 1
        h_day = np.minimum(h_day, limit)
        index = calendar_index(cal.working)
        required = required_prep_days(
            calendar=index,
            warehouse=w,
            accepted_day=a_day,
            accepted_seconds=a_sec,
            handed_day=h_day,
            handed_seconds=h_sec,
            cutoff_seconds=cal.cutoff_seconds,
        )
        day_start = _seconds(fulfilment_setting("WORKDAY_START"))
        day_end = _seconds(fulfilment_setting("WORKDAY_END"))
        kw = dict(calendar=index, warehouse=w, day_start_seconds=day_start, day_end_seconds=day_end)
        hours = working_hours(day=h_day, seconds=h_sec, **kw) - working_hours(
            day=a_day, seconds=a_sec, **kw
        )
        # lines: each order's SKUs and its current setting (the longest prep among them)
        lines = list(
            OrderLine.objects.filter(
                order__scheme=OrderScheme.FBS,
                order__shipped_at__isnull=False,
                order__accepted_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
                order__accepted_at__lt=timezone.make_aware(datetime.combine(as_of, time.min)),
            ).values_list("order_id", "sku_id", "sku__fbs_prep_days")
        )
        line_order = np.searchsorted(order_ids, np.array([r[0] for r in lines], dtype=np.int64))
        ok = (line_order < order_ids.size) & (
            order_ids[np.minimum(line_order, order_ids.size - 1)]
            == np.array([r[0] for r in lines], dtype=np.int64)
        )
        line_order = line_order[ok]
        line_sku = np.array([r[1] for r in lines], dtype=np.int64)[ok]
        line_prep = np.array([r[2] for r in lines], dtype=np.int64)[ok]
        current = np.zeros(order_ids.size, dtype=np.int64)
        np.maximum.at(current, line_order, line_prep)

        n_w = cal.warehouse_ids.size
        by_wh = recommend_prep_days(
            group=w,
            required_days=required,
            current_days=current,
            hours=hours,
            n_groups=n_w,
            max_days=max_days,
            target_late_share=target,
        )
        # the most common current setting per warehouse
        mode = np.zeros((n_w, max(max_days, int(current.max(initial=0))) + 1), dtype=np.int64)
        np.add.at(mode, (w, current), 1)
        for j in np.flatnonzero(by_wh.orders > 0):
            rows.append(_prep_row(cal, j, None, by_wh, j, int(mode[j].argmax()), as_of))

        # per (warehouse, SKU): an order counts for each SKU on it
        key = w[line_order] * (int(line_sku.max(initial=0)) + 1) + line_sku
        keys, group = np.unique(key, return_inverse=True)
        by_sku = recommend_prep_days(
            group=group,
            required_days=required[line_order],
            current_days=line_prep,
            hours=hours[line_order],
            n_groups=keys.size,
            max_days=max_days,
            target_late_share=target,
        )
        width = int(line_sku.max(initial=0)) + 1
        sku_w, sku_id = keys // width, keys % width
        current_of = np.zeros(keys.size, dtype=np.int64)
        current_of[group] = line_prep
        differs = (by_sku.orders >= min_sku_orders) & (
            by_sku.recommended_days != by_wh.recommended_days[sku_w]
        )
        for g in np.flatnonzero(differs):
            rows.append(
                _prep_row(cal, int(sku_w[g]), int(sku_id[g]), by_sku, g, int(current_of[g]), as_of)
            )
    with transaction.atomic():
        PrepTimeRecommendation.objects.all().delete()
        PrepTimeRecommendation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _prep_row(cal, w: int, sku_id, rec, g: int, current: int, as_of: date):
    def num(v):
        return None if not np.isfinite(v) else round(float(v), 2)

    return PrepTimeRecommendation(
        warehouse_id=int(cal.warehouse_ids[w]),
        sku_id=sku_id,
        computed_on=as_of,
        orders=int(rec.orders[g]),
        hours_p50=num(rec.hours_p50[g]),
        hours_p90=num(rec.hours_p90[g]),
        late_share=[round(float(x), 4) for x in rec.late_share[g]],
        current_days=current,
        late_now=num(rec.late_now[g]),
        recommended_days=int(rec.recommended_days[g]),
    )


@transaction.atomic
def prep_time_apply(*, recommendation: PrepTimeRecommendation) -> int:
    """Set the SKUs' FBS prep time to the recommendation; returns the SKUs changed.

    A SKU row applies to its SKU; a warehouse row to every SKU handed over from that warehouse
    in the window except those with a row of their own. The change is recorded in the SKUs'
    history; deadlines of orders already taken in stay as they are.
    """
    rec = PrepTimeRecommendation.objects.select_for_update().get(pk=recommendation.pk)
    if rec.sku_id is not None:
        sku_ids = [rec.sku_id]
    else:
        own = PrepTimeRecommendation.objects.filter(
            warehouse_id=rec.warehouse_id, sku__isnull=False
        ).values_list("sku_id", flat=True)
        since = timezone.make_aware(
            datetime.combine(
                rec.computed_on - timedelta(days=int(_setting("PREP_LEARN_DAYS", 90))), time.min
            )
        )
        sku_ids = (
            OrderLine.objects.filter(
                order__warehouse_id=rec.warehouse_id,
                order__scheme=OrderScheme.FBS,
                order__accepted_at__gte=since,
            )
            .exclude(sku_id__in=own)
            .values_list("sku_id", flat=True)
            .distinct()
        )
    skus = list(
        Sku.objects.filter(pk__in=list(sku_ids))
        .exclude(fbs_prep_days=rec.recommended_days)
        .order_by("pk")
        .select_for_update()
    )
    for sku in skus:
        sku.fbs_prep_days = rec.recommended_days
    if skus:
        bulk_update_with_history(skus, Sku, ["fbs_prep_days"], batch_size=500)
    rec.applied_at = timezone.now()
    rec.save(update_fields=["applied_at"])
    return len(skus)


# --- packing capacity and the next two weeks ----------------------------------------------------


def packing_capacity_refresh(*, as_of: date) -> int:
    """Learn each own warehouse's orders per working hour from its packed orders."""
    learn_days = int(_setting("PREP_LEARN_DAYS", 90))
    start = as_of - timedelta(days=learn_days)
    cal = own_calendars(start=start, days=learn_days)
    if cal.warehouse_ids.size == 0:
        return 0
    packed = list(
        Order.objects.filter(
            packed_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
            packed_at__lt=timezone.make_aware(datetime.combine(as_of, time.min)),
            warehouse_id__in=cal.warehouse_ids.tolist(),
        ).values_list("warehouse_id", "packed_at")
    )
    w = cal.column(np.array([p[0] for p in packed], dtype=np.int64))
    day, _ = cal.local(w, [p[1] for p in packed])
    hours = (
        _seconds(fulfilment_setting("WORKDAY_END")) - _seconds(fulfilment_setting("WORKDAY_START"))
    ) / 3600
    rate, measured = learned_capacity(
        warehouse=w,
        packed_day=day,
        working=cal.working,
        hours_per_day=hours,
        quantile=float(_setting("CAPACITY_QUANTILE", 0.9)),
    )
    with transaction.atomic():
        for j, wid in enumerate(cal.warehouse_ids.tolist()):
            PackingCapacity.objects.update_or_create(
                warehouse_id=wid,
                defaults={
                    "learned_orders_per_hour": None
                    if not np.isfinite(rate[j])
                    else round(float(rate[j]), 2),
                    "days_measured": int(measured[j]),
                    "computed_on": as_of,
                },
            )
    return int(cal.warehouse_ids.size)


def capacity_forecast_refresh(*, as_of: date) -> int:
    """Orders due per own warehouse per day for the next ``CAPACITY_HORIZON_DAYS`` days.

    Open orders count on their ship-by day; new orders come from the live plan's forecast
    (units a day) split by each SKU's share of order lines per warehouse over the learning
    window, turned into orders (lines per unit, orders per line) and due after the SKU's prep
    time. Replaces the forecast rows.
    """
    horizon = int(_setting("CAPACITY_HORIZON_DAYS", 14))
    learn_days = int(_setting("PREP_LEARN_DAYS", 90))
    max_days = int(_setting("PREP_MAX_DAYS", 5))
    cal = own_calendars(start=as_of, days=horizon + max_days + 14)
    n_w = cal.warehouse_ids.size
    if n_w == 0:
        return 0
    index = calendar_index(cal.working)

    # open orders by their ship-by local day
    open_due = np.zeros((n_w, horizon))
    opened = list(
        Order.objects.filter(
            status=OrderStatus.AWAITING_PACKAGING,
            scheme=OrderScheme.FBS,
            warehouse_id__in=cal.warehouse_ids.tolist(),
        ).values_list("warehouse_id", "ship_by")
    )
    if opened:
        w = cal.column(np.array([o[0] for o in opened], dtype=np.int64))
        day, _ = cal.local(w, [o[1] for o in opened])
        day = np.clip(day, 0, None)  # overdue orders are due today
        keep = day < horizon
        np.add.at(open_due, (w[keep], day[keep]), 1)

    # expected new orders from the live plan
    since = timezone.make_aware(datetime.combine(as_of - timedelta(days=learn_days), time.min))
    until = timezone.make_aware(datetime.combine(as_of, time.min))
    mix = list(
        OrderLine.objects.filter(
            order__scheme=OrderScheme.FBS,
            order__accepted_at__gte=since,
            order__accepted_at__lt=until,
            order__warehouse_id__in=cal.warehouse_ids.tolist(),
        )
        .values("order__warehouse_id", "sku_id")
        .annotate(lines=Count("id"), units=Sum("quantity"))
        .values_list("order__warehouse_id", "sku_id", "lines", "units")
    )
    per_wh = dict(
        Order.objects.filter(
            scheme=OrderScheme.FBS,
            accepted_at__gte=since,
            accepted_at__lt=until,
            warehouse_id__in=cal.warehouse_ids.tolist(),
        )
        .values("warehouse_id")
        .annotate(n=Count("id"))
        .values_list("warehouse_id", "n")
    )
    arrivals = np.zeros((n_w, max_days + 1, horizon))
    run = PlanRun.objects.current()
    if mix and run is not None:
        m_w = cal.column(np.array([r[0] for r in mix], dtype=np.int64))
        m_sku = np.array([r[1] for r in mix], dtype=np.int64)
        m_lines = np.array([r[2] for r in mix], dtype=np.float64)
        m_units = np.array([r[3] for r in mix], dtype=np.float64)
        plans = dict(
            SkuPlan.objects.filter(run=run, sku_id__in=np.unique(m_sku).tolist()).values_list(
                "sku_id", "forecast_mean"
            )
        )
        prep = dict(
            Sku.objects.filter(pk__in=np.unique(m_sku).tolist()).values_list("pk", "fbs_prep_days")
        )
        forecast = np.array([plans.get(k, 0.0) for k in m_sku.tolist()])
        p = np.minimum(np.array([prep.get(k, 1) for k in m_sku.tolist()]), max_days)
        # units the SKU sells in all → lines at this warehouse: forecast × lines_w / units_all
        _, inv = np.unique(m_sku, return_inverse=True)
        units_all = np.bincount(inv, weights=m_units)[inv]
        lines_per_day = forecast * m_lines / np.maximum(units_all, 1)
        lines_w = np.bincount(m_w, weights=m_lines, minlength=n_w)
        orders_per_line = np.array(
            [per_wh.get(int(wid), 0) for wid in cal.warehouse_ids.tolist()]
        ) / np.maximum(lines_w, 1)
        daily = np.zeros((n_w, max_days + 1))
        np.add.at(daily, (m_w, p), lines_per_day * orders_per_line[m_w])
        arrivals[:] = daily[:, :, None]
    expected = expected_due(calendar=index, arrivals=arrivals, prep_days=np.arange(max_days + 1))

    caps = {
        c.warehouse_id: c
        for c in PackingCapacity.objects.filter(warehouse_id__in=cal.warehouse_ids)
    }
    rate = np.array(
        [
            (caps[wid].effective_orders_per_hour or np.nan) if wid in caps else np.nan
            for wid in cal.warehouse_ids.tolist()
        ],
        dtype=np.float64,
    )
    packers = np.array(
        [caps[wid].packers if wid in caps else 1 for wid in cal.warehouse_ids.tolist()]
    )
    hours = (
        _seconds(fulfilment_setting("WORKDAY_END")) - _seconds(fulfilment_setting("WORKDAY_START"))
    ) / 3600
    known = np.isfinite(rate)
    out = capacity_outlook(
        open_due=open_due,
        expected=expected,
        working=cal.working[:, :horizon],
        orders_per_hour=np.where(known, rate, 0.0),
        hours_per_day=hours,
        packers=packers,
    )
    rows = [
        CapacityForecast(
            warehouse_id=int(wid),
            day=as_of + timedelta(days=d),
            computed_on=as_of,
            open_due=int(open_due[j, d]),
            expected_due=round(float(expected[j, d]), 2),
            capacity=round(float(out.capacity[j, d]), 2) if known[j] else None,
            excess=round(float(out.excess[j, d]), 2) if known[j] else 0.0,
            extra_packer_hours=round(float(out.extra_packer_hours[j, d]), 2) if known[j] else 0.0,
        )
        for j, wid in enumerate(cal.warehouse_ids.tolist())
        for d in range(horizon)
    ]
    with transaction.atomic():
        CapacityForecast.objects.all().delete()
        CapacityForecast.objects.bulk_create(rows)
    return len(rows)
