"""Learned lead times and the supplier scorecard on hand-built receipts (exact values)."""

import numpy as np
import pytest

from planning.engine.leadtime import learn_lead_times, supplier_scorecard, weighted_quantile


def test_partial_receipts_weighted_by_quantity_and_shrunk_toward_stated():
    # given: one PO line of 100 units received as 60 after 10 days and 40 after 15 days;
    # a supplier with no receipts; one with 20 equal receipts after 7 days
    group = np.array([0, 0] + [2] * 20)
    days = np.array([10, 15] + [7] * 20)
    units = np.array([60, 40] + [10] * 20)
    # when
    est = learn_lead_times(
        group=group,
        days=days,
        units=units,
        n_groups=3,
        prior_mean=np.array([8.0, 30.0, 12.0]),
        prior_sd=np.array([1.0, 4.0, 2.0]),
        prior_strength=5.0,
    )
    # then: x̄ = 12, s² = 0.6·4 + 0.4·9 = 6, n_eff = 100²/5200 = 25/13, λ = 25/90
    assert est.receipts.tolist() == [2, 0, 20]
    assert est.observed_mean[0] == pytest.approx(12.0)
    assert est.observed_sd[0] == pytest.approx(np.sqrt(6.0))
    assert est.effective_receipts[0] == pytest.approx(25 / 13)
    assert est.data_share[0] == pytest.approx(25 / 90)
    assert est.mean[0] == pytest.approx(82 / 9)
    lam = 25 / 90
    assert est.sd[0] ** 2 == pytest.approx(lam * 6 + (1 - lam) * 1 + lam * (1 - lam) * 16)
    assert est.observed_p50[0] == 10 and est.observed_p90[0] == 15
    # no receipts: the stated figures, nothing observed
    assert est.mean[1] == 30.0 and est.sd[1] == 4.0 and np.isnan(est.observed_mean[1])
    # many receipts: λ = 20/25 = 0.8 → 0.8·7 + 0.2·12 = 8.0; var = 0.2·4 + 0.16·25 = 4.8
    assert est.mean[2] == pytest.approx(8.0)
    assert est.sd[2] ** 2 == pytest.approx(4.8)


def test_no_prior_strength_means_the_observed_figures():
    est = learn_lead_times(
        group=np.array([0, 0]),
        days=np.array([4, 8]),
        units=np.array([1, 1]),
        n_groups=1,
        prior_mean=np.array([100.0]),
        prior_sd=np.array([0.0]),
        prior_strength=0.0,
    )
    assert est.mean[0] == 6.0 and est.sd[0] == 2.0


def test_negative_units_refused():
    with pytest.raises(ValueError, match="negative"):
        learn_lead_times(
            group=np.array([0]),
            days=np.array([3]),
            units=np.array([-1]),
            n_groups=1,
            prior_mean=np.zeros(1),
            prior_sd=np.zeros(1),
        )


def test_weighted_quantile_per_group():
    q = weighted_quantile(
        np.array([1, 1, 1, 0]), np.array([9, 1, 5, 3]), np.array([1, 1, 2, 5]), 3, 0.5
    )
    # group 1 sorted: 1 (¼), 5 (¾) → 5; group 0 → 3; group 2 empty
    assert q[0] == 3 and q[1] == 5 and np.isnan(q[2])


def test_scorecard_on_time_fill_delay_and_worsening_trend():
    # given: supplier 0 on time last quarter-before (4 receipts) and late recently (3 receipts)
    g = np.array([0] * 7 + [1, 1])
    units = np.array([10, 10, 10, 10, 10, 10, 20, 5, 5])
    late = np.array([0, -1, 0, -2, 3, 0, 4, 0, 2])
    age = np.array([100, 120, 150, 170, 10, 20, 30, 5, 200])
    card = supplier_scorecard(
        receipt_group=g,
        receipt_units=units,
        receipt_days_late=late,
        receipt_age_days=age,
        line_group=np.array([0, 0, 1]),
        line_ordered=np.array([100, 50, 20]),
        line_received=np.array([80, 60, 10]),
        n_groups=3,
    )
    # on time: (10+10+10+10+10)/80 for supplier 0; delay (3·10 + 4·20)/80
    assert card.on_time_rate[0] == pytest.approx(50 / 80)
    assert card.average_delay_days[0] == pytest.approx(110 / 80)
    assert card.on_time_rate[1] == pytest.approx(0.5)
    # fill: received capped at ordered: (80 + 50) / 150
    assert card.fill_rate[0] == pytest.approx(130 / 150)
    assert card.fill_rate[1] == pytest.approx(0.5)
    assert card.recent_receipts.tolist() == [3, 1, 0]
    assert card.previous_receipts.tolist() == [4, 0, 0]
    assert card.recent_on_time[0] == pytest.approx(10 / 40)
    assert card.previous_on_time[0] == 1.0
    assert card.recent_delay_days[0] == pytest.approx(110 / 40)
    # supplier 1 has too few receipts to compare; 2 has none
    assert card.worsening.tolist() == [True, False, False]
    assert np.isnan(card.on_time_rate[2]) and np.isnan(card.fill_rate[2])


def test_quantiles_of_whole_days_and_of_fractions_agree():
    rng = np.random.default_rng(4)
    g = rng.integers(0, 50, 2000)
    days = rng.integers(1, 40, 2000)
    w = rng.integers(0, 9, 2000).astype(float)
    whole = weighted_quantile(g, days, w, 60, 0.9)  # histogram path
    shifted = weighted_quantile(g, days + 0.5, w, 60, 0.9) - 0.5  # sort path
    assert np.array_equal(np.isnan(whole), np.isnan(shifted))
    assert np.allclose(whole[~np.isnan(whole)], shifted[~np.isnan(shifted)])
