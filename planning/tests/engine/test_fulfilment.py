"""FBO vs FBS monthly costs, the recommendation and FBO shipments."""

import numpy as np
import pytest

from planning.engine import FboSnapshot, Tariffs, choose_fulfilment, fbo_shipments
from planning.engine.schema import FBO, FBS, R_FBO_CHEAPER, R_FBS_CHEAPER, R_NO_DEMAND


def _choose(d, sd=None, vol=1.0, fbo=None, tariffs=None, **kw):
    d = np.asarray(d, float)
    n = len(d)
    one = np.ones(n)
    sd = np.sqrt(d) if sd is None else np.asarray(sd, float)
    return choose_fulfilment(
        mean_daily=d,
        sd_daily=sd,
        service_level=kw.get("sl", 0.5) * one,
        review_days=10 * one,
        lead_time_mean=5 * one,
        lead_time_sd=0 * one,
        fbs_prep_days=1 * one,
        safety_stock=kw.get("ss", 0 * one),
        order_up_to=kw.get("s", 1e9 * one),
        volume_l=vol * one,
        unit_cost=100 * one,
        mean_units_per_order=one,
        pack_size=one,
        available=1e6 * one,
        fbo=fbo,
        tariffs=tariffs or Tariffs(),
    )


def test_hand_computed_costs():
    t = Tariffs(
        fbo_storage_per_litre_day=1.0,
        fbo_free_storage_days=2.0,
        fbo_inbound_per_unit=3.0,
        fbo_inbound_per_litre=0.0,
        fbo_delivery_per_order=10.0,
        fbs_handling_per_order=4.0,
        fbs_delivery_per_order=20.0,
        own_storage_per_litre_day=0.1,
        fbs_cancel_penalty=0.0,
    )
    # d = 2/day, R = 10, z = 0: FBO stock d·R/2 = 10 units, each waits 5 days, 3 charged
    r = _choose([2.0], sl=0.5, tariffs=t)
    units = 60.0
    assert r.fbo_storage[0] == pytest.approx(units * 3 * 1.0)
    assert r.fbo_inbound[0] == pytest.approx(units * 3.0)
    assert r.fbo_delivery[0] == pytest.approx(units * 10.0)
    assert r.fbo_monthly_cost[0] == pytest.approx(180 + 180 + 600)
    assert r.fbs_monthly_cost[0] == pytest.approx(units * 24 + 10 * 0.1 * 30)
    assert r.recommended_scheme[0] == FBO and r.scheme_reasons[0] >> R_FBO_CHEAPER & 1


def test_cancellations_push_towards_fbo_and_no_demand_stays_fbs():
    t = Tariffs(fbs_cancel_penalty=1000.0)
    low_s = _choose([5.0], s=np.array([10.0]), tariffs=t)  # S far below L + R demand
    assert low_s.fbs_cancellations[0] > 0 and low_s.recommended_scheme[0] == FBO
    none = _choose([0.0])
    assert none.recommended_scheme[0] == FBS
    assert (
        none.scheme_reasons[0] >> R_NO_DEMAND & 1
        and not none.scheme_reasons[0] >> R_FBS_CHEAPER & 1
    )


def test_stranded_stock_costs_fbo():
    fbo = FboSnapshot(
        demand_share=np.array([[1.0]]), stock=np.array([[1000.0]]), transit_days=np.array([3.0])
    )
    r = _choose([1.0], fbo=fbo)
    assert r.fbo_stranded[0] == pytest.approx((1000 - 120) * (100 * 0.03 + 0.15 * 30))


def test_fbo_shipments_cover_transit_review_and_safety():
    fbo = FboSnapshot(
        demand_share=np.array([[0.25, 0.75], [0.0, 0.0]]),
        stock=np.array([[0.0, 10.0], [0.0, 0.0]]),
        transit_days=np.array([4.0, 10.0]),
        in_transit=np.array([[0.0, 5.0], [0.0, 0.0]]),
    )
    q = fbo_shipments(
        mean_daily=np.array([4.0, 1.0]),
        sd_daily=np.array([0.0, 0.0]),
        service_level=np.array([0.5, 0.5]),
        review_days=np.array([6.0, 6.0]),
        pack_size=np.array([1.0, 4.0]),
        available=np.array([1000.0, 1000.0]),
        fbo=fbo,
        send=np.array([True, True]),
    )
    # SKU 0: 1/day × 10 days = 10 and 3/day × 16 days = 48 − 15 held = 33
    assert q[0].tolist() == [10.0, 33.0]
    # SKU 1: no shares -> split evenly: 0.5 × 10 = 5 -> 8 (packs of 4); 0.5 × 16 = 8
    assert q[1].tolist() == [8.0, 8.0]
    capped = fbo_shipments(
        np.array([4.0]),
        np.array([0.0]),
        np.array([0.5]),
        np.array([6.0]),
        np.array([1.0]),
        np.array([20.0]),
        FboSnapshot(fbo.demand_share[:1], fbo.stock[:1], fbo.transit_days, fbo.in_transit[:1]),
        np.array([True]),
    )
    assert capped.sum() <= 20
