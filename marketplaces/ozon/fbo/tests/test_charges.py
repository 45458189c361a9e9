"""Ozon's real charge per seller cancellation and its localization index reach the planner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from inventory.tests.factories import SkuFactory
from marketplaces.ozon.fbo.charges import charges_refresh
from marketplaces.ozon.models import Posting, PostingScheme, ProductLink
from marketplaces.ozon.rating.models import IndexPosting, RatingSnapshot
from planning.fbo_models import CostObservation

pytestmark = pytest.mark.django_db


def test_the_average_charge_per_cancellation_per_sku_and_for_the_catalogue(account):
    # given: CUP-1 cancelled twice (charged 30 and 45), MUG-2 once (charged 90)
    cup, mug = SkuFactory(code="CUP-1"), SkuFactory(code="MUG-2")
    for n, sku in enumerate((cup, mug)):
        ProductLink.objects.create(
            account=account, sku=sku, offer_id=sku.code, product_id=n + 1, ozon_sku=n + 10
        )
    for number, offer, charge in (
        ("P-1", "CUP-1", "30"),
        ("P-2", "CUP-1", "45"),
        ("P-3", "MUG-2", "90"),
    ):
        Posting.objects.create(
            account=account,
            posting_number=number,
            scheme=PostingScheme.FBS,
            status="cancelled",
            products=[[1, offer, 1, "100"]],
        )
        IndexPosting.objects.create(
            account=account,
            posting_number=number,
            error_type="SELLER_CANCELLATION",
            charge_price=Decimal(charge),
        )
    IndexPosting.objects.create(
        account=account, posting_number="P-9", error_type="SELLER_DELAY", charge_price=500
    )
    RatingSnapshot.objects.create(
        account=account, day=date(2026, 12, 1), localization_percentage=72
    )

    charges_refresh(account=account)

    rows = CostObservation.objects.values_list("kind", "sku__code", "value", "observations")
    assert sorted(rows, key=lambda r: (r[0], r[1] or "")) == [
        ("cancel_charge", None, Decimal("55.0000"), 3),
        ("cancel_charge", "CUP-1", Decimal("37.5000"), 2),
        ("cancel_charge", "MUG-2", Decimal("90.0000"), 1),
        ("local_share", None, Decimal("0.7200"), 1),
    ]
    charges_refresh(account=account)
    assert CostObservation.objects.count() == 4
