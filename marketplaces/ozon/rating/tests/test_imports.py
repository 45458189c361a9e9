"""Ozon's rating imported daily and shown beside Zapas's own index."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplaces.ozon.models import OzonAccount, Posting, PostingScheme
from marketplaces.ozon.rating.compare import Disagreement, index_comparisons
from marketplaces.ozon.rating.imports import rating_import
from marketplaces.ozon.rating.models import IndexDay, IndexPosting, RatingSnapshot
from marketplaces.ozon.rating.tests.test_history import NOW, msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def ozon_says(fake_ozon):
    fake_ozon.now = lambda: NOW
    fake_ozon.index = 6.5
    fake_ozon.processing_costs = 90.0
    fake_ozon.danger_threshold = 30.0
    fake_ozon.index_days = [
        {"date": "2026-12-08", "index_by_date": 5.0, "processing_costs_sum_by_date": 30.0},
        {"date": "2026-12-09", "index_by_date": 6.5, "processing_costs_sum_by_date": 60.0},
    ]
    fake_ozon.add_index_posting("LATE", "SELLER_DELAY", msk(7, 16), price=100.0)
    fake_ozon.add_index_posting("SELLER-CANCEL", "SELLER_CANCELLATION", msk(5, 18), price=200.0)
    fake_ozon.add_index_posting("ON-TIME", "SELLER_DELAY", msk(8, 16), price=200.0)
    fake_ozon.add_index_posting(
        "BUYER-AFTER-DEADLINE", "SELLER_CANCELLATION", msk(5, 9), price=200.0
    )
    return fake_ozon


def test_import_stores_the_index_days_thresholds_and_postings(account, ozon, ozon_says):
    result = rating_import(account=account, client=ozon, now=NOW)

    snapshot = RatingSnapshot.objects.get()
    assert (snapshot.day, snapshot.index, snapshot.danger_threshold) == (
        date(2026, 12, 10),
        6.5,
        30.0,
    )
    assert (snapshot.processing_costs, snapshot.currency) == (Decimal("90.00"), "RUB")
    assert (snapshot.period_from, snapshot.period_to) == (date(2026, 11, 26), date(2026, 12, 9))
    assert snapshot.localization_percentage == 72
    assert snapshot.summary[0]["items"][0]["rating"] == "rating_general_indicator_fbs_rfbs"
    assert (result.days, result.postings) == (2, 4)
    assert list(IndexDay.objects.values_list("date", "index", "processing_costs")) == [
        (date(2026, 12, 8), 5.0, Decimal("30.00")),
        (date(2026, 12, 9), 6.5, Decimal("60.00")),
    ]
    late = IndexPosting.objects.get(posting_number="LATE")
    assert (late.error_type, late.charge_percent, late.charge_price) == (
        "SELLER_DELAY",
        Decimal("3.00"),
        Decimal("3.00"),
    )
    assert late.error_at == msk(7, 16)
    calls = [path for path, _ in ozon_says.calls]
    assert calls == [
        "/v1/rating/summary",
        "/v1/rating/history",
        "/v1/rating/index/fbs/info",
        "/v1/rating/index/fbs/posting/list",
    ]


def test_import_again_replaces_what_ozon_no_longer_lists(account, ozon, ozon_says):
    rating_import(account=account, client=ozon, now=NOW)
    ozon_says.index_postings = [
        p for p in ozon_says.index_postings if p["posting_number"] != "ON-TIME"
    ]
    ozon_says.index = 5.0

    rating_import(account=account, client=ozon, now=NOW)

    assert RatingSnapshot.objects.get().index == 5.0
    assert IndexDay.objects.count() == 2
    assert sorted(IndexPosting.objects.values_list("posting_number", flat=True)) == [
        "BUYER-AFTER-DEADLINE",
        "LATE",
        "SELLER-CANCEL",
    ]


def test_comparison_lists_the_postings_where_ozon_and_zapas_disagree(
    account,
    ozon,
    ozon_says,
    zapas_orders,
):
    rating_import(account=account, client=ozon, now=NOW)

    [comparison] = index_comparisons(now=NOW)

    assert (comparison.ozon.snapshot.index, comparison.ozon.zone.name) == (6.5, "yellow")
    assert [z.upper for z in comparison.zones] == [4.0, 10.0, 20.0, 30.0, None]
    assert comparison.zapas.today.percent == 80.0
    assert comparison.zapas.today.zone.name == "blocking"  # above Ozon's 30 %
    assert (comparison.ozon_errors, comparison.ozon_charges) == (4, Decimal("21.00"))
    assert comparison.disagreements == [
        Disagreement(
            "BUYER-AFTER-DEADLINE", "SELLER_CANCELLATION", "SELLER_DELAY", Decimal("6.00")
        ),
        Disagreement("ON-TIME", "SELLER_DELAY", "", Decimal("6.00")),
        Disagreement("OVERDUE", "", "SELLER_DELAY", None),
    ]


def test_dashboard_shows_both_indexes_the_forecast_and_the_disagreements(
    admin_client,
    account,
    ozon,
    ozon_says,
    zapas_orders,
    monkeypatch,
):
    rating_import(account=account, client=ozon, now=NOW)
    monkeypatch.setattr(timezone, "now", lambda: NOW)

    page = admin_client.get("/admin/").content.decode()

    assert 'id="dash-ozon-index"' in page and "6.50 %" in page
    assert 'id="dash-zapas-index"' in page and "80.00 %" in page
    assert 'id="dash-index-forecast"' in page
    assert 'id="dash-index-disagreements"' in page
    for number in ("BUYER-AFTER-DEADLINE", "ON-TIME", "OVERDUE"):
        assert number in page


def test_command_imports_every_enabled_account(account, ozon_says, capsys):
    call_command("ozon_rating_import")
    assert "index 6.5 %" in capsys.readouterr().out
    assert RatingSnapshot.objects.filter(account=account).count() == 1


def test_the_daily_import_is_an_editable_beat_row(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Rating import from Ozon")
    assert task.task == "ozon_rating.import_daily"
    assert (task.crontab.hour, task.crontab.minute) == ("6", "30")


def test_with_two_accounts_each_gets_its_own_index_from_its_own_postings(
    account, ozon, ozon_says, zapas_orders
):
    # given a second store: its only posting is the overdue one, the rest are the first's
    second = OzonAccount(name="Second store", client_id="2", base_url=account.base_url)
    second.set_api_key("key-2")
    second.save()
    from fulfilment.models import Order

    for order in Order.objects.all():
        owner = second if order.external_number == "OVERDUE" else account
        Posting.objects.create(
            account=owner,
            posting_number=order.external_number,
            scheme=PostingScheme.FBS,
            order=order,
            status="delivering",
        )
    rating_import(account=account, client=ozon, now=NOW)

    other, first = index_comparisons(now=NOW)  # by name

    # then each index counts only its own account's postings (before: one index of all five)
    assert (first.ozon.account, other.ozon.account) == (account, second)
    assert (first.zapas.today.errors, first.zapas.today.postings) == (3, 4)
    assert (other.zapas.today.errors, other.zapas.today.postings) == (1, 1)
    assert other.ozon.snapshot is None and other.disagreements == [
        Disagreement("OVERDUE", "", "SELLER_DELAY", None)
    ]
    assert "OVERDUE" not in {d.posting_number for d in first.disagreements}
