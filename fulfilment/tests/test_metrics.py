"""Seller metrics on a hand-built history with exact expected values."""

from datetime import UTC, datetime, timedelta

import pytest

from fulfilment.metrics import rate_level, seller_metrics
from fulfilment.services import order_cancel, order_pack, order_ship
from fulfilment.tests.factories import order as make_order
from inventory.services import SYSTEM
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
D = timedelta(days=1)
H = timedelta(hours=1)


@pytest.fixture
def history():
    w1, w2 = WarehouseFactory(code="W1"), WarehouseFactory(code="W2")
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=w1, on_hand=50)
    stock_level(sku=sku, warehouse=w2, on_hand=50)

    def placed(warehouse, accepted, ship_by):
        return make_order(
            warehouse=warehouse, lines=[(sku, 1)], accepted_at=NOW - accepted, ship_by=NOW - ship_by
        )

    def shipped(warehouse, accepted, ship_by, at):
        order = placed(warehouse, accepted, ship_by)
        order_pack(order=order, actor=SYSTEM)
        return order_ship(order=order, actor=SYSTEM, at=NOW - at)

    def cancelled(warehouse, accepted, ship_by, at, reason, by):
        order = placed(warehouse, accepted, ship_by)
        return order_cancel(order=order, reason=reason, cancelled_by=by, actor=SYSTEM, at=NOW - at)

    shipped(w1, 2 * D, 1 * D, 1 * D + H)  # on time
    shipped(w1, 3 * D, 2 * D, 2 * D - 2 * H)  # two hours late
    cancelled(w1, 5 * D, 3 * D, 4 * D, "out_of_stock", "seller")
    shipped(w1, 10 * D, 9 * D, 9 * D + H)  # on time, outside 7 days
    cancelled(w1, 1 * D, -1 * D, 1 * D - H, "customer_request", "customer")
    placed(w2, 4 * D, 3 * D)  # still open past its deadline
    cancelled(w2, 20 * D, 19 * D + H, 19 * D, "prep_time_exceeded", "marketplace")
    shipped(w2, 6 * D, 5 * D, 5 * D + 3 * H)  # on time
    # an FBO order is not counted in the FBS metrics
    make_order(warehouse=w1, lines=[(sku, 1)], accepted_at=NOW - D, ship_by=NOW - H, scheme="fbo")


def as_table(metrics):
    return {
        (w.days, w.warehouse_code or "all"): (
            (
                w.cancellation_rate.numerator,
                w.cancellation_rate.denominator,
                w.cancellation_rate.value,
                w.cancellation_rate.level,
            ),
            (
                w.late_shipment_rate.numerator,
                w.late_shipment_rate.denominator,
                w.late_shipment_rate.value,
                w.late_shipment_rate.level,
            ),
            (
                w.on_time_rate.numerator,
                w.on_time_rate.denominator,
                w.on_time_rate.value,
                w.on_time_rate.level,
            ),
        )
        for w in metrics.windows
    }


def test_metrics_on_a_hand_built_history(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        metrics = seller_metrics(now=NOW)
    assert as_table(metrics) == {
        (7, "all"): ((1, 6, 0.1667, "warning"), (1, 3, 0.3333, "danger"), (2, 5, 0.4, "danger")),
        (7, "W1"): ((1, 4, 0.25, "danger"), (1, 2, 0.5, "danger"), (1, 3, 0.3333, "danger")),
        (7, "W2"): ((0, 2, 0.0, "ok"), (0, 1, 0.0, "ok"), (1, 2, 0.5, "danger")),
        (14, "all"): ((1, 7, 0.1429, "warning"), (1, 4, 0.25, "danger"), (3, 6, 0.5, "danger")),
        (14, "W1"): ((1, 5, 0.2, "danger"), (1, 3, 0.3333, "danger"), (2, 4, 0.5, "danger")),
        (14, "W2"): ((0, 2, 0.0, "ok"), (0, 1, 0.0, "ok"), (1, 2, 0.5, "danger")),
        (30, "all"): ((2, 8, 0.25, "danger"), (1, 4, 0.25, "danger"), (3, 7, 0.4286, "danger")),
        (30, "W1"): ((1, 5, 0.2, "danger"), (1, 3, 0.3333, "danger"), (2, 4, 0.5, "danger")),
        (30, "W2"): ((1, 3, 0.3333, "danger"), (0, 1, 0.0, "ok"), (1, 3, 0.3333, "danger")),
    }
    assert metrics.worst_level == "danger"


def test_metrics_without_orders_have_no_values():
    metrics = seller_metrics(now=NOW, windows=(7,))
    assert as_table(metrics) == {(7, "all"): ((0, 0, None, ""), (0, 0, None, ""), (0, 0, None, ""))}
    assert metrics.worst_level == ""


@pytest.mark.parametrize(
    ("name", "value", "level"),
    [
        ("cancellation_rate", 0.0999, "ok"),
        ("cancellation_rate", 0.10, "warning"),
        ("cancellation_rate", 0.20, "danger"),
        ("late_shipment_rate", 0.1999, "warning"),
        ("on_time_rate", 0.95, "ok"),
        ("on_time_rate", 0.8999, "warning"),
        ("on_time_rate", 0.7999, "danger"),
    ],
)
def test_threshold_levels(name, value, level):
    assert rate_level(name, value) == level


def test_thresholds_are_configurable(settings):
    settings.ZAPAS_FULFILMENT = {
        "METRIC_THRESHOLDS": {
            "cancellation_rate": {"warning": 0.3, "danger": 0.5},
            "late_shipment_rate": {"warning": 0.3, "danger": 0.5},
            "on_time_rate": {"warning": 0.5, "danger": 0.2},
        }
    }
    assert rate_level("cancellation_rate", 0.25) == "ok"
    assert rate_level("on_time_rate", 0.4) == "warning"
