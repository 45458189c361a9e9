"""The admin's frontier chart: the setting labels of its curves stay legible."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from planning.audit_charts import frontier_chart, frontier_figure

SETTINGS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995)


def _points(shift_value: float, shift_fill: float) -> list[dict]:
    """Two Zapas curves at the same settings, the allocation's a little left of and above the
    plain one (as on the demo catalogue), and min/max below them."""
    value = np.array([40, 46, 52, 63, 76, 95, 130], float) * 1_000
    fill = np.array([0.900, 0.925, 0.940, 0.958, 0.970, 0.981, 0.990])
    out = []
    for s, v, f in zip(SETTINGS, value, fill, strict=True):
        out.append({"policy": "zapas", "setting": s, "avg_inventory_value": v, "fill_rate": f})
        out.append(
            {
                "policy": "zapas_cancellations",
                "setting": s,
                "avg_inventory_value": v * (1 - shift_value),
                "fill_rate": f + shift_fill,
            }
        )
    for m, v, f in zip((0.5, 1, 1.5, 2, 3), (20e3, 45e3, 70e3, 95e3, 140e3), (0.7, 0.85, 0.9, 0.93, 0.96), strict=True):  # fmt: skip
        out.append({"policy": "naive_min_max", "setting": m, "avg_inventory_value": v, "fill_rate": f})  # fmt: skip
    return out


def _label_boxes(points: list[dict]) -> dict[str, list]:
    fig = frontier_figure(points)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes: dict[str, list] = {}
    for text in fig.axes[0].texts:
        boxes.setdefault(text.get_gid().rsplit("-", 1)[0], []).append(
            text.get_window_extent(renderer)
        )
    return boxes


@pytest.mark.parametrize(
    ("shift_value", "shift_fill"), [(0.0, 0.0), (0.03, 0.002), (0.06, 0.004), (-0.02, -0.003)]
)
def test_the_two_zapas_curves_labels_are_apart(shift_value, shift_fill):
    # given: the two Zapas curves on top of each other or nearly so
    boxes = _label_boxes(_points(shift_value, shift_fill))

    # then: every setting is labelled once per curve and no two labels overlap
    assert len(boxes["label-zapas"]) == len(boxes["label-zapas_cancellations"]) == 7
    every = [b for group in boxes.values() for b in group]
    assert not [(a, b) for a, b in combinations(every, 2) if a.overlaps(b)]


def test_the_chart_still_renders_with_its_labels():
    svg = frontier_chart(_points(0.03, 0.002)).decode()
    assert all(f'id="label-zapas_cancellations-{k}"' in svg for k in range(7))
    assert frontier_chart(_points(0.03, 0.002)) == frontier_chart(_points(0.03, 0.002))
