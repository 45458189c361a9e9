"""The SKU chart's stock projection under lost sales: never below zero, lost demand apart."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning.charts import projected_on_hand, projected_stock


def test_lost_demand_is_not_a_backlog():
    on_hand, lost = projected_stock(
        available=3,
        forecast=np.array([2.0, 2.0, 2.0, 2.0]),
        arrivals_by_day=np.array([0, 0, 0, 5, 0]),
    )
    assert on_hand.tolist() == [3, 1, 0, 5, 3]
    assert lost.tolist() == [0, 1, 2, 0]


def test_negative_available_starts_from_zero():
    on_hand = projected_on_hand(
        available=-4, forecast=np.array([1.0]), arrivals_by_day=np.array([0.0, 0.0])
    )
    assert on_hand.tolist() == [0, 0]


@given(
    available=st.floats(0, 1000),
    demand=st.lists(st.floats(0, 50), min_size=1, max_size=40),
    data=st.data(),
)
def test_stock_is_conserved_and_never_negative(available, demand, data):
    forecast = np.array(demand)
    arrivals = np.array(
        data.draw(st.lists(st.floats(0, 100), min_size=len(demand) + 1, max_size=len(demand) + 1))
    )
    on_hand, lost = projected_stock(
        available=available, forecast=forecast, arrivals_by_day=arrivals
    )
    assert (on_hand >= 0).all() and (lost >= 0).all()
    sold = forecast - lost
    assert np.isclose(on_hand[-1], available + arrivals.sum() - sold.sum())
    assert np.all(lost <= forecast + 1e-9)


@pytest.mark.django_db
def test_the_chart_draws_lost_demand_as_its_own_series_and_no_stock_below_zero():
    from planning.admin_selectors import sku_chart_data
    from planning.charts import sku_plan_chart
    from planning.tests.admin_data import planning_state

    data = sku_chart_data(sku_plan=planning_state().plans["ADM-BOOT"])
    svg = sku_plan_chart(data, fmt="svg")
    assert b"Lost demand 20" in svg
    assert b"Short" not in svg
    assert data.projected_on_hand.min() == 0


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
@pytest.mark.parametrize("days", [14, 90, 365])
def test_no_text_of_the_chart_is_clipped_and_no_date_labels_overlap(language, days):
    """Five-digit stock, a year of history, the longest axis label: every text is inside the
    image and the date labels of each panel stand apart (issue 15: overlapping dates, a
    clipped y-axis label)."""
    from datetime import date, timedelta

    from django.utils import translation

    from planning.charts import SkuChartData, sku_plan_figure

    start = date(2026, 11, 20)
    rng = np.random.default_rng(5)
    forecast = np.full(days, 900.0)
    data = SkuChartData(
        sku_code="BIG-1",
        sku_name="A product with a long name " * 3,
        plan_date=start,
        history_start=start - timedelta(days=365),
        history_units=rng.poisson(900, 365).astype(float),
        history_stocked_out=np.zeros(365, dtype=bool),
        forecast_mean=forecast,
        forecast_low=forecast * 0.8,
        forecast_high=forecast * 1.2,
        projected_on_hand=np.linspace(88_000, 0, days + 1),
        reorder_point=40_000.0,
        safety_stock=12_000.0,
        projected_lost=np.zeros(days),
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    with translation.override(language):
        fig = sku_plan_figure(data)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # lays the texts out as the image does
    renderer = canvas.get_renderer()
    page = fig.bbox
    ticks: set[int] = set()
    drawn_ticks = []
    for ax in fig.axes:
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            for label in axis.get_ticklabels(which="both"):
                ticks.add(id(label))
                where = label.get_position()[0 if axis is ax.xaxis else 1]
                if min(low, high) <= where <= max(low, high):  # drawn only inside the view
                    drawn_ticks.append(label)
    shown = [
        t
        for t in [*fig.findobj(Text), *drawn_ticks]
        if (id(t) not in ticks or t in drawn_ticks) and t.get_visible() and t.get_text().strip()
    ]
    assert all(ax.get_ylabel() for ax in fig.axes)
    assert len(shown) > 10
    for text in shown:
        box = text.get_window_extent(renderer)
        assert box.x0 >= page.x0 - 0.5 and box.x1 <= page.x1 + 0.5, text.get_text()
        assert box.y0 >= page.y0 - 0.5 and box.y1 <= page.y1 + 0.5, text.get_text()
    for ax in fig.axes:
        assert ax.yaxis.label.get_window_extent(renderer).x0 >= 0, ax.get_ylabel()
        labels = [t for t in ax.get_xticklabels() if t in drawn_ticks and t.get_text()]
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
        assert len(boxes) >= 2
        for left, right in zip(boxes, boxes[1:], strict=False):
            assert left.x1 < right.x0, [t.get_text() for t in labels]
