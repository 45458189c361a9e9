"""``core.bulk``: the one bulk-insert helper, on SQLite (executemany) and PostgreSQL (COPY).

``model_insert`` must write what ``bulk_create`` writes for the same values — conversions
(datetimes, JSON, decimals, choices) and the defaults of every field not given — since the
Ozon sync, the order intake and the opening balances write their rows through it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from core.bulk import bulk_insert, model_insert
from inventory.models import Barcode, MovementKind, Sku, StockMovement
from inventory.tests.factories import SkuFactory, WarehouseFactory
from marketplaces.ozon.models import OzonAccount, Posting, PostingScheme

pytestmark = pytest.mark.django_db

_COMPARED = [
    "posting_number",
    "scheme",
    "status",
    "in_process_at",
    "shipment_date",
    "cancel_reason_id",
    "affect_cancellation_rating",
    "products",
    "substatus",
    "parent_posting_number",
]


def _account() -> OzonAccount:
    account = OzonAccount(name="Shop", client_id="1")
    account.set_api_key("key")
    account.save()
    return account


def test_model_insert_writes_what_bulk_create_writes():
    account = _account()
    moment = datetime(2026, 12, 3, 9, 30, 15, 250000, tzinfo=timezone(timedelta(hours=3)))
    values = {
        "scheme": PostingScheme.FBS,  # a choices member, as code passes them
        "status": "awaiting_packaging",
        "in_process_at": moment,
        "shipment_date": None,
        "cancel_reason_id": 352,
        "affect_cancellation_rating": None,
        "products": [[500001, "MUG-1", 2], [500002, "CUP-1", 1]],
    }
    Posting.objects.bulk_create([Posting(account=account, posting_number="ORM-1", **values)])

    written = model_insert(
        Posting,
        ["account_id", "posting_number", *values],
        [(account.pk, "BULK-1", *values.values())],
    )

    assert written == 1
    orm, bulk = (
        Posting.objects.values(*_COMPARED).get(posting_number=n) for n in ("ORM-1", "BULK-1")
    )
    assert {**orm, "posting_number": "BULK-1"} == bulk
    assert bulk["in_process_at"] == moment  # the same instant, whatever the offset
    assert bulk["products"] == [[500001, "MUG-1", 2], [500002, "CUP-1", 1]]
    assert Posting.objects.get(posting_number="BULK-1").updated_at is not None  # auto_now


def test_model_insert_gives_the_fields_not_named_their_model_defaults():
    model_insert(Sku, ["code", "name", "sale_price"], [("MUG-1", "Mug", Decimal("12.50"))])

    sku = Sku.objects.get(code="MUG-1")
    reference = Sku(code="X", name="X")
    assert sku.sale_price == Decimal("12.50")
    assert (sku.unit_cost, sku.fbs_prep_days, sku.scheme, sku.is_active, sku.abc_class) == (
        reference.unit_cost,
        reference.fbs_prep_days,
        reference.scheme,
        reference.is_active,
        reference.abc_class,
    )
    assert sku.created_at is not None and abs(sku.created_at - datetime.now(UTC)) < timedelta(
        minutes=1
    )


def test_ignore_conflicts_skips_rows_that_exist_and_writes_the_others():
    sku = SkuFactory()
    Barcode.objects.create(sku=sku, code="4600000000008", symbology="ean13")

    model_insert(
        Barcode,
        ["sku_id", "code", "symbology"],
        [(sku.pk, "4600000000008", "ean13"), (sku.pk, "4600000000015", "ean13")],
        ignore_conflicts=True,
    )

    ours = Barcode.objects.filter(code__in=["4600000000008", "4600000000015"])
    assert sorted(ours.values_list("code", "sku_id")) == [
        ("4600000000008", sku.pk),
        ("4600000000015", sku.pk),
    ]


def test_a_clash_without_ignore_conflicts_is_an_integrity_error_and_writes_nothing():
    Sku.objects.create(code="MUG-1", name="Mug")

    with pytest.raises(IntegrityError), transaction.atomic():
        model_insert(Sku, ["code", "name"], [("CUP-1", "Cup"), ("MUG-1", "Mug again")])

    assert list(Sku.objects.values_list("code", flat=True)) == ["MUG-1"]


def test_bulk_insert_counts_rows_and_takes_a_stream():
    warehouse = WarehouseFactory()
    skus = [SkuFactory() for _ in range(3)]
    now = datetime.now(UTC)
    rows = (
        (s.pk, warehouse.pk, MovementKind.OPENING.value, 5, 5, "", "opening", "", "", now)
        for s in skus
    )

    count = model_insert(
        StockMovement,
        ["sku_id", "warehouse_id", "kind", "quantity", "on_hand_after", "reason",
         "document_type", "document_ref", "device", "created_at"],
        rows,
    )  # fmt: skip

    assert count == 3
    assert sorted(StockMovement.objects.values_list("sku_id", "on_hand_after")) == [
        (s.pk, 5) for s in skus
    ]
    assert bulk_insert(Sku, ["code", "name"], []) == 0


@settings(max_examples=30, deadline=None)
@given(
    moments=st.lists(
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.sampled_from(
                [UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-9, minutes=-30))]
            ),
        ),
        min_size=1,
        max_size=5,
    ),
    flags=st.lists(st.sampled_from([True, False, None]), min_size=5, max_size=5),
)
def test_every_value_comes_back_as_given(moments, flags):
    with transaction.atomic():
        account = _account()
        rows = [
            (
                account.pk,
                f"P-{i}",
                PostingScheme.FBS.value,
                "delivering",
                at,
                flags[i],
                [[i, "X", i]],
            )
            for i, at in enumerate(moments)
        ]

        model_insert(
            Posting,
            ["account_id", "posting_number", "scheme", "status", "shipment_date",
             "affect_cancellation_rating", "products"],
            rows,
        )  # fmt: skip

        back = list(
            Posting.objects.filter(account=account)
            .order_by("posting_number")
            .values_list("shipment_date", "affect_cancellation_rating", "products")
        )
        assert back == [(at, flags[i], [[i, "X", i]]) for i, at in enumerate(moments)]
        transaction.set_rollback(True)
