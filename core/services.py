"""Writes for core models: scanner-device tokens and the idempotency-key purge."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.device_cache import device_forget
from core.models import TOKEN_PREFIX_LENGTH, IdempotencyRecord, ScannerDevice, new_token, token_hash


@transaction.atomic
def scanner_device_issue_token(*, device: ScannerDevice) -> str:
    """Give ``device`` a fresh token and return it in clear text: the only time it is visible.

    The previous token, if any, stops working at once. The device is (re)activated.
    """
    device = ScannerDevice.objects.select_for_update().get(pk=device.pk)
    device_forget(device.token_hash)
    token = new_token()
    device.token_hash = token_hash(token)
    device.token_prefix = token[:TOKEN_PREFIX_LENGTH]
    device.token_issued_at = timezone.now()
    device.is_active = True
    device.save(update_fields=["token_hash", "token_prefix", "token_issued_at", "is_active"])
    return token


@transaction.atomic
def scanner_device_revoke(*, device: ScannerDevice) -> ScannerDevice:
    """Revoke the device's token; requests with it get 401 from now on."""
    device = ScannerDevice.objects.select_for_update().get(pk=device.pk)
    device_forget(device.token_hash)
    device.token_hash = None
    device.token_prefix = ""
    device.is_active = False
    device.save(update_fields=["token_hash", "token_prefix", "is_active"])
    return device


def idempotency_records_purge(*, older_than_hours: int | None = None) -> int:
    """Delete idempotency records older than the TTL (``ZAPAS["IDEMPOTENCY_TTL_HOURS"]``).

    Returns the number deleted. Retries are expected within minutes; the TTL (≥ 24 h) covers a
    terminal that was offline overnight.
    """
    hours = older_than_hours or settings.ZAPAS.get("IDEMPOTENCY_TTL_HOURS", 48)
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
