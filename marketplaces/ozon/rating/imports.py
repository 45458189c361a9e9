"""The daily import of Ozon's rating: ``/v1/rating/summary``, ``/v1/rating/history`` (the error
index's thresholds), ``/v1/rating/index/fbs/info`` (index and costs by day) and
``/v1/rating/index/fbs/posting/list`` (each posting counted, with its charge).

Idempotent: a day's snapshot is replaced by a later import of the same day, the days are
upserted, and the postings of the imported period are replaced by what Ozon lists now (a
posting Ozon drops, e.g. after an appeal, leaves Zapas's list too). One transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.rating.history import local_day
from marketplaces.ozon.rating.models import IndexDay, IndexPosting, RatingSnapshot

INDEX_RATING = "rating_general_indicator_fbs_rfbs"
POSTINGS_DAYS = 15  # the index's 14 days and today


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class ImportResult:
    snapshot: RatingSnapshot
    days: int
    postings: int


def rating_import(
    *, account: OzonAccount, client: OzonClient, now: datetime | None = None
) -> ImportResult:
    """Fetch the four rating methods and store what they say for ``account``."""
    now = now or timezone.now()
    summary = client.call("/v1/rating/summary", {})
    history = client.call(
        "/v1/rating/history",
        {
            "date_from": _iso(now - timedelta(days=30)),
            "date_to": _iso(now),
            "ratings": [INDEX_RATING],
            "with_premium_scores": False,
        },
    )
    info = client.call("/v1/rating/index/fbs/info", {})
    start = now - timedelta(days=POSTINGS_DAYS)
    errors = [
        row
        for page in client.pages(
            "/v1/rating/index/fbs/posting/list",
            {"filter": {"date_from": _iso(start), "date_to": _iso(now)}, "limit": 1000},
            items="errors",
        )
        for row in page
    ]
    rating = next((r for r in history.get("ratings") or [] if r.get("rating") == INDEX_RATING), {})
    localization = [
        x.get("localization_percentage") for x in summary.get("localization_index") or []
    ]
    fields = {
        "imported_at": now,
        "index": _float(info.get("index")),
        "period_from": _date(info.get("period_from")),
        "period_to": _date(info.get("period_to")),
        "processing_costs": _money(info.get("processing_costs_sum")),
        "currency": str(info.get("currency_code") or "")[:3],
        "warning_threshold": _float(rating.get("warning_threshold")),
        "danger_threshold": _float(rating.get("danger_threshold")),
        "history": rating.get("values") or [],
        "summary": summary.get("groups") or [],
        "localization_percentage": next((x for x in localization if isinstance(x, int)), None),
    }
    days = [
        IndexDay(
            account=account,
            date=day,
            index=float(row.get("index_by_date") or 0),
            processing_costs=_money(row.get("processing_costs_sum_by_date")) or Decimal("0"),
        )
        for row in info.get("defects") or []
        if (day := _date(row.get("date"))) is not None
    ]
    postings = {}
    for row in errors:
        number, kind = row.get("posting_number"), row.get("posting_error_type")
        if not number or kind not in ("SELLER_CANCELLATION", "SELLER_DELAY"):
            continue
        postings[(number, kind)] = IndexPosting(
            account=account,
            posting_number=number,
            error_type=kind,
            error_at=_time(row.get("error_at")),
            delivery_schema=str(row.get("delivery_schema") or "")[:8],
            index=_float(row.get("index")),
            charge_percent=_money(row.get("charge_percent")),
            charge_price=_money(row.get("charge_price")),
            charge_currency=str(row.get("charge_price_currency_code") or "")[:3],
            product_price=_money(row.get("product_price")),
            product_currency=str(row.get("product_price_currency_code") or "")[:3],
            has_grace_status=bool(row.get("has_grace_status")),
        )
    with transaction.atomic():
        snapshot, _ = RatingSnapshot.objects.update_or_create(
            account=account, day=local_day(now), defaults=fields
        )
        if days:
            IndexDay.objects.filter(account=account, date__in=[d.date for d in days]).delete()
            IndexDay.objects.bulk_create(days)
        IndexPosting.objects.filter(account=account, error_at__gte=start).delete()
        IndexPosting.objects.filter(
            account=account, posting_number__in=[n for n, _ in postings]
        ).delete()
        IndexPosting.objects.bulk_create(postings.values())
    return ImportResult(snapshot, len(days), len(postings))
