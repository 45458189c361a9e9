"""Property: whatever sequence of intakes, receipts, counts, cancellations and handovers, the
units the open orders hold equal the reserved stock, reserved never exceeds on hand, and an
order is short exactly when one of its lines lacks units."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from fulfilment.models import Order, OrderLine
from fulfilment.services import order_cancel, order_pack, order_ship
from fulfilment.tests.factories import order as make_order
from inventory import services as stock
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

operations = st.lists(
    st.one_of(
        st.tuples(st.just("intake"), st.integers(0, 1), st.integers(1, 4), st.integers(0, 72)),
        st.tuples(st.just("receive"), st.integers(0, 1), st.integers(1, 5)),
        st.tuples(st.just("count"), st.integers(0, 1), st.integers(0, 8)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("ship"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=10,
)


def check_invariants(warehouse) -> None:
    open_lines = OrderLine.objects.filter(order__status__in=Order.OPEN_STATUSES)
    held = dict(
        open_lines.values_list("sku_id").annotate(units=Sum("reserved_quantity")).order_by()
    )
    for level in StockLevel.objects.filter(warehouse=warehouse):
        assert level.reserved == held.get(level.sku_id, 0)
        assert 0 <= level.reserved <= level.on_hand
    short_ids = set(
        open_lines.filter(reserved_quantity__lt=F("quantity")).values_list("order_id", flat=True)
    )
    flagged = set(Order.objects.open().filter(is_short=True).values_list("pk", flat=True))
    assert flagged == short_ids


@settings(max_examples=20)
@given(ops=operations)
def test_reservations_match_orders(ops):
    with transaction.atomic():
        warehouse = WarehouseFactory()
        skus = [SkuFactory(), SkuFactory()]
        now = timezone.now()
        for op in ops:
            try:
                if op[0] == "intake":
                    _, sku, quantity, hours = op
                    make_order(
                        warehouse=warehouse,
                        lines=[(skus[sku], quantity)],
                        ship_by=now + timedelta(hours=hours),
                    )
                elif op[0] == "receive":
                    stock.stock_receive(sku=skus[op[1]], warehouse=warehouse, quantity=op[2])
                elif op[0] == "count":
                    stock.stock_count(sku=skus[op[1]], warehouse=warehouse, counted=op[2])
                else:
                    orders = list(Order.objects.open().order_by("pk"))
                    if not orders:
                        continue
                    order = orders[op[1] % len(orders)]
                    if op[0] == "cancel":
                        order_cancel(order=order, reason="other", cancelled_by="customer")
                    else:
                        if order.status == "awaiting_packaging":
                            order_pack(order=order)
                        order_ship(order=order)
            except DomainError:
                pass  # refusals are fine; they must leave everything consistent
            check_invariants(warehouse)
        transaction.set_rollback(True)
