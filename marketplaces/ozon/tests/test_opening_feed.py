"""The opening stock requested while the products step writes: each offer asked once, and
without that step's feed the opening stock step asks for itself."""

from __future__ import annotations

import pytest

from inventory.models import StockLevel, StockMovement
from marketplaces.ozon.sync.runner import sync_run

STOCKS = "/v2/product/info/stocks-by-warehouse/fbs"
OFFERS = [f"OFF-{n:04d}" for n in range(1_100)]  # three requests of 500 offers (two warehouses)


@pytest.fixture
def store(fake_ozon):
    for wh in (1001, 1002):
        fake_ozon.add_warehouse(wh, f"FBS {wh}")
    for n, offer in enumerate(OFFERS):
        fake_ozon.add_product(10_000 + n, offer, sku=500_000 + n)
        fake_ozon.set_stock(10_000 + n, 1001, present=n % 7)
        fake_ozon.set_stock(10_000 + n, 1002, present=3)
    return fake_ozon


def _asked(fake) -> list[str]:
    return [offer for body in fake.calls_to(STOCKS) for offer in body["offer_id"]]


def _balances() -> dict[tuple[str, str], int]:
    return {
        (code, wh): on_hand
        for code, wh, on_hand in StockLevel.objects.values_list(
            "sku__code", "warehouse__code", "on_hand"
        )
    }


def test_a_cycle_asks_for_each_offer_once_and_opens_every_balance(store, account, client):
    run, _ = sync_run(
        account=account, client=client, steps=["warehouses", "products", "opening stock"]
    )

    assert run.ok
    assert sorted(_asked(store)) == OFFERS  # each once, three requests
    assert len(store.calls_to(STOCKS)) == 3
    balances = _balances()
    assert balances[("OFF-0006", "OZ-1001")] == 6
    assert balances.get(("OFF-0007", "OZ-1001"), 0) == 0
    assert balances[("OFF-1099", "OZ-1002")] == 3
    # zero quantities are no movement: 1,100 at 1002, all but every seventh at 1001
    assert StockMovement.objects.count() == 1_100 + sum(1 for n in range(1_100) if n % 7)


def test_without_the_products_step_the_opening_stock_step_asks_itself(store, account, client):
    # given the products linked by an earlier cycle before any warehouse was
    warehouses = dict(store.warehouses)
    store.warehouses.clear()
    assert sync_run(account=account, client=client, steps=["warehouses", "products"])[0].ok
    store.warehouses.update(warehouses)

    # when a cycle runs whose product list is closed ("Circle is open")
    store.fail_next("/v3/product/list", "circle")
    run, steps = sync_run(
        account=account, client=client, steps=["warehouses", "products", "opening stock"]
    )

    # then the products step failed, and the opening stock step still asked for every linked
    # offer once and opened the balances
    assert {s.name: s.ok for s in steps} == {
        "warehouses": True,
        "products": False,
        "opening stock": True,
    }
    assert sorted(_asked(store)) == OFFERS
    assert _balances()[("OFF-0006", "OZ-1001")] == 6
