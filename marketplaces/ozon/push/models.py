"""Push notifications received from Ozon, one row per distinct message."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PushStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SYNCING = "syncing", _("syncing")
    SYNCED = "synced", _("synced")
    NOT_FOUND = "not_found", _("not found at Ozon")
    FAILED = "failed", _("failed")


class PushNotification(models.Model):
    """A posting notification; only its account (from the URL) and posting number are used.

    ``fingerprint`` (sha256 of the canonical body) is unique per account, so Ozon's duplicated
    deliveries are stored once and queue nothing twice.
    """

    account = models.ForeignKey(
        "ozon.OzonAccount", on_delete=models.CASCADE, related_name="push_notifications"
    )
    message_type = models.CharField(_("type"), max_length=48)
    posting_number = models.CharField(_("posting number"), max_length=64, db_index=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=PushStatus.choices, default=PushStatus.QUEUED
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    last_error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Ozon push notification")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fingerprint"], name="ozon_push_once_per_account"
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="ozon_push_due")]

    def __str__(self) -> str:
        return f"{self.message_type} {self.posting_number}"
