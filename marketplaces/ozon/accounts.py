"""Ozon accounts: the environment's default account and the API key's expiry (``/v1/roles``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount


def account_from_environment() -> OzonAccount | None:
    """Create or update the account defined by ``OZON_CLIENT_ID`` / ``OZON_API_KEY``.

    Called when a sync starts. Without both variables nothing happens and ``None`` is returned.
    """
    conf = settings.OZON
    client_id, api_key = conf["CLIENT_ID"].strip(), conf["API_KEY"].strip()
    if not client_id or not api_key:
        return None
    with transaction.atomic():
        account = OzonAccount.objects.select_for_update().filter(client_id=client_id).first()
        if account is None:
            account = OzonAccount(client_id=client_id, name=f"Ozon {client_id}")
        account.from_environment = True
        account.base_url = conf["API_URL"]
        account.push_stock = conf["PUSH_STOCK"]
        if not account.has_api_key or account.api_key != api_key:
            account.set_api_key(api_key)
        account.save()
    return account


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def key_expiry_refresh(*, account: OzonAccount, client: OzonClient) -> datetime | None:
    """Read the API key's expiry from ``/v1/roles`` and store it on the account."""
    answer = client.call("/v1/roles", {})
    expires = _parse_time(answer.get("expires_at"))
    OzonAccount.objects.filter(pk=account.pk).update(key_expires_at=expires)
    account.key_expires_at = expires
    return expires


def accounts_with_expiring_keys(*, now: datetime | None = None) -> list[OzonAccount]:
    """Enabled accounts whose key expires within ``KEY_EXPIRY_WARNING_DAYS`` (the dashboard)."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.OZON["KEY_EXPIRY_WARNING_DAYS"])
    return list(
        OzonAccount.objects.filter(is_enabled=True, key_expires_at__lte=horizon).order_by(
            "key_expires_at"
        )
    )
