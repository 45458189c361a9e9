"""The demo's year of operational history: received POs and counts that learning can use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from demo import catalogue as demo
from inventory.models import MovementKind, PurchaseOrder, StockCount, StockMovement
from planning.models import SupplierPerformance
from planning.supplier_learning import supplier_performance_refresh

TODAY = date(2026, 3, 16)
pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    demo.seed_demo(seed=7, skus=150, days=60, today=TODAY, orders=False)


def opening_time():
    return StockMovement.objects.filter(kind=MovementKind.OPENING).earliest("created_at").created_at


def test_history_nets_to_zero_before_the_opening_balance(seeded):
    opened = opening_time()
    before = StockMovement.objects.filter(created_at__lt=opened)
    assert before.filter(kind=MovementKind.RECEIPT).count() > 100
    per_key = before.values("sku_id", "warehouse_id").annotate(total=Sum("quantity"))
    assert {row["total"] for row in per_key} == {0}
    assert not before.filter(on_hand_after__lt=0).exists()


def test_counts_compare_with_the_ledger_balance_at_their_time(seeded):
    counts = list(StockCount.objects.all())
    assert len(counts) > 10 and any(c.variance for c in counts)
    for count in counts:
        last = (
            StockMovement.objects.filter(
                sku_id=count.sku_id,
                warehouse_id=count.warehouse_id,
                created_at__lte=count.created_at,
            )
            .exclude(kind=MovementKind.ADJUSTMENT, created_at=count.created_at)
            .order_by("-created_at", "-id")
            .first()
        )
        assert last.on_hand_after == count.expected
        if count.variance:
            adjustment = StockMovement.objects.get(
                sku_id=count.sku_id,
                warehouse_id=count.warehouse_id,
                kind=MovementKind.ADJUSTMENT,
                created_at=count.created_at,
            )
            assert adjustment.quantity == count.variance


def test_received_pos_come_after_their_order_and_before_the_ledger_opens(seeded):
    opened = opening_time()
    received = PurchaseOrder.objects.filter(status=PurchaseOrder.Status.RECEIVED)
    assert received.count() > 20
    for po in received:
        times = StockMovement.objects.filter(document_ref=po.number).values_list(
            "created_at", flat=True
        )
        assert times and all(po.order_date < timezone.localdate(t) for t in times)
        assert all(t < opened for t in times)
    assert received.earliest("order_date").order_date <= TODAY - timedelta(days=300)


def test_learning_finds_suppliers_that_differ_from_what_they_state(seeded):
    supplier_performance_refresh(as_of=TODAY)

    rows = list(SupplierPerformance.objects.filter(sku=None, receipts__gte=20))
    assert len(rows) >= 8
    ratios = [row.observed_mean_days / row.stated_mean_days for row in rows]
    # some suppliers keep their word, some are clearly late: there is something to learn
    assert min(ratios) < 1.1 and max(ratios) > 1.2
    assert all(row.on_time_rate is not None for row in rows)
