"""Selectors that build the engine's ``CatalogueSnapshot`` from the database, in bulk.

A slice of the catalogue (a sorted array of SKU ids) is read with a fixed number of queries
whatever its size: the SKUs, their supplier items, stock levels, open purchase-order lines,
open transfers, the FBO warehouses, the service-level targets and the demand history. The
demand history (tens of millions of rows for a large catalogue) is streamed on PostgreSQL with
``COPY … TO STDOUT (FORMAT BINARY)`` straight into numpy; elsewhere it is fetched with one
plain query.

How the figures map (units unless stated):

- ``available`` = Σ (on hand − reserved) over the SKU's active *own* warehouses, less the
  unreserved units of open orders from own warehouses (short orders already promised).
- ``on_order`` = Σ (ordered − received) over lines of open purchase orders
  (draft, sent, partially received); they arrive on the PO's expected date.
- ``in_transit`` = Σ (dispatched − received) over open transfers to FBO warehouses, plus the
  units a draft transfer holds reserved at its source (a supply ready to ship: no longer in
  ``available``); they also appear per FBO warehouse in ``fbo.in_transit`` (draft transfers
  there whole). They count in
  the inventory position, but the receipts schedule (own shelves) holds purchase orders only.
  Units already at FBO warehouses (``fbo.stock``) are sellable: the engine adds them to the
  position and to the stock its risk figures draw on. ``fbo.enabled`` marks the SKUs sold
  through FBO (scheme FBO or both): only they get FBO shipment suggestions. The FBO columns
  are marketplace clusters where the warehouses have one, with the marketplace's own stock
  report, each cluster's share of the demand and the non-local share (``fbo_snapshot``).
- ``cancel_penalty``: what the marketplace charged per seller cancellation, per SKU or for the
  catalogue (``CostObservation``), else the flat tariff.
- Lead time: the primary supplier item's override, else its supplier's figure (a SKU without
  a primary item uses its first supplier item; one without any uses ``PLAN_DEFAULT_LEAD_TIME``),
  replaced by what the receipts taught (``SupplierPerformance``, see ``supplier_learning``)
  unless ``ZAPAS["PLAN_LEARNED_LEAD_TIMES"]`` is false.
- Service level: ``Sku.service_level`` if set, else the ``ServiceLevelTarget`` of the SKU's
  ABC class (refreshed by every run), else ``ZAPAS["DEFAULT_SERVICE_LEVEL"]``.
- History: the sum over sources per day; ``stocked_out`` days are censored: the engine reads
  ``units + lost_units`` there if some lost demand was recorded, else nothing (NaN).
- Shop calendar (``shop_calendar_read``): the days the shop was closed, detected from the
  number of SKUs of the *whole* catalogue selling per day (a weekday without any sale, an
  empty day in a busy stretch) plus ``ZAPAS["SHOP_CLOSED_WEEKDAYS"]`` (Monday = 0; when set,
  weekdays are not detected) and ``ZAPAS["SHOP_HOLIDAYS"]`` (dates, past or future); a run
  reads it once and hands the same calendar to every chunk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Count, F, FloatField, Min, Q, Sum
from django.db.models.functions import Cast

from inventory.models import (
    FulfilmentScheme,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    StockLevel,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
)
from planning.demand_history import demand_matrix_read
from planning.engine.calendar import ShopCalendar, shop_calendar
from planning.engine.schema import FBO, FBS, CatalogueSnapshot, FboSnapshot
from planning.fbo_inputs import cost_observation_read
from planning.fbo_models import CostKind
from planning.fbo_snapshot import fbo_columns_read, fbo_demand_read, fbo_reported_read
from planning.models import DemandHistory, ServiceLevelTarget
from planning.slices import rows_of, sku_filter
from planning.supplier_learning import learned_lead_times

#: ``abc_floors`` value: the SKUs being read are the whole catalogue and rank themselves.
SELF_RANKED = "self"

#: Receipts per SKU kept apart in the schedule; later ones merge into the last column.
RECEIPT_COLUMNS = 4


def _setting(name: str, default):
    return settings.ZAPAS.get(name, default)


@dataclass(frozen=True)
class PlanInput:
    """The engine's snapshot plus what the run needs to turn the plan into suggestions.

    Row ``i`` of every array is SKU ``sku_ids[i]``. Ids are 0 where there is none.
    """

    plan_date: date
    history_start: date
    sku_ids: np.ndarray  # int64 (n,), sorted
    sku_codes: list[str]
    scheme: list[str]  # current Sku.scheme per SKU (fbs/fbo/both)
    supplier_id: np.ndarray  # int64 (n,) supplier of the chosen supplier item, 0 = none
    supplier_unit_cost: np.ndarray  # float64 (n,) price from that supplier (else Sku.unit_cost)
    destination_id: np.ndarray  # int64 (n,) own warehouse that receives purchases
    fbo_warehouse_ids: np.ndarray  # int64 (W,)
    abc_class: list[str]  # A/B/C this run ("" = unclassified)
    revenue: np.ndarray  # float64 (n,) money over the ABC window
    snapshot: CatalogueSnapshot

    @property
    def n_skus(self) -> int:
        return int(self.sku_ids.shape[0])


# --- which SKUs -------------------------------------------------------------------------------


def _holidays() -> set[date]:
    out = set()
    for d in _setting("SHOP_HOLIDAYS", ()) or ():
        out.add(d if isinstance(d, date) else date.fromisoformat(str(d)))
    return out


def shop_calendar_read(*, start: date, plan_date: date) -> ShopCalendar:
    """The shop calendar of the history ``start`` … ``plan_date − 1`` (see the module
    docstring): one aggregate query over the whole catalogue's demand history."""
    days = max(0, (plan_date - start).days)
    selling = np.zeros(days, dtype=np.float64)
    rows = (
        DemandHistory.objects.filter(date__gte=start, date__lt=plan_date)
        .filter(Q(units__gt=0) | Q(lost_units__gt=0))
        .values("date")
        .annotate(skus=Count("pk"))
        .values_list("date", "skus")
    )
    for day, skus in rows:
        selling[(_as_date(day) - start).days] = skus
    holidays = _holidays()
    closed = np.zeros(days, dtype=bool)
    future = []
    for d in holidays:
        k = (d - start).days
        if 0 <= k < days:
            closed[k] = True
        elif k >= days:
            future.append(k - days)
    weekdays = _setting("SHOP_CLOSED_WEEKDAYS", None)
    return shop_calendar(
        selling,
        (plan_date - timedelta(days=1)).weekday(),
        detect=bool(_setting("SHOP_DETECT_CLOSED_DAYS", True)),
        closed_weekdays=None if weekdays is None else tuple(int(w) for w in weekdays),
        closed_history=closed,
        future_closed=tuple(future),
    )


def shop_calendar_to_json(calendar: ShopCalendar, *, start: date) -> dict:
    """The calendar as JSON (closed dates, not day indices) for the run's parameters."""
    closed = [
        (start + timedelta(days=int(k))).isoformat() for k in np.flatnonzero(~calendar.open_days)
    ]
    end = start + timedelta(days=calendar.n_days)
    return {
        "closed_weekdays": list(calendar.closed_weekdays),
        "closed_days": closed,
        "future_closed": [(end + timedelta(days=k)).isoformat() for k in calendar.future_closed],
    }


def shop_calendar_from_json(data: dict, *, start: date, plan_date: date) -> ShopCalendar:
    """Inverse of ``shop_calendar_to_json`` over the history ``start`` … ``plan_date − 1``."""
    days = max(0, (plan_date - start).days)
    open_days = np.ones(days, dtype=bool)
    for iso in data.get("closed_days", ()):
        k = (date.fromisoformat(iso) - start).days
        if 0 <= k < days:
            open_days[k] = False
    weekdays = tuple(int(w) for w in data.get("closed_weekdays", ()))
    end_weekday = (plan_date - timedelta(days=1)).weekday()
    weekday = (end_weekday - (days - 1 - np.arange(days))) % 7
    open_days &= ~np.isin(weekday, weekdays)
    future = tuple(
        (date.fromisoformat(iso) - plan_date).days for iso in data.get("future_closed", ())
    )
    return ShopCalendar(open_days, end_weekday, weekdays, tuple(k for k in future if k >= 0))


def catalogue_sku_ids(*, sku_codes: Sequence[str] | None = None) -> np.ndarray:
    """Sorted ids of the active SKUs to plan (all of them, or those with these codes)."""
    qs = Sku.objects.filter(is_active=True)
    if sku_codes:
        qs = qs.filter(code__in=list(sku_codes))
    return np.fromiter(qs.order_by("pk").values_list("pk", flat=True), dtype=np.int64)


def history_start(*, plan_date: date, history_days: int | None = None) -> date:
    """First day of the history window: ``history_days`` before the plan date, but never
    before the first recorded demand (the matrix would only hold leading zeros). With no
    demand at all in the window: the last 28 days (or fewer)."""
    days = history_days or int(_setting("PLAN_HISTORY_DAYS", 730))
    start = plan_date - timedelta(days=days)
    first = DemandHistory.objects.filter(date__gte=start, date__lt=plan_date).aggregate(
        first=Min("date")
    )["first"]
    if first is None:
        return plan_date - timedelta(days=min(days, 28))
    return max(start, first)


def abc_window_start(start: date, plan_date: date) -> date:
    """First day of the ABC revenue window: ``PLAN_ABC_WINDOW_DAYS`` (365) back, within the
    run's history."""
    return max(start, plan_date - timedelta(days=int(_setting("PLAN_ABC_WINDOW_DAYS", 365))))


def abc_floors_compute(
    *, plan_date: date, start: date, cutoffs: tuple[float, float] = (0.8, 0.95)
) -> tuple[float, float]:
    """Revenue floors of classes A and B over the whole active catalogue (two queries).

    Revenue = units over the ABC window × sale price. SKUs are ranked by revenue; the SKUs
    making the first ``cutoffs[0]`` of the cumulative revenue are A, up to ``cutoffs[1]`` B,
    the rest (and every SKU without sales) C; see ``planning.engine.classify.abc_classes``.
    Chunks class their SKUs against these floors, so any chunking gives the same classes
    (a tie at a boundary goes to the better class).
    """
    prices = list(
        Sku.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", Cast("sale_price", FloatField()))
    )
    if not prices:
        return math.inf, math.inf
    ids = np.array([p[0] for p in prices], dtype=np.int64)
    price = np.array([p[1] for p in prices], dtype=np.float64)
    sums = list(
        DemandHistory.objects.filter(
            date__gte=abc_window_start(start, plan_date), date__lt=plan_date
        )
        .order_by()
        .values("sku_id")
        .annotate(units=Sum("units"))
        .values_list("sku_id", "units")
    )
    units = np.zeros(ids.size, dtype=np.float64)
    if sums:
        arr = np.array(sums, dtype=np.int64)
        rows, ok = rows_of(ids, arr[:, 0])
        units[rows[ok]] = arr[ok, 1]
    return _floors_of(units * price, cutoffs)


def _floors_of(revenue: np.ndarray, cutoffs: tuple[float, float]) -> tuple[float, float]:
    from planning.engine.classify import abc_classes

    classes = abc_classes(revenue, cutoffs)
    floor_a = revenue[classes == 0].min() if (classes == 0).any() else math.inf
    floor_b = revenue[classes <= 1].min() if (classes <= 1).any() else math.inf
    return float(floor_a), float(floor_b)


def abc_of(revenue: np.ndarray, floors: tuple[float, float]) -> list[str]:
    """ABC class of each revenue against the floors of A and B."""
    floor_a, floor_b = floors
    positive = revenue > 0
    classes = np.where(
        positive & (revenue >= floor_a), "A", np.where(positive & (revenue >= floor_b), "B", "C")
    )
    return classes.tolist()


# --- the snapshot -----------------------------------------------------------------------------


def plan_input_build(
    *,
    sku_ids: np.ndarray,
    plan_date: date,
    start: date | None = None,
    abc_floors: tuple[float, float] | str | None = None,
    abc_cutoffs: tuple[float, float] = (0.8, 0.95),
    calendar: ShopCalendar | None = None,
) -> PlanInput:
    """Read everything the engine needs about these SKUs on ``plan_date``.

    History covers ``start`` … ``plan_date − 1`` (default: ``history_start``). ``abc_floors``
    (from ``abc_floors_compute``) class the SKUs by revenue; ``SELF_RANKED`` ranks these SKUs
    among themselves (when they are the whole catalogue); without floors the SKUs keep their
    stored ``abc_class``. Pass the same ``start`` and floors to every chunk of one run so that
    chunks and a single pass agree, and the same ``calendar`` (default: ``shop_calendar_read``
    for this history). A bounded number of queries (about ten) whatever the number of SKUs.
    """
    sku_ids = np.asarray(sku_ids, dtype=np.int64)
    start = start or history_start(plan_date=plan_date)
    n = sku_ids.size
    in_slice = sku_filter(sku_ids, "pk")

    # SKUs
    sku_rows = list(
        Sku.objects.filter(in_slice)
        .order_by("pk")
        .values_list(
            "pk",
            "code",
            Cast("unit_cost", FloatField()),
            Cast("sale_price", FloatField()),
            Cast("volume_l", FloatField()),
            Cast("weight_kg", FloatField()),
            "fbs_prep_days",
            "scheme",
            Cast("service_level", FloatField()),
            "abc_class",
        )
    )
    by_id = {row[0]: row for row in sku_rows}
    missing = [int(i) for i in sku_ids if int(i) not in by_id]
    if missing:
        raise ValueError(f"SKUs not found: {missing[:10]}")
    ordered = [by_id[int(i)] for i in sku_ids]
    codes = [row[1] for row in ordered]
    unit_cost = np.array([row[2] for row in ordered], dtype=np.float64)
    sale_price = np.array([row[3] for row in ordered], dtype=np.float64)
    volume_l = np.array([row[4] for row in ordered], dtype=np.float64)
    weight_kg = np.array([row[5] for row in ordered], dtype=np.float64)
    fbs_prep_days = np.array([row[6] for row in ordered], dtype=np.float64)
    scheme = [row[7] for row in ordered]
    current_scheme = np.array(
        [FBO if s == FulfilmentScheme.FBO else FBS for s in scheme], dtype=np.int8
    )

    # supplier items: the primary one, else the first
    default_lead = float(_setting("PLAN_DEFAULT_LEAD_TIME", 14))
    lead_mean = np.full(n, default_lead)
    lead_sd = np.zeros(n)
    review = np.full(n, 7.0)
    moq = np.ones(n, dtype=np.int64)
    pack = np.ones(n, dtype=np.int64)
    supplier_id = np.zeros(n, dtype=np.int64)
    supplier_cost = unit_cost.copy()
    items = list(
        SupplierItem.objects.filter(sku_filter(sku_ids), supplier__is_active=True)
        .order_by("sku_id", "-is_primary", "pk")
        .values_list(
            "sku_id",
            "supplier_id",
            Cast("unit_cost", FloatField()),
            "moq",
            "pack_size",
            Cast("lead_time_mean_days", FloatField()),
            Cast("lead_time_sd_days", FloatField()),
            Cast("supplier__lead_time_mean_days", FloatField()),
            Cast("supplier__lead_time_sd_days", FloatField()),
            "supplier__order_cycle_days",
        )
    )
    if items:
        item_sku = np.array([r[0] for r in items], dtype=np.int64)
        rows, ok = rows_of(sku_ids, item_sku)
        # rows come primary-first per SKU: the first row of each SKU is the one to use
        first = np.zeros(len(items), dtype=bool)
        first[0] = True
        first[1:] = item_sku[1:] != item_sku[:-1]
        pick = np.flatnonzero(first & ok)
        chosen = [items[k] for k in pick]
        i = rows[pick]
        col = lambda j: np.array([r[j] for r in chosen], dtype=np.float64)  # noqa: E731
        supplier_id[i] = [r[1] for r in chosen]
        cost = col(2)
        supplier_cost[i] = np.where(cost > 0, cost, supplier_cost[i])
        moq[i], pack[i] = col(3).astype(np.int64), col(4).astype(np.int64)
        item_lt, item_sd = col(5), col(6)  # NULL → NaN: no override
        lead_mean[i] = np.where(np.isnan(item_lt), col(7), item_lt)
        lead_sd[i] = np.where(np.isnan(item_sd), col(8), item_sd)
        review[i] = col(9)
        if _setting("PLAN_LEARNED_LEAD_TIMES", True):
            # what the receipts taught (the stated figures are its prior)
            learned_mean, learned_sd = learned_lead_times(
                sku_ids=sku_ids[i], supplier_ids=supplier_id[i], has_override=~np.isnan(item_lt)
            )
            lead_mean[i] = np.where(np.isnan(learned_mean), lead_mean[i], learned_mean)
            lead_sd[i] = np.where(np.isnan(learned_sd), lead_sd[i], learned_sd)

    # warehouses: FBO columns per marketplace cluster (``planning.fbo_snapshot``)
    columns = fbo_columns_read()
    fbo_ids = columns.destination_ids
    fbo_col = columns.column_of
    n_fbo = columns.size
    reported_stock, reported_pipeline, reported = fbo_reported_read(sku_ids, columns)
    default_destination = (
        Warehouse.objects.filter(kind=Warehouse.Kind.OWN, is_active=True)
        .order_by("code")
        .values_list("pk", flat=True)
        .first()
    ) or 0

    # stock
    available = np.zeros(n, dtype=np.int64)
    fbo_stock = np.zeros((n, n_fbo), dtype=np.float64)
    best_own = np.zeros(n, dtype=np.int64)
    levels = list(
        StockLevel.objects.filter(sku_filter(sku_ids), warehouse__is_active=True).values_list(
            "sku_id", "warehouse_id", "on_hand", "reserved", "warehouse__kind"
        )
    )
    if levels:
        arr = np.array([(r[0], r[1], r[2], r[3]) for r in levels], dtype=np.int64)
        own = np.array([r[4] == Warehouse.Kind.OWN for r in levels])
        rows, ok = rows_of(sku_ids, arr[:, 0])
        m = ok & own
        np.add.at(available, rows[m], arr[m, 2] - arr[m, 3])
        # receiving warehouse: the own warehouse already holding most of the SKU
        order = np.lexsort((arr[m, 1], -arr[m, 2], rows[m]))
        r_sorted = rows[m][order]
        head = np.ones(r_sorted.size, dtype=bool)
        head[1:] = r_sorted[1:] != r_sorted[:-1]
        best_own[r_sorted[head]] = arr[m, 1][order][head]
        # FBO warehouses the marketplace reports take its figures instead (below)
        counted = [w in fbo_col and w not in reported for w in arr[:, 1].tolist()]
        m = ok & ~own & np.array(counted, dtype=bool)
        if m.any():
            cols = np.array([fbo_col[w] for w in arr[m, 1].tolist()], dtype=np.int64)
            np.add.at(fbo_stock, (rows[m], cols), arr[m, 2] - arr[m, 3])
    fbo_stock += reported_stock
    destination_id = np.where(best_own > 0, best_own, default_destination).astype(np.int64)
    available -= _open_order_backlog(sku_ids)

    # open purchase orders → on order + receipts schedule
    on_order = np.zeros(n, dtype=np.int64)
    receipt_rows: list[tuple[int, int, int]] = []
    po_lines = list(
        PurchaseOrderLine.objects.filter(
            sku_filter(sku_ids),
            purchase_order__status__in=PurchaseOrder.OPEN_STATUSES,
            quantity_ordered__gt=F("quantity_received"),
        ).values_list(
            "sku_id", "quantity_ordered", "quantity_received", "purchase_order__expected_arrival"
        )
    )
    if po_lines:
        rows, ok = rows_of(sku_ids, np.array([r[0] for r in po_lines], dtype=np.int64))
        for i, ok_i, (_, ordered_qty, received, arrival) in zip(rows, ok, po_lines, strict=True):
            if not ok_i:
                continue
            qty = ordered_qty - received
            on_order[i] += qty
            arrival = _as_date(arrival)
            days = (arrival - plan_date).days if arrival else math.ceil(lead_mean[i])
            receipt_rows.append((int(i), max(0, days), qty))

    # open transfers → in transit (to FBO)
    in_transit = np.zeros(n, dtype=np.int64)
    fbo_in_transit = np.zeros((n, n_fbo), dtype=np.float64)
    transfer_lines = list(
        TransferLine.objects.filter(
            sku_filter(sku_ids), transfer__status__in=Transfer.OPEN_STATUSES
        ).values_list(
            "sku_id",
            "transfer__destination_id",
            "transfer__status",
            "quantity",
            "quantity_dispatched",
            "quantity_received",
            "quantity_reserved",
        )
    )
    if transfer_lines:
        rows, ok = rows_of(sku_ids, np.array([r[0] for r in transfer_lines], dtype=np.int64))
        for i, ok_i, line in zip(rows, ok, transfer_lines, strict=True):
            _, dest, status, quantity, dispatched, received, held = line
            if not ok_i:
                continue
            j = fbo_col.get(dest)
            if status == Transfer.Status.DRAFT:
                # still on our shelves (counted in available, less what the supply holds
                # reserved, which counts here instead) but already promised to FBO
                in_transit[i] += held
                if j is not None:
                    fbo_in_transit[i, j] += quantity
                continue
            moving = dispatched - received
            in_transit[i] += moving
            if j is not None:
                fbo_in_transit[i, j] += moving

    receipts_qty, receipts_in_days = _receipt_schedule(n, receipt_rows)

    # demand history
    demand, stockout, lost, orders_total = demand_matrix_read(
        sku_ids=sku_ids, start=start, end=plan_date
    )
    units_total = demand.sum(axis=1, dtype=np.float64)

    # ABC: revenue over the window against the run's catalogue-wide floors
    window_cols = min(
        demand.shape[1], max(0, (plan_date - abc_window_start(start, plan_date)).days)
    )
    revenue = demand[:, demand.shape[1] - window_cols :].sum(axis=1, dtype=np.float64) * sale_price
    if abc_floors == SELF_RANKED:
        abc = abc_of(revenue, _floors_of(revenue, abc_cutoffs))
    elif abc_floors is not None:
        abc = abc_of(revenue, abc_floors)
    else:
        abc = [row[9] or "" for row in ordered]

    # service level: own, else the ABC class target, else the default
    targets = {
        c: float(v) for c, v in ServiceLevelTarget.objects.values_list("abc_class", "service_level")
    }
    default_level = float(_setting("DEFAULT_SERVICE_LEVEL", 0.95))
    service_level = np.array(
        [
            row[8] if row[8] is not None else targets.get(cls, default_level)
            for row, cls in zip(ordered, abc, strict=True)
        ],
        dtype=np.float64,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        per_order = np.where(orders_total > 0, units_total / orders_total, 1.0)
    mean_units_per_order = np.maximum(per_order, 1.0)

    fbo = None
    if n_fbo:
        share, nonlocal_share = fbo_demand_read(sku_ids, columns, plan_date)
        fbo = FboSnapshot(
            demand_share=share,
            stock=fbo_stock,
            transit_days=columns.transit_days,
            # the marketplace's pipeline and Zapas's transfers are the same goods
            in_transit=np.maximum(fbo_in_transit, reported_pipeline),
            nonlocal_share=nonlocal_share,
            # FBO shipments only for SKUs sold through FBO (an approved scheme decision has
            # already switched Sku.scheme)
            enabled=np.array(
                [sch in (FulfilmentScheme.FBO, FulfilmentScheme.BOTH) for sch in scheme], dtype=bool
            ),
        )

    snapshot = CatalogueSnapshot(
        demand=demand,
        unit_cost=unit_cost,
        sale_price=sale_price,
        volume_l=volume_l,
        weight_kg=weight_kg,
        fbs_prep_days=fbs_prep_days,
        lead_time_mean_days=lead_mean,
        lead_time_sd_days=lead_sd,
        review_days=review,
        service_level=service_level,
        moq=moq.astype(np.float64),
        pack_size=pack.astype(np.float64),
        available=available.astype(np.float64),
        on_order=on_order.astype(np.float64),
        in_transit=in_transit.astype(np.float64),
        mean_units_per_order=mean_units_per_order,
        current_scheme=current_scheme,
        stockout_mask=stockout,
        lost_demand=lost,
        history_end_weekday=(plan_date - timedelta(days=1)).weekday(),
        receipts_qty=receipts_qty,
        receipts_in_days=receipts_in_days,
        fbo=fbo,
        calendar=calendar or shop_calendar_read(start=start, plan_date=plan_date),
        cancel_penalty=cost_observation_read(kind=CostKind.CANCEL_CHARGE, sku_ids=sku_ids),
    )
    return PlanInput(
        plan_date=plan_date,
        history_start=start,
        sku_ids=sku_ids,
        sku_codes=codes,
        scheme=scheme,
        supplier_id=supplier_id,
        supplier_unit_cost=supplier_cost,
        destination_id=destination_id,
        fbo_warehouse_ids=fbo_ids,
        abc_class=abc,
        revenue=revenue,
        snapshot=snapshot,
    )


def _open_order_backlog(sku_ids: np.ndarray) -> np.ndarray:
    """Units of open FBS orders not reserved yet (short orders): promised, so not available.

    Reserved units are already out of ``available`` (on hand − reserved).
    """
    from fulfilment.models import Order, OrderLine

    backlog = np.zeros(sku_ids.size, dtype=np.int64)
    rows = list(
        OrderLine.objects.filter(
            sku_filter(sku_ids),
            order__status__in=Order.OPEN_STATUSES,
            order__warehouse__kind=Warehouse.Kind.OWN,
            quantity__gt=F("reserved_quantity"),
        )
        .order_by()
        .values("sku_id")
        .annotate(short=Sum(F("quantity") - F("reserved_quantity")))
        .values_list("sku_id", "short")
    )
    if rows:
        arr = np.array(rows, dtype=np.int64)
        idx, ok = rows_of(sku_ids, arr[:, 0])
        np.add.at(backlog, idx[ok], arr[ok, 1])
    return backlog


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _receipt_schedule(
    n: int, receipts: list[tuple[int, int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """(n, K) quantities and days-from-now of expected receipts, soonest first; receipts past
    the K-th column merge into the last one (at the later date: the cautious choice).

    Always a schedule, even an empty one: only purchase orders refill our own shelves; units
    in transit to an FBO warehouse count in the inventory position but never come back.
    """
    receipts.sort()
    width = RECEIPT_COLUMNS if receipts else 1
    qty = np.zeros((n, width), dtype=np.float64)
    days = np.zeros((n, width), dtype=np.float64)
    used = np.zeros(n, dtype=np.int64)
    for i, in_days, quantity in receipts:
        k = int(used[i])
        if k < RECEIPT_COLUMNS and (k == 0 or days[i, k - 1] != in_days):
            qty[i, k], days[i, k] = quantity, in_days
            used[i] += 1
        else:
            k = max(0, k - 1)
            qty[i, k] += quantity
            days[i, k] = max(days[i, k], in_days)
    return qty, days
