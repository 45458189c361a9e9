"""FBO per cluster: supplies sized by each cluster's demand, the non-local surcharge, and the
marketplace's real charge per cancellation in the FBS cost (hand-computed)."""

import numpy as np
import pytest

from planning.engine import FboSnapshot, fbo_shipments
from planning.tests.engine.test_fulfilment import HAND, _choose


def test_each_cluster_is_sent_what_its_own_demand_needs():
    # given 10 units/day, 70 % bought in cluster A (2 days away), 30 % in B (4 days away),
    # supplies every 14 days, no variance: targets 10·0.7·16 = 112 and 10·0.3·18 = 54
    fbo = FboSnapshot(
        demand_share=np.array([[0.7, 0.3]]),
        stock=np.array([[40.0, 50.0]]),
        transit_days=np.array([2.0, 4.0]),
        in_transit=np.array([[12.0, 4.0]]),
    )

    ship = fbo_shipments(
        mean_daily=np.array([10.0]),
        sd_daily=np.array([0.0]),
        service_level=np.array([0.5]),
        review_days=np.array([14.0]),
        pack_size=np.array([5.0]),
        available=np.array([1000.0]),
        fbo=fbo,
        send=np.array([True]),
    )

    # then A: 112 − 52 = 60 (whole packs of 5); B: 54 − 54 = 0
    assert ship.tolist() == [[60.0, 0.0]]


def test_orders_from_another_cluster_add_the_surcharge_to_the_fbo_cost():
    # given the hand-computed SKU of test_fulfilment (FBO 4484 a month), sold at 1000, with a
    # quarter of its 60 FBO orders a month shipped from another cluster at 8 %
    base = FboSnapshot(np.ones((2, 1)), np.zeros((2, 1)), np.array([2.0]))
    fbo = FboSnapshot(
        base.demand_share, base.stock, base.transit_days, nonlocal_share=np.array([0.25, np.nan])
    )

    r = _choose([2.0, 2.0], sd=0.0, sl=0.5, tariffs=HAND, fbo=fbo, sale_price=1000.0)

    # then 60 · 1000 · 0.25 · 0.08 = 1200 more; unknown share: none
    assert r.fbo_nonlocal.tolist() == pytest.approx([1200.0, 0.0])
    assert r.fbo_monthly_cost.tolist() == pytest.approx([4484.0 + 1200.0, 4484.0])


def test_the_real_charge_per_cancellation_replaces_the_flat_penalty():
    # given 2 units/day, no variance, protection 5 + 10 + 1 = 16 days: 32 units against an
    # order-up-to level of 22, so 10 short a 10-day cycle, 30 cancelled orders a month
    tariffs = HAND.__class__(**{**HAND.__dict__, "fbs_cancel_penalty": 150.0})

    r = _choose(
        [2.0, 2.0],
        sd=0.0,
        sl=0.5,
        tariffs=tariffs,
        s=22.0 * np.ones(2),
        cancel_penalty=np.array([300.0, np.nan]),
    )

    # then Ozon's 300 a cancellation for the first, the flat 150 for the unknown one
    assert r.fbs_cancelled_orders_month.tolist() == pytest.approx([30.0, 30.0])
    assert r.fbs_cancellations.tolist() == pytest.approx([9000.0, 4500.0])
