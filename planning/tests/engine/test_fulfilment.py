"""FBO vs FBS monthly costs, the recommendation (with hysteresis) and FBO shipments."""

import numpy as np
import pytest

from planning.engine import FboSnapshot, Tariffs, choose_fulfilment, fbo_shipments
from planning.engine.schema import (
    FBO,
    FBS,
    R_BULKY,
    R_FBO_CHEAPER,
    R_FBO_STRANDED,
    R_FBS_CHEAPER,
    R_LOW_VELOCITY,
    R_NO_DEMAND,
)

#: Round tariffs for the hand-computed examples (RUB).
HAND = Tariffs(
    logistics_per_order=50.0,
    logistics_per_litre=10.0,
    fbs_processing_per_order=20.0,
    fbs_handling_per_order=10.0,
    fbs_cancel_penalty=0.0,
    own_storage_per_litre_day=0.1,
    fbo_supply_days=10.0,
    fbo_inbound_per_unit=4.0,
    fbo_inbound_per_litre=1.0,
    fbo_inbound_per_supply_line=30.0,
    fbo_free_storage_days=2.0,
    fbo_storage_per_litre_day=1.0,
    fbo_stranded_after_days=4.0,
    fbo_removal_per_unit=20.0,
    capital_rate_year=0.12,
    decision_margin=0.15,
    decision_min_saving=200.0,
)


def _one_warehouse(transit: float = 2.0, n: int = 1) -> FboSnapshot:
    return FboSnapshot(
        demand_share=np.ones((n, 1)), stock=np.zeros((n, 1)), transit_days=np.array([transit])
    )


def _three_warehouses(n: int) -> FboSnapshot:
    return FboSnapshot(
        demand_share=np.full((n, 3), 1 / 3),
        stock=np.zeros((n, 3)),
        transit_days=np.array([2.0, 3.0, 5.0]),
    )


def _choose(d, sd=None, vol=1.0, fbo=None, tariffs=None, current=None, **kw):
    d = np.asarray(d, float)
    n = len(d)
    one = np.ones(n)
    sd = np.sqrt(d) if sd is None else np.asarray(sd, float) * one
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
        volume_l=np.asarray(vol, float) * one,
        unit_cost=kw.get("cost", 100.0) * one,
        mean_units_per_order=one,
        pack_size=one,
        available=1e6 * one,
        fbo=fbo if fbo is not None else _one_warehouse(n=n),
        tariffs=tariffs or Tariffs(),
        current_scheme=None if current is None else np.asarray(current, np.int8) * np.ones(n, int),
        sale_price=kw.get("sale_price", 0.0) * one,
        cancel_penalty=kw.get("cancel_penalty"),
    )


def test_hand_computed_fbo_cost():
    # given d = 2/day, no variance (z = 0), 1 litre, one FBO warehouse 2 days away, supplies
    # every 10 days: 60 units = 60 orders a month
    r = _choose([2.0], sd=0.0, sl=0.5, tariffs=HAND)
    # stock at FBO: cycle stock d·R_f/2 = 10 units; road: d·T = 4 units; 3 supply lines/month
    assert r.fbo_stock[0] == pytest.approx(10.0)
    assert r.fbo_delivery[0] == pytest.approx(60 * (50 + 10 * 1))  # 3600
    assert r.fbo_inbound[0] == pytest.approx(60 * (4 + 1 * 1) + 3 * 30)  # 390
    # older than the 2 free days: 10 − 2·2 = 6 units × 1 l × 1.0/day × 30
    assert r.fbo_storage[0] == pytest.approx(180.0)
    # beyond 4 days of cover: 10 − 8 = 2 units removed, 20 each, every 4 days
    assert r.fbo_stranded[0] == pytest.approx(2 * 20 * 30 / 4)  # 300
    # capital on (10 + 4 − 0 FBS safety stock) units × 100 × 12 % / 12
    assert r.fbo_capital[0] == pytest.approx(14.0)
    assert r.fbo_monthly_cost[0] == pytest.approx(3600 + 390 + 180 + 300 + 14)  # 4484


def test_hand_computed_fbs_cost():
    # given the same SKU: 60 orders × (50 + 10 per litre + 20 processing) + 60 × 10 handling
    r = _choose([2.0], sd=0.0, sl=0.5, tariffs=HAND)
    assert r.fbs_handling_delivery[0] == pytest.approx(60 * 80 + 60 * 10)  # 5400
    # own storage of d·R/2 = 10 units × 1 l × 0.1/day × 30
    assert r.fbs_storage[0] == pytest.approx(30.0)
    assert r.fbs_cancellations[0] == 0.0
    assert r.fbs_monthly_cost[0] == pytest.approx(5430.0)
    # then FBO saves 946 ≥ 15 % of 5430 (814.5) and ≥ 200: switch an FBS SKU to FBO
    assert r.recommended_scheme[0] == FBO and r.scheme_reasons[0] >> R_FBO_CHEAPER & 1


def test_per_order_difference_is_tens_of_percent_by_default():
    t = Tariffs()
    fbo = t.logistics_per_order + t.logistics_per_litre + t.fbo_inbound_per_unit
    fbs = (
        t.logistics_per_order
        + t.logistics_per_litre
        + t.fbs_processing_per_order
        + t.fbs_handling_per_order
    )
    assert 1.1 < fbs / fbo < 1.6


def test_hysteresis_keeps_the_current_scheme_unless_the_saving_is_material():
    # FBO saves 946 a month on 5430 (17 %)
    stays_fbs = _choose(
        [2.0], sd=0.0, tariffs=Tariffs(**{**HAND.__dict__, "decision_margin": 0.2}), current=FBS
    )
    assert stays_fbs.recommended_scheme[0] == FBS
    not_enough_money = _choose(
        [2.0], sd=0.0, tariffs=Tariffs(**{**HAND.__dict__, "decision_min_saving": 1000.0})
    )
    assert not_enough_money.recommended_scheme[0] == FBS
    # an FBO SKU stays FBO: FBS is dearer
    assert _choose([2.0], sd=0.0, tariffs=HAND, current=FBO).recommended_scheme[0] == FBO


def test_an_fbo_sku_moves_to_fbs_only_when_fbs_is_materially_cheaper():
    # given a slow mover on FBO (0.2/day, three warehouses: fixed supply lines, a unit on
    # every shelf)
    r = _choose([0.2], sd=0.5, fbo=_three_warehouses(1), current=FBO, sl=0.95)
    saving = r.fbo_monthly_cost[0] - r.fbs_monthly_cost[0]
    assert saving >= 0.15 * r.fbo_monthly_cost[0] and saving >= 100
    assert r.recommended_scheme[0] == FBS and r.scheme_reasons[0] >> R_FBS_CHEAPER & 1
    # a generous margin keeps it where it is
    keep = _choose(
        [0.2],
        sd=0.5,
        fbo=_three_warehouses(1),
        current=FBO,
        sl=0.95,
        tariffs=Tariffs(decision_margin=0.9),
    )
    assert keep.recommended_scheme[0] == FBO


def test_default_tariffs_send_fast_compact_movers_to_fbo_and_keep_the_rest_on_fbs():
    # given (default tariffs, three FBO warehouses, 95 % service): a fast steady compact SKU,
    # a slow one, an intermittent one and a bulky fast one, all on FBS today
    d = np.array([10.0, 0.1, 0.3, 3.0])
    sd = np.array([3.0, 0.35, 1.5, 1.5])
    vol = np.array([0.5, 0.5, 0.5, 30.0])
    r = _choose(d, sd=sd, vol=vol, fbo=_three_warehouses(4), sl=0.95, current=FBS)
    assert r.recommended_scheme.tolist() == [FBO, FBS, FBS, FBS]
    assert r.scheme_reasons[1] >> R_LOW_VELOCITY & 1
    assert r.scheme_reasons[3] >> R_BULKY & 1
    # and FBO costs more per unit sold for the slow one than for the fast one
    per_unit = r.fbo_monthly_cost / (30 * d)
    assert per_unit[1] > 2 * per_unit[0]


def test_volatile_demand_costs_fbo_more():
    # safety stock split over three warehouses grows with the sd (storage, capital)
    calm, wild = (
        _choose([3.0], sd=s, fbo=_three_warehouses(1), sl=0.95, cost=2000.0) for s in (1.0, 8.0)
    )
    assert wild.fbo_stock[0] > calm.fbo_stock[0]
    assert wild.fbo_capital[0] > calm.fbo_capital[0]


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
    # an FBO SKU without demand is sent back to FBS too
    assert _choose([0.0], current=FBO).recommended_scheme[0] == FBS


def test_stranded_stock_is_flagged_for_a_very_slow_mover():
    # given 0.01/day over three warehouses: each needs a unit, 3 units vs 1.2 sold in 120 days
    r = _choose([0.01], sd=0.1, fbo=_three_warehouses(1), sl=0.95)
    assert r.fbo_stock[0] == pytest.approx(3.0)
    assert r.fbo_stranded[0] == pytest.approx((3 - 1.2) * 30 * 30 / 120)
    # flagged when removals are a material part (> 10 %) of the FBO cost
    dear = _choose(
        [0.01], sd=0.1, fbo=_three_warehouses(1), sl=0.95, tariffs=Tariffs(fbo_removal_per_unit=300)
    )
    assert dear.scheme_reasons[0] >> R_FBO_STRANDED & 1


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


def test_no_fbo_shipment_when_the_position_covers_the_target_or_fbo_is_off():
    # given 2/day at one warehouse 3 days away, review 7: target 2 × 10 = 20 units
    fbo = FboSnapshot(
        demand_share=np.ones((3, 1)),
        stock=np.array([[20.0], [19.0], [0.0]]),
        transit_days=np.array([3.0]),
    )
    q = fbo_shipments(
        mean_daily=np.full(3, 2.0),
        sd_daily=np.zeros(3),
        service_level=np.full(3, 0.5),
        review_days=np.full(3, 7.0),
        pack_size=np.array([1.0, 6.0, 1.0]),
        available=np.full(3, 1000.0),
        fbo=fbo,
        send=np.array([True, True, False]),
    )
    # at the target: nothing; one short: one pack of 6; FBS-only SKU: nothing
    assert q[:, 0].tolist() == [0.0, 6.0, 0.0]


def test_choose_fulfilment_ships_only_to_skus_that_sell_through_fbo():
    fbo = FboSnapshot(
        demand_share=np.ones((3, 1)),
        stock=np.zeros((3, 1)),
        transit_days=np.array([2.0]),
        enabled=np.array([True, False, True]),
    )
    r = _choose([5.0, 5.0, 0.0], fbo=fbo, current=FBS)
    # enabled and selling: sends; FBS-only: none (even if FBO is recommended); no demand: none
    assert r.fbo_shipment[0, 0] > 0
    assert r.fbo_shipment[1:, 0].tolist() == [0.0, 0.0]
    # without ``enabled`` the current scheme decides
    plain = _choose([5.0, 5.0], fbo=_one_warehouse(n=2), current=np.array([FBO, FBS]))
    assert plain.fbo_shipment[:, 0].tolist()[1] == 0.0 and plain.fbo_shipment[0, 0] > 0
