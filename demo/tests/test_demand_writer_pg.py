"""The demo's binary COPY of demand rows, with and without ids taken from the sequence."""

from datetime import date

import numpy as np
import pytest
from django.db import connection

from demo.catalogue.bulk import DemandWriter
from inventory.tests.factories import SkuFactory
from planning.models import DemandHistory, DemandSource

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's"),
]


@pytest.mark.parametrize("with_ids", [False, True])
def test_binary_rows_arrive_as_written(with_ids):
    sku = SkuFactory()
    writer = DemandWriter(date(2026, 1, 1), 10, with_ids=with_ids)
    writer.write(
        sku_id=np.array([sku.pk, sku.pk]),
        day=np.array([0, 9]),
        units=np.array([3, 120_000]),
        orders=np.array([1, 7]),
        returned=np.array([0, 2]),
        cancelled=np.array([1, 0]),
        lost=np.array([0, 5]),
        revenue_cents=np.array([123_456_789_012, 5]),
        stocked_out=np.array([False, True]),
    )
    writer.close()
    rows = list(
        DemandHistory.objects.filter(sku=sku)
        .order_by("date")
        .values_list(
            "date",
            "source",
            "units",
            "orders",
            "returned_units",
            "cancelled_units",
            "lost_units",
            "revenue",
            "stocked_out",
        )  # fmt: skip
    )
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], str(r[7]), r[8]) for r in rows] == [
        (date(2026, 1, 1), DemandSource.DEMO, 3, 1, 0, 1, 0, "1234567890.12", False),
        (date(2026, 1, 10), DemandSource.DEMO, 120_000, 7, 2, 0, 5, "0.05", True),
    ]
    if with_ids:  # the sequence moved past the ids the writer took
        later = DemandHistory.objects.create(sku=sku, date=date(2026, 2, 1), units=1)
        assert later.pk > max(DemandHistory.objects.filter(sku=sku).exclude(pk=later.pk)
                              .values_list("pk", flat=True))  # fmt: skip
