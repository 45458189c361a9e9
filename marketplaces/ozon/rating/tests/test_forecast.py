"""The foreseen index, its charges and the orders to act on, with exact expected values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from marketplaces.ozon.rating.forecast import (
    NewOrders,
    OpenOrders,
    OrderState,
    forecast_index,
)
from marketplaces.ozon.rating.index import ErrorType, PostingRecord
from marketplaces.ozon.rating.tests.test_index import TODAY, hand_built_history


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def orders(*rows) -> OpenOrders:
    return OpenOrders(
        numbers=[r[0] for r in rows],
        due_days=[day(r[1]) for r in rows],
        states=[r[2] for r in rows],
        prices=[r[3] for r in rows],
    )


def test_index_and_charges_foreseen_from_the_open_orders():
    open_orders = orders(
        ("A", 0, OrderState.SHORT_NO_ARRIVAL, 1000.0),
        ("B", 1, OrderState.DUE_SOON, 2000.0),
        ("C", 1, OrderState.ON_TRACK, 500.0),
        ("D", 2, OrderState.SHORT_ARRIVAL, 3000.0),
    )
    result = forecast_index(history=hand_built_history(), open_orders=open_orders, today=TODAY)

    rows = [
        (f.day, f.expected_postings, f.expected_errors, f.expected_percent) for f in result.days
    ]
    assert rows == [
        (day(0), 50, 3, 6.0),
        # 47 from the history (see test_index), + A due today with its certain error.
        (day(1), 48, 4, round(400 / 48, 4)),
        # 43 from the history, + A, B, C; errors 3 + A + 0.15 of B.
        (day(2), 46, 4.15, round(415 / 46, 4)),
        # 39 from the history, + A, B, C, D; + 0.3 of D: above 10 %.
        (day(3), 43, 4.45, round(445 / 43, 4)),
    ]
    assert [f.zone.name for f in result.days] == ["yellow", "yellow", "yellow", "orange"]
    # Charges at 3 % of the price: A today, 0.15 × B tomorrow, 0.3 × D the day after.
    assert [f.expected_charges for f in result.days] == [
        Decimal("30.00"),
        Decimal("9.00"),
        Decimal("27.00"),
        Decimal("0.00"),
    ]
    assert [f.errors_today for f in result.days] == [1.0, 0.15, 0.3, 0.0]
    assert result.expected_charges == Decimal("66.00")
    # Above 10 % takes 5 errors out of 46 (or 43): normal approximation of the error count.
    assert result.days[1].above_target_probability == 0.0
    assert result.days[2].above_target_probability == round(
        float(norm.sf((5 - 0.5 - 4.15) / (0.15 * 0.85) ** 0.5)), 4
    )
    assert result.days[3].above_target_probability == round(
        float(norm.sf((5 - 0.5 - 4.45) / (0.15 * 0.85 + 0.3 * 0.7) ** 0.5)), 4
    )
    # Shipping A (or getting its stock) keeps day 3 at 3.45 / 43 = 8.0 %: yellow.
    assert result.target.name == "yellow" and result.reachable
    assert [a.number for a in result.needed] == ["A"]
    assert [a.number for a in result.actions] == ["A", "D", "B"]
    assert result.actions[0].charge_avoided == Decimal("30.00")


def recent_history(postings: int, errors: int) -> list[PostingRecord]:
    return [
        PostingRecord(
            f"H-{i}",
            day(-1 - i % 5),
            ErrorType.SELLER_DELAY if i < errors else None,
            day(-1 - i % 5) if i < errors else None,
        )
        for i in range(postings)
    ]


def test_orders_to_act_on_to_stay_in_the_green_zone():
    open_orders = orders(
        ("X1", 0, OrderState.SHORT_NO_ARRIVAL, 500.0),
        ("X2", 0, OrderState.DUE_SOON, 4000.0),
        ("Y1", 1, OrderState.SHORT_NO_ARRIVAL, 800.0),
        ("Y2", 1, OrderState.SHORT_NO_ARRIVAL, 100.0),
        ("Z", 2, OrderState.SHORT_ARRIVAL, 1000.0),
    )
    result = forecast_index(history=recent_history(100, 3), open_orders=open_orders, today=TODAY)

    assert result.today.percent == 3.0 and result.target.name == "green"
    assert [f.expected_percent for f in result.days] == [
        3.0,
        round(415 / 102, 4),
        round(615 / 104, 4),
        round(645 / 105, 4),
    ]
    assert [f.zone.name for f in result.days] == ["green", "yellow", "yellow", "yellow"]
    # Day 1 needs X1; day 2 then Y1 (as likely as Y2, dearer); day 3 then Y2. X2 and Z can wait.
    assert result.reachable
    assert [a.number for a in result.needed] == ["X1", "Y1", "Y2"]
    assert [a.number for a in result.actions] == ["X1", "Y1", "Y2", "Z", "X2"]
    by_number = {a.number: a for a in result.actions}
    assert by_number["Y1"].charge_avoided == Decimal("24.00")  # 3 % of 800 tomorrow
    assert by_number["X1"].charge_avoided == Decimal("0.00")  # today is still green
    assert [f.expected_charges for f in result.days] == [
        Decimal("0.00"),
        Decimal("27.00"),
        Decimal("9.00"),
        Decimal("0.00"),
    ]


def test_stock_outs_of_new_orders_cannot_be_acted_on():
    new = NewOrders(orders_per_day=[2.0], available_orders=[0.0], prices=[1000.0], prep_days=[1])
    result = forecast_index(
        history=recent_history(20, 0), open_orders=orders(), today=TODAY, new_orders=new
    )

    # Two orders a day meet no stock; those of tomorrow are due (and cancelled) the day after.
    assert [(f.expected_postings, f.expected_errors) for f in result.days] == [
        (20, 0),
        (20, 0),
        (20, 0),
        (22, 2),
    ]
    assert result.days[3].expected_percent == round(200 / 22, 4)
    assert result.days[3].expected_charges == Decimal("60.00")  # 2 × 1000 × 3 %
    assert result.days[2].errors_today == 2.0 and result.days[2].expected_charges == 0
    assert not result.reachable and result.needed == ()


def test_partly_stocked_sku_loses_what_poisson_demand_exceeds():
    new = NewOrders(orders_per_day=[2.0], available_orders=[1.0], prices=[100.0], prep_days=[0])
    result = forecast_index(
        history=recent_history(50, 0), open_orders=orders(), today=TODAY, new_orders=new, horizon=1
    )
    # E[(N − 1)⁺] for N ~ Poisson(2) = 2 − 1 + P(N = 0) = 1 + e⁻².
    assert result.days[1].errors_today == round(1 + 2.718281828459045**-2, 4)


def test_horizon_is_one_to_three_days():
    with pytest.raises(ValueError):
        forecast_index(history=[], open_orders=orders(), today=TODAY, horizon=4)


states = st.sampled_from([s.value for s in OrderState])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), states, st.integers(1, 5000)), min_size=0, max_size=40
    ),
    postings=st.integers(0, 60),
    errors=st.integers(0, 5),
)
def test_acting_on_the_needed_orders_keeps_today_zone(rows, postings, errors):
    open_orders = orders(*[(f"O-{n}", d, s, float(p)) for n, (d, s, p) in enumerate(rows)])
    history = recent_history(postings, min(errors, postings))
    result = forecast_index(history=history, open_orders=open_orders, today=TODAY)
    if not result.reachable:
        return
    fixed = {a.number for a in result.needed}
    after = orders(
        *[
            (f"O-{n}", d, OrderState.ON_TRACK if f"O-{n}" in fixed else s, float(p))
            for n, (d, s, p) in enumerate(rows)
        ]
    )
    again = forecast_index(history=history, open_orders=after, today=TODAY)
    bound = result.target.upper
    if bound is None:  # the blocking zone has no bound to stay under
        return
    for forecast in again.days[1:]:
        assert forecast.expected_percent is None or forecast.expected_percent <= bound + 1e-6
    assert again.needed == ()
