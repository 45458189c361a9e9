"""FBO demand per buyer's cluster from FBO postings, and the planner's FBO columns per cluster."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from inventory.models import FulfilmentScheme, Warehouse
from inventory.services import FboStockRow, fbo_stock_report_replace
from inventory.tests.factories import SkuFactory
from marketplaces.ozon.fbo.clusters import clusters_sync
from marketplaces.ozon.models import ProductLink
from marketplaces.ozon.sync.fbo import fbo_postings_sync
from marketplaces.ozon.tests.fake import FakePosting
from planning.fbo_inputs import cost_observations_replace
from planning.fbo_models import ClusterDemand, CostKind
from planning.snapshot import plan_input_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def cup(account):
    sku = SkuFactory(code="CUP-1", scheme=FulfilmentScheme.FBO)
    ProductLink.objects.create(
        account=account, sku=sku, offer_id="CUP-1", product_id=501, ozon_sku=9501
    )
    return sku


@pytest.fixture
def clusters(fake_ozon, account, ozon):
    fake_ozon.add_cluster(154, "Moscow", {21: "Khorugvino", 22: "Noginsk"})
    fake_ozon.add_cluster(4, "Kazan", {31: "Kazan RFC"})
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    clusters_sync(account=account, client=ozon)
    Warehouse.objects.filter(code="OZF-21").update(transit_days=2)
    Warehouse.objects.filter(code="OZF-22").update(transit_days=3)
    Warehouse.objects.filter(code="OZF-31").update(transit_days=4)
    return fake_ozon


def _sold(fake, number: str, warehouse: int, quantity: int, route: tuple[str, str]) -> None:
    fake.add_posting(
        FakePosting(
            number,
            warehouse,
            [{"sku": 9501, "offer_id": "CUP-1", "quantity": quantity}],
            status="delivered",
            scheme="fbo",
        )
    )
    fake.routes[number] = route


def _demand():
    return sorted(
        ClusterDemand.objects.values_list(
            "sku__code", "cluster__name", "units", "orders", "non_local_units"
        )
    )


def test_postings_count_in_the_buyers_cluster_and_a_reread_changes_nothing(
    account, ozon, clusters, cup
):
    # given: Moscow buyers took 3 + 2 (the 2 shipped from Kazan); a Kazan buyer 1 (by name)
    _sold(clusters, "F-1", 21, 3, ("154", "154"))
    _sold(clusters, "F-2", 31, 2, ("4", "154"))
    _sold(clusters, "F-3", 31, 1, ("kazan", "KAZAN"))
    _sold(clusters, "F-4", 31, 9, ("4", "Atlantis"))  # a cluster Ozon has not listed

    result = fbo_postings_sync(account=account, client=ozon)

    assert _demand() == [("CUP-1", "Kazan", 1, 1, 0), ("CUP-1", "Moscow", 5, 2, 2)]
    # the 9 units to the unknown cluster are left out, and the step says so
    assert result.notes == [
        "FBO units to buyer's clusters Zapas does not know, left out of the demand per cluster "
        "until the clusters are read again (ozon_fbo_import): 'Atlantis' 9"
    ]
    body = clusters.calls_to("/v3/posting/fbo/list")[0]
    assert body["with"] == {"analytics_data": True, "financial_data": True}
    fbo_postings_sync(account=account, client=ozon)
    assert _demand() == [("CUP-1", "Kazan", 1, 1, 0), ("CUP-1", "Moscow", 5, 2, 2)]


def test_cluster_names_match_as_words_whatever_the_case_script_and_punctuation(
    account, ozon, fake_ozon, cup
):
    # given: Ozon lists the cluster under one spelling and names it in postings under others
    fake_ozon.add_cluster(154, "Москва, МО и Дальние регионы", {21: "Хоругвино"})
    fake_ozon.add_cluster(7, "Орёл", {71: "Орёл РФЦ"})
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    clusters_sync(account=account, client=ozon)
    _sold(fake_ozon, "F-1", 21, 3, ("154", "москва мо и дальние  регионы"))
    _sold(fake_ozon, "F-2", 21, 2, ("154", "Москва - МО и Дальние регионы."))
    _sold(fake_ozon, "F-3", 71, 4, ("Орел", "ОРЕЛ"))
    # as Ozon's description spells it in its own example, in Latin letters
    _sold(fake_ozon, "F-4", 21, 6, ("154", "Moskva, MO i Dal`nie regiony`"))

    result = fbo_postings_sync(account=account, client=ozon)

    # then: every unit lands in its cluster, each shipped from its own (local)
    assert _demand() == [
        ("CUP-1", "Москва, МО и Дальние регионы", 11, 3, 0),
        ("CUP-1", "Орёл", 4, 1, 0),
    ]
    assert result.notes == []


def test_routes_read_for_postings_already_held_are_counted(account, ozon, clusters, cup):
    # given FBO postings taken in before routes were asked for (no financial_data)
    _sold(clusters, "F-1", 21, 3, ("154", "154"))
    routes, clusters.routes = clusters.routes, {}
    fbo_postings_sync(account=account, client=ozon)
    assert _demand() == []

    # when the same postings, unchanged, come back with their routes
    clusters.routes = routes
    fbo_postings_sync(account=account, client=ozon)

    assert _demand() == [("CUP-1", "Moscow", 3, 1, 0)]


def test_a_cancelled_posting_leaves_the_cluster_demand(account, ozon, clusters, cup):
    _sold(clusters, "F-1", 21, 3, ("154", "154"))
    _sold(clusters, "F-2", 21, 4, ("154", "154"))
    fbo_postings_sync(account=account, client=ozon)

    clusters.change("F-2", status="cancelled")
    fbo_postings_sync(account=account, client=ozon)

    assert _demand() == [("CUP-1", "Moscow", 3, 1, 0)]


def test_the_planner_sees_one_column_per_cluster_with_its_stock_share_and_surcharge(
    account, ozon, clusters, cup
):
    # given 30 units to Moscow buyers (6 of them shipped from Kazan), 10 to Kazan buyers
    _sold(clusters, "F-1", 21, 24, ("154", "154"))
    _sold(clusters, "F-2", 31, 6, ("4", "154"))
    _sold(clusters, "F-3", 31, 10, ("4", "4"))
    fbo_postings_sync(account=account, client=ozon)
    # and Ozon's report: 12 + 4 in Moscow (5 in transit, 3 requested), 7 in Kazan
    wh = dict(Warehouse.objects.filter(kind="fbo").values_list("code", "pk"))
    fbo_stock_report_replace(
        warehouse_ids=wh.values(),
        rows=[
            FboStockRow(cup.pk, wh["OZF-21"], 12, in_transit=5, requested=3),
            FboStockRow(cup.pk, wh["OZF-22"], 4),
            FboStockRow(cup.pk, wh["OZF-31"], 7),
        ],
    )
    cost_observations_replace(
        kind=CostKind.CANCEL_CHARGE,
        source="test",
        per_sku={cup.pk: (Decimal("87.50"), 2)},
        catalogue=(Decimal("60"), 9),
    )
    today = timezone.localdate()

    plan_input = plan_input_build(
        sku_ids=np.array([cup.pk]), plan_date=today + timedelta(days=1), start=today
    )

    # then the columns are the clusters in the order of their nearest warehouse's id (Kazan's
    # was created first), suggestions go to that nearest warehouse
    fbo = plan_input.snapshot.fbo
    assert plan_input.fbo_warehouse_ids.tolist() == [wh["OZF-31"], wh["OZF-21"]]
    assert fbo.transit_days.tolist() == [4.0, 2.0]
    assert fbo.stock.tolist() == [[7.0, 16.0]]
    assert fbo.in_transit.tolist() == [[0.0, 8.0]]
    assert fbo.demand_share.tolist() == [[0.25, 0.75]]
    assert fbo.nonlocal_share.tolist() == [pytest.approx(6 / 40)]
    assert plan_input.snapshot.cancel_penalty.tolist() == [87.5]
