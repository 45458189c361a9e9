"""The error index's input read from Zapas's own orders (the pure rule is in ``index``).

A posting is an FBS order of the channel. Its error, as Ozon counts it:

- **seller cancellation**: cancelled by the seller, or for a reason that is the seller's fault
  whoever cancelled (out of stock, prep time exceeded) — on the local day of the cancellation;
- **seller delay**: handed over after its deadline, or still open past it, or cancelled by
  somebody else after the deadline had passed unshipped — on the local day of the deadline;
- otherwise no error, counted on the day of its deadline. Buyer or marketplace cancellations
  before the deadline for reasons not the seller's are left out, as Ozon leaves them out.

Days are local to ``OZON_RATING["TIME_ZONE"]`` (Ozon counts in Moscow time).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum

from fulfilment.models import (
    SELLER_CAUSED_REASONS,
    CancelledBy,
    Order,
    OrderScheme,
    OrderStatus,
    WatchState,
)
from inventory.models import PurchaseOrder, PurchaseOrderLine
from marketplaces.ozon.rating.forecast import MAX_HORIZON_DAYS, NewOrders, OpenOrders, OrderState
from marketplaces.ozon.rating.index import WINDOW_DAYS, ErrorType, PostingRecord


def rating_zone() -> ZoneInfo:
    return ZoneInfo(settings.OZON_RATING["TIME_ZONE"])


def local_day(moment: datetime, zone: ZoneInfo | None = None) -> date:
    return moment.astimezone(zone or rating_zone()).date()


def channel_orders(channel: str, account_id: int | None = None):
    """FBS orders of ``channel``; with ``account_id``, only those taken in from that Ozon
    account's postings (an index is a seller account's: two accounts are two sellers)."""
    orders = Order.objects.filter(channel=channel, scheme=OrderScheme.FBS)
    if account_id is not None:
        orders = orders.filter(ozon_posting__account_id=account_id)
    return orders


def _with_price(queryset):
    line_total = ExpressionWrapper(
        F("lines__quantity") * F("lines__unit_price"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    return queryset.annotate(price=Sum(line_total))


def posting_records(
    *, now: datetime, channel: str = "ozon", days: int = WINDOW_DAYS, account_id: int | None = None
) -> list[PostingRecord]:
    """Every FBS posting of ``channel`` whose counted day may fall in the windows of today and
    the next days, except open postings not yet past their deadline (the forecast's input)."""
    zone = rating_zone()
    today = local_day(now, zone)
    start = datetime.combine(today - timedelta(days=days + 1), datetime.min.time(), zone)
    orders = (
        channel_orders(channel, account_id)
        .filter(Q(ship_by__gte=start) | Q(cancelled_at__gte=start))
        .exclude(status__in=Order.OPEN_STATUSES, ship_by__gte=now)
        .values(
            "external_number",
            "status",
            "ship_by",
            "shipped_at",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
        )
    )
    prices = dict(
        _with_price(channel_orders(channel, account_id))
        .filter(Q(ship_by__gte=start) | Q(cancelled_at__gte=start))
        .values_list("external_number", "price")
    )
    records = []
    for row in orders:
        record = _record(row, now=now, zone=zone, price=prices.get(row["external_number"]))
        if record is not None:
            records.append(record)
    return records


def _record(row: dict, *, now: datetime, zone: ZoneInfo, price) -> PostingRecord | None:
    number, ship_by = row["external_number"], row["ship_by"]
    due = local_day(ship_by, zone)
    price = price or Decimal("0")
    if row["status"] == OrderStatus.CANCELLED:
        seller = (
            row["cancelled_by"] == CancelledBy.SELLER
            or row["cancel_reason"] in SELLER_CAUSED_REASONS
        )
        cancelled_at = row["cancelled_at"] or ship_by
        if seller:
            return PostingRecord(
                number, due, ErrorType.SELLER_CANCELLATION, local_day(cancelled_at, zone), price
            )
        if cancelled_at > ship_by and row["shipped_at"] is None:
            return PostingRecord(number, due, ErrorType.SELLER_DELAY, due, price)
        return None
    shipped_at = row["shipped_at"]
    if (shipped_at is not None and shipped_at > ship_by) or (shipped_at is None and ship_by < now):
        return PostingRecord(number, due, ErrorType.SELLER_DELAY, due, price)
    return PostingRecord(number, due, None, None, price)


def open_orders(
    *, now: datetime, channel: str = "ozon", account_id: int | None = None
) -> OpenOrders:
    """Open FBS postings not yet past their deadline, each with its state for ``RiskRules``.

    Short orders are split by whether every missing SKU has an open purchase order at the
    order's warehouse arriving by the deadline's day (two queries whatever the number)."""
    zone = rating_zone()
    orders = list(
        _with_price(
            channel_orders(channel, account_id).filter(
                status__in=Order.OPEN_STATUSES, ship_by__gte=now
            )
        )
        .order_by("ship_by", "pk")
        .values(
            "pk",
            "external_number",
            "status",
            "ship_by",
            "is_short",
            "watch_state",
            "price",
            "warehouse_id",
        )
    )
    missing: dict[int, set[int]] = defaultdict(set)
    short_ids = [o["pk"] for o in orders if o["is_short"]]
    if short_ids:
        for order_id, sku_id in Order.objects.filter(
            pk__in=short_ids, lines__reserved_quantity__lt=F("lines__quantity")
        ).values_list("pk", "lines__sku_id"):
            missing[order_id].add(sku_id)
    arrivals: dict[tuple[int, int], date] = {}
    if missing:
        skus = set().union(*missing.values())
        for sku_id, warehouse_id, arrival in (
            PurchaseOrderLine.objects.filter(
                sku_id__in=skus,
                purchase_order__status__in=PurchaseOrder.OPEN_STATUSES,
                purchase_order__expected_arrival__isnull=False,
                quantity_received__lt=F("quantity_ordered"),
            )
            .order_by("purchase_order__expected_arrival")
            .values_list(
                "sku_id", "purchase_order__warehouse_id", "purchase_order__expected_arrival"
            )
        ):
            arrivals.setdefault((sku_id, warehouse_id), arrival)
    numbers, days, states, prices = [], [], [], []
    for order in orders:
        due = local_day(order["ship_by"], zone)
        if order["is_short"]:
            in_time = all(
                (when := arrivals.get((sku, order["warehouse_id"]))) is not None and when <= due
                for sku in missing.get(order["pk"], ())
            )
            state = OrderState.SHORT_ARRIVAL if in_time else OrderState.SHORT_NO_ARRIVAL
        elif order["status"] == OrderStatus.AWAITING_DELIVER:
            state = OrderState.PACKED
        elif order["watch_state"] == WatchState.DUE_SOON:
            state = OrderState.DUE_SOON
        else:
            state = OrderState.ON_TRACK
        numbers.append(order["external_number"])
        days.append(due)
        states.append(state.value)
        prices.append(float(order["price"] or 0))
    return OpenOrders(numbers=numbers, due_days=days, states=states, prices=prices)


def new_orders(share: float = 1.0) -> NewOrders:
    """Expected new FBS orders per SKU from the live plan (one unit an order: cautious, as it
    counts every unit short as a lost order), against what is available now; ``share`` of
    them (one account's part of the shop's postings), with that share of the stock."""
    from planning.models import PlanRun, SkuPlan

    run = PlanRun.objects.current()
    if run is None:
        return NewOrders([], [], [], [])
    rows = (
        SkuPlan.objects.filter(run=run, forecast_mean__gt=0)
        .exclude(sku__scheme="fbo")
        .values_list("forecast_mean", "available", "sku__sale_price", "sku__fbs_prep_days")
    )
    rate, available, price, prep = [], [], [], []
    for mean, stock, sale_price, prep_days in rows:
        rate.append(float(mean) * share)
        available.append(float(max(stock, 0)) * share)
        price.append(float(sale_price))
        prep.append(int(prep_days))
    return NewOrders(rate, available, price, prep)


def account_share(*, now: datetime, channel: str, account_id: int) -> float:
    """The account's share of the channel's FBS postings with a deadline in the last
    ``WINDOW_DAYS`` days and ahead (1.0 when the channel had none)."""
    since = now - timedelta(days=WINDOW_DAYS)
    recent = Order.objects.filter(channel=channel, scheme=OrderScheme.FBS, ship_by__gte=since)
    total = recent.count()
    if not total:
        return 1.0
    return recent.filter(ozon_posting__account_id=account_id).count() / total


__all__ = [
    "MAX_HORIZON_DAYS",
    "account_share",
    "channel_orders",
    "local_day",
    "new_orders",
    "open_orders",
    "posting_records",
]
