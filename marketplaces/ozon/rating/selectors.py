"""Zapas's own error index and its forecast, from the database, with the configured rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from marketplaces.ozon.rating import history
from marketplaces.ozon.rating.forecast import IndexForecast, RiskRules, forecast_index
from marketplaces.ozon.rating.index import DEFAULT_ZONES, Zone


def risk_rules() -> RiskRules:
    return RiskRules(**settings.OZON_RATING["RISK"])


def zapas_forecast(
    *,
    now: datetime | None = None,
    horizon: int = 3,
    zones: Sequence[Zone] = DEFAULT_ZONES,
    with_new_orders: bool = True,
    account_id: int | None = None,
) -> IndexForecast:
    """Today's index from Zapas's orders and the next ``horizon`` days' if nothing is done.

    With ``account_id``, from that Ozon account's postings only, and its share of the plan's
    expected new orders; without, from every order of the channel (one seller)."""
    now = now or timezone.now()
    conf = settings.OZON_RATING
    channel = conf["CHANNEL"]
    share = (
        1.0
        if account_id is None
        else history.account_share(now=now, channel=channel, account_id=account_id)
    )
    return forecast_index(
        history=history.posting_records(now=now, channel=channel, account_id=account_id),
        open_orders=history.open_orders(now=now, channel=channel, account_id=account_id),
        new_orders=history.new_orders(share) if with_new_orders else None,
        today=history.local_day(now),
        horizon=horizon,
        rules=risk_rules(),
        zones=zones,
        charge_cap=conf["CHARGE_CAP"],
    )
