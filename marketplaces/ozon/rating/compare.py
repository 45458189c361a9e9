"""Ozon's index beside Zapas's own, and the postings where the two disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.rating import history
from marketplaces.ozon.rating.forecast import IndexForecast
from marketplaces.ozon.rating.index import (
    DEFAULT_ZONES,
    WINDOW_DAYS,
    Zone,
    zone_for,
    zones_with_blocking_at,
)
from marketplaces.ozon.rating.models import IndexPosting, RatingSnapshot
from marketplaces.ozon.rating.selectors import zapas_forecast


@dataclass(frozen=True)
class Disagreement:
    posting_number: str
    ozon: str  # Ozon's error type, or "" when Ozon counts no error
    zapas: str  # Zapas's, or ""
    charge_price: Decimal | None  # what Ozon charges for it


@dataclass(frozen=True)
class OzonSide:
    account: OzonAccount
    snapshot: RatingSnapshot | None
    zone: Zone | None


@dataclass(frozen=True)
class IndexComparison:
    """One seller account: Ozon's index beside Zapas's, with the forecast."""

    ozon: OzonSide
    zapas: IndexForecast
    zones: tuple[Zone, ...]
    disagreements: list[Disagreement]
    ozon_errors: int
    ozon_charges: Decimal


def _zones(snapshot: RatingSnapshot | None) -> tuple[Zone, ...]:
    if snapshot is not None and snapshot.danger_threshold:
        return zones_with_blocking_at(snapshot.danger_threshold)
    return DEFAULT_ZONES


def index_comparisons(
    *, now: datetime | None = None, with_new_orders: bool = True
) -> list[IndexComparison]:
    """Each enabled account's latest import beside Zapas's index and forecast for it, with the
    postings of the window counted by one side only or differently.

    Ozon rates each seller account by itself. With one enabled account, Zapas counts every
    order of the channel for it (orders imported from files before the connector included);
    with several, each account's own postings, and its share of the plan's new orders."""
    now = now or timezone.now()
    accounts = list(OzonAccount.objects.filter(is_enabled=True).order_by("name"))
    latest: dict[int, RatingSnapshot] = {}
    for snapshot in RatingSnapshot.objects.filter(account__in=accounts).order_by("account", "-day"):
        latest.setdefault(snapshot.account_id, snapshot)
    return [
        _comparison(
            account,
            latest.get(account.pk),
            now=now,
            account_id=account.pk if len(accounts) > 1 else None,
            with_new_orders=with_new_orders,
        )
        for account in accounts
    ]


def _comparison(
    account: OzonAccount,
    snapshot: RatingSnapshot | None,
    *,
    now: datetime,
    account_id: int | None,
    with_new_orders: bool,
) -> IndexComparison:
    zones = _zones(snapshot)
    zone = zone_for(snapshot.index, zones) if snapshot and snapshot.index is not None else None
    forecast = zapas_forecast(
        now=now, zones=zones, with_new_orders=with_new_orders, account_id=account_id
    )
    today = history.local_day(now)
    zone_info = history.rating_zone()
    start = datetime.combine(today - timedelta(days=WINDOW_DAYS), datetime.min.time(), zone_info)
    end = datetime.combine(today, datetime.min.time(), zone_info)
    ozon_rows = list(
        IndexPosting.objects.filter(account=account, error_at__gte=start, error_at__lt=end)
    )
    ozon = {row.posting_number: row for row in ozon_rows}
    zapas = {
        r.number: r.error.value
        for r in history.posting_records(
            now=now, channel=settings.OZON_RATING["CHANNEL"], account_id=account_id
        )
        if r.error is not None
        and forecast.today.window_from <= r.counted_day <= forecast.today.window_to
    }
    disagreements = [
        Disagreement(
            number,
            ozon[number].error_type if number in ozon else "",
            zapas.get(number, ""),
            ozon[number].charge_price if number in ozon else None,
        )
        for number in sorted(set(ozon) | set(zapas))
        if (ozon[number].error_type if number in ozon else "") != zapas.get(number, "")
    ]
    return IndexComparison(
        ozon=OzonSide(account=account, snapshot=snapshot, zone=zone),
        zapas=forecast,
        zones=zones,
        disagreements=disagreements,
        ozon_errors=len(ozon_rows),
        ozon_charges=sum((r.charge_price or Decimal("0") for r in ozon_rows), Decimal("0.00")),
    )
