"""planning.selectors.demand_matrix: dense SKU × day demand in one query."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from inventory.tests.factories import SkuFactory
from planning.models import DemandHistory
from planning.selectors import demand_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    a, b, c = (SkuFactory(barcode=False) for _ in range(3))
    DemandHistory.objects.bulk_create(
        [
            DemandHistory(sku=a, date=date(2024, 3, 1), source="import", units=2),
            DemandHistory(sku=a, date=date(2024, 3, 1), source="orders", units=3),
            DemandHistory(sku=a, date=date(2024, 3, 4), source="import", units=1),
            DemandHistory(sku=b, date=date(2024, 3, 2), source="demo", units=7),
        ]
    )
    return a, b, c


def test_demand_matrix_sums_sources_and_fills_missing_days(history, django_assert_num_queries):
    a, b, _ = history

    # when the matrix is read without bounds
    with django_assert_num_queries(1):
        matrix = demand_matrix()

    # then rows are the SKUs with history (by id), columns every day of the span
    assert matrix.sku_ids.tolist() == sorted([a.pk, b.pk])
    assert matrix.dates.tolist() == [date(2024, 3, d) for d in (1, 2, 3, 4)]
    expected = {a.pk: [5, 0, 0, 1], b.pk: [0, 7, 0, 0]}
    assert matrix.units.tolist() == [expected[i] for i in matrix.sku_ids.tolist()]
    assert matrix.units.dtype == np.float32


def test_demand_matrix_follows_given_skus_window_and_sources(history):
    a, b, c = history

    # when asked for c, a over 2024-02-29 … 2024-03-02 from the import source only
    matrix = demand_matrix(
        sku_ids=[c.pk, a.pk], start=date(2024, 2, 29), end=date(2024, 3, 2), sources=["import"]
    )

    # then the rows follow the given order (c has a zero row) and the window is exact
    assert matrix.sku_ids.tolist() == [c.pk, a.pk]
    assert matrix.start == date(2024, 2, 29)
    assert matrix.units.tolist() == [[0, 0, 0], [0, 2, 0]]


def test_demand_matrix_of_nothing_is_empty():
    matrix = demand_matrix()
    assert matrix.units.shape == (0, 0) and matrix.start is None
