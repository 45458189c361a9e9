"""Demo orders: open orders in every watch state, a month of handed-over and cancelled orders
so the seller metrics say something, and a few customer notices.

Called by ``demo.catalogue.seed_demo`` inside its transaction, after stock exists. Everything
goes through the services (intake, pack, ship, cancel), so reservations and the ledger agree.
Deadlines of open orders are set relative to the real clock, so that the admin shows overdue,
due-soon, on-track and short orders whenever the demo is opened on the day it was seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import F
from django.utils import timezone

from fulfilment.deadline_watch import deadline_watch_run
from fulfilment.models import CancelledBy, CancelReason, Order, OrderScheme
from fulfilment.notices.outbox import notices_held_for_review
from fulfilment.services import (
    CustomerInfo,
    OrderLineInput,
    order_cancel,
    order_carrier_delay_record,
    order_deliver,
    order_intake,
    order_pack,
    order_ship,
)
from inventory.models import Sku, StockLevel, Warehouse
from planning.demand_feed import demand_feed_refresh

# (first name, surname, e-mail name, language)
_CUSTOMERS = [
    ("Анна", "Смирнова", "anna", "ru"),
    ("Иван", "Петров", "ivan", "ru"),
    ("Мария", "Иванова", "maria", "ru"),
    ("Дмитрий", "Соколов", "dmitry", "ru"),
    ("Ольга", "Козлова", "olga", "ru"),
    ("Сергей", "Новиков", "sergey", "ru"),
    ("Елена", "Морозова", "elena", "ru"),
    ("Алексей", "Волков", "alexey", "ru"),
    ("Kate", "Smith", "kate", "en"),
    ("John", "Brown", "john", "en"),
]


@dataclass
class DemoOrders:
    open: int = 0
    short: int = 0
    shipped: int = 0
    cancelled: int = 0
    notices: int = 0


def _customer(rng: np.random.Generator, n: int) -> CustomerInfo:
    first, last, handle, language = _CUSTOMERS[int(rng.integers(len(_CUSTOMERS)))]
    # Most buyers left an e-mail; the rest only a phone (their notices wait for the buyer chat).
    if rng.random() < 0.95:
        contact = f"{handle}.{n}@example.com"
    else:
        contact = f"+7 9{n % 100:02d} 555-{n % 89:02d}-{n % 97:02d}"
    return CustomerInfo(name=f"{first} {last}", contact=contact, language=language)


def seed_orders(
    *, rng: np.random.Generator, today: date, open_orders: int = 60, history_days: int = 30
) -> DemoOrders:
    """About ``open_orders`` open FBS orders across the own warehouses (some short, some near or
    past their deadline) and a month of history; returns counts.

    The customer notices these orders raise wait for review (Notices, "Approve and send"):
    demo data must never mail anyone on its own."""
    with notices_held_for_review():
        return _seed_orders(
            rng=rng, today=today, open_orders=open_orders, history_days=history_days
        )


def _seed_orders(
    *, rng: np.random.Generator, today: date, open_orders: int, history_days: int
) -> DemoOrders:
    result = DemoOrders()
    now = timezone.now()
    if timezone.localdate(now) != today:
        now = timezone.make_aware(datetime.combine(today, time(11, 0)))
    warehouses = list(
        Warehouse.objects.filter(kind=Warehouse.Kind.OWN, is_active=True).order_by("code")
    )
    if not warehouses:
        return result
    stocked = {
        w.pk: list(
            StockLevel.objects.filter(warehouse=w, sku__is_active=True)
            .annotate(free=F("on_hand") - F("reserved"))
            .filter(free__gte=3)
            .order_by("-free", "sku_id")
            .values_list("sku_id", flat=True)[:200]
        )
        for w in warehouses
    }
    skus = Sku.objects.in_bulk([pk for ids in stocked.values() for pk in ids])
    number = 0

    def intake(warehouse, sku_ids, accepted_at, ship_by=None, quantity_max=2):
        nonlocal number
        number += 1
        lines = [
            OrderLineInput(skus[pk], int(rng.integers(1, quantity_max + 1)), skus[pk].sale_price)
            for pk in sku_ids
        ]
        return order_intake(
            channel="ozon",
            external_number=f"{70000000 + number * 37:08d}-{number % 9 + 1:04d}-1",
            warehouse=warehouse,
            scheme=OrderScheme.FBS,
            accepted_at=accepted_at,
            ship_by=ship_by,
            lines=lines,
            customer=_customer(rng, number),
        ).order

    def pick(warehouse, count=None) -> list[int]:
        pool = stocked[warehouse.pk]
        if not pool:
            return []
        count = count or int(rng.choice([1, 1, 1, 2, 2, 3]))
        return [int(pk) for pk in rng.choice(pool, size=min(count, len(pool)), replace=False)]

    # --- a month of history: handed over (some late), delivered, cancelled -------------------
    for day in range(history_days, 0, -1):
        for _ in range(int(rng.integers(2, 5))):
            warehouse = warehouses[int(rng.integers(len(warehouses)))]
            sku_ids = pick(warehouse)
            if not sku_ids:
                continue
            accepted = now - timedelta(days=day, hours=float(rng.uniform(0, 10)))
            order = intake(warehouse, sku_ids, accepted)
            roll = rng.random()
            if roll < 0.12:
                reason, by = (
                    (CancelReason.OUT_OF_STOCK, CancelledBy.SELLER)
                    if rng.random() < 0.5
                    else (CancelReason.CUSTOMER_REQUEST, CancelledBy.CUSTOMER)
                )
                order_cancel(
                    order=order,
                    reason=reason,
                    cancelled_by=by,
                    at=min(now, accepted + timedelta(hours=5)),
                )
                result.cancelled += 1
                continue
            if order.is_short or order.ship_by >= now:
                order_cancel(
                    order=order,
                    reason=CancelReason.OUT_OF_STOCK,
                    cancelled_by=CancelledBy.SELLER,
                    at=min(now, order.ship_by),
                )
                result.cancelled += 1
                continue
            late = rng.random() < 0.08
            at = (
                order.ship_by + timedelta(hours=float(rng.uniform(1, 20)))
                if late
                else order.ship_by - timedelta(hours=float(rng.uniform(0.5, 6)))
            )
            at = min(at, now - timedelta(minutes=5))
            order_pack(order=order)
            order_ship(order=order, at=at)
            result.shipped += 1
            if at + timedelta(days=3) < now:
                order_deliver(order=order, at=at + timedelta(days=float(rng.uniform(1.5, 3))))

    # --- open orders in every state ----------------------------------------------------------
    for i in range(open_orders):
        warehouse = warehouses[i % len(warehouses)]
        kind = i % 10
        if kind in (0, 1):
            # short: a few more units than the warehouse has free, of a SKU it has little of
            scarce = stocked[warehouse.pk][-20:]
            if not scarce:
                continue
            sku_ids = [int(rng.choice(scarce))]
            free = (
                StockLevel.objects.filter(sku_id=sku_ids[0], warehouse=warehouse)
                .values_list(F("on_hand") - F("reserved"), flat=True)
                .first()
                or 0
            )
            number += 1
            order = order_intake(
                channel="ozon",
                external_number=f"{70000000 + number * 37:08d}-{number % 9 + 1:04d}-1",
                warehouse=warehouse,
                scheme=OrderScheme.FBS,
                accepted_at=now - timedelta(hours=float(rng.uniform(1, 30))),
                ship_by=now + timedelta(hours=float(rng.choice([-5, 2, 30, 60]))),
                lines=[
                    OrderLineInput(
                        skus[sku_ids[0]],
                        free + int(rng.integers(1, 4)),
                        skus[sku_ids[0]].sale_price,
                    )
                ],
                customer=_customer(rng, number),
            ).order
        else:
            sku_ids = pick(warehouse)
            if not sku_ids:
                continue
            if kind == 2:  # overdue
                ship_by = now - timedelta(hours=float(rng.uniform(1, 20)))
            elif kind in (3, 4):  # due within the next working hours
                ship_by = now + timedelta(hours=float(rng.uniform(0.5, 3)))
            else:  # on track: computed from the calendar, a day or more away
                ship_by = now + timedelta(days=float(rng.uniform(2, 5)))
            order = intake(
                warehouse,
                sku_ids,
                now - timedelta(hours=float(rng.uniform(1, 20))),
                ship_by=ship_by,
            )
            if kind == 9:
                order_pack(order=order)
        result.open += 1
        result.short += order.is_short

    # A carrier delay on two orders on their way.
    for order in Order.objects.filter(status="delivering").order_by("-shipped_at")[:2]:
        order_carrier_delay_record(
            order=order, new_estimate=timezone.localdate(now) + timedelta(days=3)
        )

    deadline_watch_run(now=now)
    demand_feed_refresh(since=today - timedelta(days=history_days + 1), until=today)
    from fulfilment.models import Notice

    result.notices = Notice.objects.count()
    return result
