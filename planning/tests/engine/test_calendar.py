"""The shop calendar: detection, and forecasts fitted on open days and spread back."""

import numpy as np
import pytest

from planning.engine import PlanParams, plan_catalogue
from planning.engine.calendar import (
    ShopCalendar,
    calendar_of,
    closed_days_detect,
    closed_weekdays_detect,
    shop_calendar,
)
from planning.engine.schema import SMOOTH
from planning.engine.selection import fit_select

from ._factory import snapshot

SUNDAY, SATURDAY = 6, 5


def _weekday(n_days: int, end_weekday: int = SUNDAY) -> np.ndarray:
    return (end_weekday - (n_days - 1 - np.arange(n_days))) % 7


def test_a_weekday_without_any_sale_in_a_busy_history_is_closed():
    # given four weeks ending on a Sunday, three SKUs selling every day but Saturday
    selling = np.where(_weekday(28) == SATURDAY, 0, 3)
    # then Saturday is closed: q = 1, so (1 − q)⁴ = 0 < 1 %
    assert closed_weekdays_detect(selling, SUNDAY) == (SATURDAY,)


def test_a_quiet_weekday_is_not_closed_until_chance_is_unlikely():
    # given a slow catalogue selling on every other day of the open weekdays
    def history(weeks: int) -> np.ndarray:
        n = 7 * weeks
        s = (np.arange(n) % 2).astype(float)
        s[_weekday(n) == SATURDAY] = 0
        return s

    # q = 0.5: four silent Saturdays happen by chance 6.25 % of the time, eight 0.39 %
    q4 = history(4)[_weekday(28) != SATURDAY].mean()
    assert q4 == pytest.approx(0.5, abs=0.05)
    assert closed_weekdays_detect(history(4), SUNDAY) == ()
    assert closed_weekdays_detect(history(8), SUNDAY) == (SATURDAY,)


def test_an_empty_day_is_closed_only_in_a_busy_stretch():
    open_weekday = np.ones(35, bool)
    busy = np.full(35, 10.0)
    busy[17] = 0
    quiet = np.full(35, 2.0)
    quiet[17] = 0
    assert np.flatnonzero(closed_days_detect(busy, open_weekday)).tolist() == [17]
    assert not closed_days_detect(quiet, open_weekday).any()


def test_given_days_add_to_the_detected_ones_and_the_future_follows_the_week():
    selling = np.where(_weekday(28) == SATURDAY, 0, 8)
    given = np.zeros(28, bool)
    given[3] = True
    cal = shop_calendar(selling, SUNDAY, closed_history=given, future_closed=(0, 40))
    assert cal.closed_weekdays == (SATURDAY,)
    assert not cal.open_days[3]
    assert cal.open_days.sum() == 28 - 4 - 1
    # the plan date is a Monday (closed: given), the next Saturday is day 5
    fut = cal.future_open(14)
    assert np.flatnonzero(~fut).tolist() == [0, 5, 12]
    # given weekdays replace detection
    assert shop_calendar(selling, SUNDAY, closed_weekdays=(6,)).closed_weekdays == (6,)


def _closed_saturdays(rate: float = 6.0, weeks: int = 10) -> np.ndarray:
    n = 7 * weeks
    y = np.full((1, n), rate)
    y[:, _weekday(n) == SATURDAY] = 0
    return y


def test_forecast_is_per_open_day_and_spread_back_to_calendar_days():
    # given 6 units on every open day and Saturdays closed (the history ends on a Sunday)
    y = _closed_saturdays()
    cal = calendar_of(y, SUNDAY)
    assert cal.closed_weekdays == (SATURDAY,)
    sel = fit_select(
        y, np.ones_like(y, bool), np.array([SMOOTH]), PlanParams(), SUNDAY, None, calendar=cal
    )
    # then the 28-day horizon (24 open days) averages 6 × 24 / 28 units a calendar day
    assert sel.forecast_mean[0] == pytest.approx(6 * 24 / 28, rel=1e-5)
    # and the weekly profile is 0 on Saturday and 7/6 on the open days
    np.testing.assert_allclose(sel.weekly_profile[0], [7 / 6] * 5 + [0, 7 / 6], rtol=1e-5)


def test_a_future_holiday_lowers_the_horizon_mean():
    y = _closed_saturdays()
    base = calendar_of(y, SUNDAY)
    cal = ShopCalendar(base.open_days, SUNDAY, base.closed_weekdays, future_closed=(0,))
    sel = fit_select(
        y, np.ones_like(y, bool), np.array([SMOOTH]), PlanParams(), SUNDAY, None, calendar=cal
    )
    assert sel.forecast_mean[0] == pytest.approx(6 * 23 / 28, rel=1e-5)


def test_closed_days_are_observed_zeros_in_the_rolling_totals():
    # given 7-day totals: every window holds 6 open days of 6 units
    y = _closed_saturdays(weeks=30)
    sel = fit_select(
        y,
        np.ones_like(y, bool),
        np.array([SMOOTH]),
        PlanParams(),
        SUNDAY,
        np.array([[7]]),
        calendar=calendar_of(y, SUNDAY),
    )
    pf, pa = sel.pair_forecast[0, :, 0], sel.pair_actual[0, :, 0]
    ok = np.isfinite(pf)
    assert ok.sum() >= 10  # closed days do not void the windows
    np.testing.assert_allclose(pf[ok], 36, rtol=1e-4)
    np.testing.assert_allclose(pa[ok], 36)
    assert sel.total_end[0, 0] == pytest.approx(36, rel=1e-4)


def test_plan_detects_closed_saturdays_from_the_catalogue():
    # given three SKUs that never sell on Saturdays
    n_days = 7 * 20
    rates = np.array([2.0, 5.0, 9.0])
    demand = np.repeat(rates[:, None], n_days, axis=1)
    demand[:, _weekday(n_days) == SATURDAY] = 0
    snap = snapshot(
        3, n_days, fbo=False, demand=demand.astype(np.float32), history_end_weekday=SUNDAY
    )
    plan = plan_catalogue(snap, PlanParams(lead_time_demand="model"))
    # then the forecast is the open-day rate spread over the calendar (24 of 28 days)
    np.testing.assert_allclose(plan.forecast_mean, rates * 24 / 28, rtol=1e-4)
    assert np.all(plan.weekly_profile[:, SATURDAY] == 0)
    # and without the calendar a flat method would read Saturday as a zero-demand day
    off = plan_catalogue(snap, PlanParams(lead_time_demand="model", detect_closed_days=False))
    assert np.all(off.weekly_profile[:, SATURDAY] < 1)


def test_a_replay_cut_keeps_the_calendar_of_its_days():
    # given 28 days ending on a Sunday, Saturdays closed, a one-off closure on day 20
    selling = np.where(_weekday(28) == SATURDAY, 0, 8)
    given = np.zeros(28, bool)
    given[20] = True
    cal = shop_calendar(selling, SUNDAY, closed_history=given, future_closed=(2,))
    # when cut after day 17 (a Thursday)
    head = cal.head(18)
    # then its history is the first 18 days, day 20 and the old future are ahead of it
    assert head.n_days == 18 and head.end_weekday == 3
    assert np.array_equal(head.open_days, cal.open_days[:18])
    assert head.future_closed == (2, 12)
    assert np.flatnonzero(~head.future_open(7)).tolist() == [1, 2]  # Saturday, day 20
