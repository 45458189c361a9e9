"""Scanner devices (token holders) and idempotency records for API writes."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.device_cache import device_forget

TOKEN_PREFIX_LENGTH = 8


def token_hash(token: str) -> str:
    """sha256 of a device token. Tokens are 256-bit random, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ScannerDevice(models.Model):
    """A handheld terminal or packing station. It belongs to one warehouse and acts for a user.

    Only the sha256 of its token is stored; the token itself is shown once, when issued.
    """

    name = models.CharField(max_length=64, unique=True, help_text="e.g. TSD-07 or PACK-2.")
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="scanner_devices"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="scanner_devices",
        help_text="The person the device acts for; recorded on every stock movement.",
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    token_prefix = models.CharField(
        max_length=TOKEN_PREFIX_LENGTH,
        blank=True,
        editable=False,
        help_text="First characters of the token, to recognise it; not a secret.",
    )
    is_active = models.BooleanField(default=True)
    token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        device_forget(self.token_hash)  # requests see an edit (warehouse, user, active) now

    def delete(self, *args, **kwargs):
        device_forget(self.token_hash)
        return super().delete(*args, **kwargs)

    @property
    def has_token(self) -> bool:
        return bool(self.token_hash)


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an ``Idempotency-Key``.

    Written in the same transaction as the write itself, so a key is never recorded
    without its effect, or the effect without its key.
    """

    principal = models.CharField(max_length=64, help_text="device:<id> or user:<id>.")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    request_hash = models.CharField(max_length=64, help_text="sha256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


def new_token() -> str:
    return secrets.token_urlsafe(32)
