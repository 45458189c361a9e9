"""Scanner devices (token holders) and idempotency records for API writes."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import FieldConstraintMessages
from core.device_cache import device_forget
from core.money import currency_validate as money_currency_validate

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


class JobRun(models.Model):
    """One run of a background job (``core.jobs``): who or what started it, progress, result.

    Admins start jobs from the admin ("Run now"); the beat schedule starts them too. The row is
    written before the task is queued, so a run is visible (as queued) even before a worker
    takes it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    trigger = models.CharField(
        _("trigger"), max_length=16, default="admin", help_text=_("admin, schedule or command.")
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        help_text=_("Its last progress report; a run silent for ZAPAS_JOB_DEAD_MINUTES is dead."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["job", "-created_at"])]
        permissions = [("run_jobs", "Can run background jobs now")]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.job} #{self.pk} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.progress_done / self.progress_total))


class ExchangeRate(FieldConstraintMessages, models.Model):
    """How many units of the base currency (``ZAPAS["CURRENCY"]``) one unit of ``currency``
    was worth from ``valid_from`` on. Kept by hand in the admin; amounts are converted only
    with a dated rate, and the rate used is shown next to the result (``core.money``)."""

    currency = models.CharField(_("currency"), max_length=3, validators=[money_currency_validate])
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("Units of the base currency for one unit of this currency."),
    )
    note = models.CharField(_("source"), max_length=120, blank=True)

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="exchange_rate_one_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} ({self.valid_from})"
