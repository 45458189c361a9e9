"""A year of operational history before the demo ledger opens: received POs and cycle counts.

Suppliers learning, the scorecard, expedite advice and record accuracy read receipts and counts,
so a fresh demo needs them to show anything. Each supplier has a hidden true behaviour that
differs from what it states (some on time, some late, one that got worse over the last quarter),
so learning from receipts has something to find.

The history nets to zero on every (SKU, warehouse) before the opening balance: each receipt is
followed by a summarised shipment of what was received (less a count shrinkage, if any), so the
ledger's running totals and the stock levels stay exactly what ``seed`` writes after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.utils import timezone

from inventory.models import MovementKind, PurchaseOrder, PurchaseOrderLine, StockCount, Supplier

from .bulk import insert_rows

HISTORY_DAYS = 365
LINES_PER_PO = 40
SPLIT_SHARE = 0.15  # lines received in two deliveries
SHORT_SHARE = 0.06  # lines closed short (the rest never came)
COUNT_SHARE = 0.05  # receipts followed by a cycle count
NOTES = "Demo history"

# Ledger event: (SKU index, warehouse code) → (when, kind, quantity, reason, doc type, ref).
Event = tuple[datetime, MovementKind, int, str, str, str]


@dataclass
class History:
    events: dict[tuple[int, str], list[Event]] = field(default_factory=dict)
    purchase_orders: int = 0
    counts: int = 0

    def add(self, key: tuple[int, str], event: Event) -> None:
        self.events.setdefault(key, []).append(event)


@dataclass(frozen=True)
class TrueBehaviour:
    """What a supplier really does, against its stated lead time."""

    bias: float  # true mean = stated mean × bias
    spread: float  # true sd = stated sd × spread
    worsens_from: date | None  # from this day its lead time grows to +60 % by today


def true_behaviours(
    rng: np.random.Generator, suppliers: dict[str, Supplier], today: date
) -> dict[str, TrueBehaviour]:
    codes = sorted(suppliers)
    worsening = codes[int(rng.integers(len(codes)))]
    return {
        code: TrueBehaviour(
            bias=float(rng.choice([0.95, 1.0, 1.0, 1.1, 1.25, 1.5])),
            spread=float(rng.uniform(1.0, 2.0)),
            worsens_from=today - timedelta(days=90) if code == worsening else None,
        )
        for code in codes
    }


def _local(day: date, hours: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min)) + timedelta(hours=hours)


def seed_history(
    rng: np.random.Generator,
    *,
    codes_by_supplier: dict[str, list[int]],
    rate: np.ndarray,
    pack: np.ndarray,
    moq: np.ndarray,
    cost: np.ndarray,
    sku_ids: np.ndarray,
    suppliers: dict[str, Supplier],
    warehouses: dict,
    today: date,
    before: datetime,
) -> History:
    """Write the received POs and counts of the year before ``before``; return ledger events."""
    history = History()
    truth = true_behaviours(rng, suppliers, today)
    cutoff = before - timedelta(hours=1)
    pos, lines, counts = [], [], []
    receipts: dict[tuple[int, str], list[tuple[datetime, int, str]]] = {}
    number = 0
    for code in sorted(codes_by_supplier):
        supplier = suppliers[code]
        items = np.array(codes_by_supplier[code], dtype=np.int64)
        stated_mean = float(supplier.lead_time_mean_days)
        stated_sd = max(0.5, float(supplier.lead_time_sd_days))
        behaviour = truth[code]
        cycle = max(7, supplier.order_cycle_days)
        first = today - timedelta(days=HISTORY_DAYS)
        for order_date in (first + timedelta(days=d) for d in range(0, HISTORY_DAYS, cycle)):
            mean = stated_mean * behaviour.bias
            if behaviour.worsens_from and order_date > behaviour.worsens_from:
                mean *= 1 + 0.6 * (order_date - behaviour.worsens_from).days / 90
            lead = max(1, round(rng.normal(mean, stated_sd * behaviour.spread)))
            chunk = rng.choice(items, size=min(LINES_PER_PO, items.size), replace=False)
            split = rng.random(chunk.size) < SPLIT_SHARE
            short = rng.random(chunk.size) < SHORT_SHARE
            late_part = rng.integers(3, 11, chunk.size)
            arrival = _local(order_date + timedelta(days=lead), float(rng.uniform(10, 16)))
            if arrival + timedelta(days=int(late_part.max())) >= cutoff:
                continue  # it would arrive after the ledger opens: not history
            number += 1
            warehouse = "EKB-1" if rng.random() < 0.2 else "MSK-1"
            ref = f"PO-{order_date:%y%m%d}-H{number:05d}"
            pos.append(
                PurchaseOrder(
                    number=ref,
                    supplier=supplier,
                    warehouse=warehouses[warehouse],
                    status=PurchaseOrder.Status.RECEIVED,
                    order_date=order_date,
                    expected_arrival=order_date + timedelta(days=math.ceil(stated_mean)),
                    notes=NOTES,
                )
            )
            for j, i in enumerate(chunk.tolist()):
                need = rate[i] * cycle
                qty = max(int(moq[i]), math.ceil(need / pack[i]) * int(pack[i]))
                got = int(qty * rng.uniform(0.7, 0.95)) if short[j] else qty
                parts = [(arrival, got)]
                if split[j] and got > 1:
                    first_part = max(1, int(got * rng.uniform(0.5, 0.8)))
                    later = arrival + timedelta(days=int(late_part[j]))
                    parts = [(arrival, first_part), (later, got - first_part)]
                for when, units in (p for p in parts if p[1] > 0):
                    receipts.setdefault((i, warehouse), []).append((when, units, ref))
                lines.append((ref, i, qty, got, Decimal(f"{cost[i]:.2f}")))
    for key in sorted(receipts):
        _settle(rng, history, counts, key, receipts[key], Decimal(f"{cost[key[0]]:.2f}"))
    PurchaseOrder.objects.bulk_create(pos, batch_size=5000)
    po_ids = dict(PurchaseOrder.objects.filter(notes=NOTES).values_list("number", "pk"))
    ids = sku_ids.tolist()
    insert_rows(
        PurchaseOrderLine,
        ["purchase_order_id", "sku_id", "quantity_ordered", "quantity_received", "unit_cost"],
        ((po_ids[ref], ids[i], qty, got, unit) for ref, i, qty, got, unit in lines),
    )
    wh_ids = {code: w.pk for code, w in warehouses.items()}
    insert_rows(
        StockCount,
        ["sku_id", "warehouse_id", "expected", "counted", "variance", "unit_cost", "device",
         "created_at"],
        ((ids[i], wh_ids[w], exp, got, got - exp, unit, "demo", when)
         for (i, w), exp, got, unit, when in counts),
    )  # fmt: skip
    history.purchase_orders = len(pos)
    history.counts = len(counts)
    return history


def _settle(rng, history: History, counts: list, key, receipts: list, unit_cost) -> None:
    """Ledger events of one (SKU, warehouse): its receipts, a cycle count now and then (the same
    afternoon, against the running balance), and a summarised shipment a day after each receipt
    of what it brought in, less any shrinkage the count found."""
    events: list[Event] = []
    for when, units, ref in sorted(receipts):
        doc = ("purchase_order", ref)
        events.append((when, MovementKind.RECEIPT, units, f"Receipt on {ref}", *doc))
        left = units
        if rng.random() < COUNT_SHARE:
            counted_at = when + timedelta(hours=3)
            expected = sum(e[2] for e in events if e[0] <= counted_at)
            expected += sum(u for w, u, _ in receipts if when < w <= counted_at)
            # Three counts in four find nothing; the rest mostly find a little shrinkage.
            variance = 0
            if rng.random() < 0.25:
                variance = -int(rng.integers(1, units // 10 + 2)) if rng.random() < 0.85 else 1
            variance = max(variance, -left)
            counts.append((key, expected, expected + variance, unit_cost, counted_at))
            if variance:
                events.append(
                    (counted_at, MovementKind.ADJUSTMENT, variance, "Cycle count", "", "")
                )
            left += variance
        if left:
            shipped_at = when + timedelta(days=1, hours=2)
            reason = "Shipped to customers (demo history, summarised)"
            events.append((shipped_at, MovementKind.SHIPMENT, -left, reason, "", ""))
    for event in events:
        history.add(key, event)
