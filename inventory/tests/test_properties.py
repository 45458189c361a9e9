"""Property: any sequence of stock operations keeps on hand = Σ ledger and never negative.

A plain-Python reference model predicts every outcome. Operations the model says must fail
have to raise a ``DomainError`` and leave every level untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from inventory import services
from inventory.models import StockLevel
from inventory.selectors import stock_anomalies, stock_drift
from inventory.tests.factories import FboWarehouseFactory, SkuFactory, WarehouseFactory

SKUS, OWN = 2, 2  # warehouses 0..OWN-1 are own, OWN is the FBO warehouse
qty = st.integers(min_value=1, max_value=8)
sku_i = st.integers(min_value=0, max_value=SKUS - 1)
own_i = st.integers(min_value=0, max_value=OWN - 1)
any_wh = st.integers(min_value=0, max_value=OWN)

operations = st.one_of(
    st.tuples(st.just("receive"), sku_i, any_wh, qty),
    st.tuples(st.just("receive_key"), sku_i, any_wh, qty, st.sampled_from("ab")),
    st.tuples(st.just("ship"), sku_i, any_wh, qty),
    st.tuples(st.just("count"), sku_i, any_wh, st.integers(min_value=0, max_value=12)),
    st.tuples(st.just("reserve"), sku_i, own_i, qty),
    st.tuples(st.just("release"), sku_i, own_i, qty),
    st.tuples(st.just("ship_reserved"), sku_i, own_i, qty),
    st.tuples(st.just("dispatch"), sku_i, own_i, qty),
    st.tuples(st.just("arrive")),
)


@dataclass
class Model:
    levels: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # [on_hand, reserved]
    keys: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)
    in_transit: list = field(default_factory=list)

    def level(self, s: int, w: int) -> list[int]:
        return self.levels.setdefault((s, w), [0, 0])

    def apply(self, op: tuple) -> bool:
        """Update the model; False if the operation must be refused."""
        name, *args = op
        if name == "arrive":
            if not self.in_transit:
                return False
            s, _, q = self.in_transit.pop(0)
            self.level(s, OWN)[0] += q
            return True
        s, w, q = args[:3]
        lv = self.level(s, w)
        available = lv[0] - lv[1]
        if name == "receive":
            lv[0] += q
        elif name == "receive_key":
            key = (w, args[3])
            if key in self.keys:
                return self.keys[key] == (s, q)  # a replay changes nothing; a clash fails
            self.keys[key] = (s, q)
            lv[0] += q
        elif name == "ship":
            if q > available:
                return False
            lv[0] -= q
        elif name == "count":
            if q < lv[1]:
                return False
            lv[0] = q
        elif name == "reserve":
            if q > available:
                return False
            lv[1] += q
        elif name == "release":
            if q > lv[1]:
                return False
            lv[1] -= q
        elif name == "ship_reserved":
            if q > lv[1]:
                return False
            lv[0] -= q
            lv[1] -= q
        elif name == "dispatch":
            if q > available:
                return False
            lv[0] -= q
            self.in_transit.append((s, w, q))
        return True


def run(op: tuple, skus, warehouses, transfers: list) -> None:
    name, *args = op
    if name == "arrive":
        if not transfers:
            raise DomainError("nothing in transit", code="nothing_in_transit")
        services.transfer_receive(transfer=transfers.pop(0))
        return
    s, w, q = args[:3]
    sku, warehouse = skus[s], warehouses[w]
    if name == "receive":
        services.stock_receive(sku=sku, warehouse=warehouse, quantity=q)
    elif name == "receive_key":
        services.stock_receive(sku=sku, warehouse=warehouse, quantity=q, idempotency_key=args[3])
    elif name == "ship":
        services.stock_ship(sku=sku, warehouse=warehouse, quantity=q)
    elif name == "count":
        services.stock_count(sku=sku, warehouse=warehouse, counted=q)
    elif name == "reserve":
        services.stock_reserve(warehouse_id=warehouse.pk, lines=[(sku.pk, q)], allow_partial=False)
    elif name == "release":
        services.stock_release(warehouse_id=warehouse.pk, lines=[(sku.pk, q)])
    elif name == "ship_reserved":
        services.stock_ship_reserved(warehouse_id=warehouse.pk, lines=[(sku.pk, q)])
    elif name == "dispatch":
        transfer = services.transfer_create(
            source=warehouse, destination=warehouses[OWN], lines=[(sku, q)]
        )
        try:
            services.transfer_dispatch(transfer=transfer)
        except DomainError:
            services.transfer_cancel(transfer=transfer)
            raise
        transfers.append(transfer)


def snapshot(skus, warehouses) -> dict[tuple[int, int], list[int]]:
    sku_index = {sku.pk: i for i, sku in enumerate(skus)}
    wh_index = {wh.pk: i for i, wh in enumerate(warehouses)}
    return {
        (sku_index[s], wh_index[w]): [on_hand, reserved]
        for s, w, on_hand, reserved in StockLevel.objects.values_list(
            "sku_id", "warehouse_id", "on_hand", "reserved"
        )
        if (on_hand, reserved) != (0, 0)
    }


def non_zero(levels: dict) -> dict:
    return {k: v for k, v in levels.items() if v != [0, 0]}


@pytest.mark.django_db
@settings(max_examples=30)
@given(ops=st.lists(operations, min_size=1, max_size=20))
def test_random_operations_keep_the_ledger_and_levels_consistent(ops):
    with transaction.atomic():
        skus = [SkuFactory(barcode=False) for _ in range(SKUS)]
        warehouses = [WarehouseFactory() for _ in range(OWN)] + [FboWarehouseFactory()]
        model, transfers = Model(), []
        for op in ops:
            expected_ok = model.apply(op)  # a refused operation leaves the model as it was
            try:
                run(op, skus, warehouses, transfers)
            except DomainError:
                assert not expected_ok, f"{op} was refused but should have worked"
            else:
                assert expected_ok, f"{op} worked but should have been refused"
            assert snapshot(skus, warehouses) == non_zero(model.levels), op
        assert stock_drift() == []
        assert stock_anomalies() == []
        transaction.set_rollback(True)
