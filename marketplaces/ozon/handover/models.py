"""The day's hand-over to the carrier at Ozon: a carriage, sent through its own outbox."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CarriageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    APPROVED = "approved", _("Approved at Ozon")
    FAILED = "failed", _("Failed")


class Carriage(models.Model):
    """One warehouse's hand-over for one delivery method and day (``/v1/carriage/create`` and
    ``/v1/carriage/approve``). Written first, sent after commit, retried; ``carriage_id`` is
    stored the moment Ozon gives it, so a retry approves that carriage instead of making another.
    """

    account = models.ForeignKey(
        "ozon.OzonAccount", on_delete=models.CASCADE, related_name="carriages"
    )
    warehouse_link = models.ForeignKey(
        "ozon.WarehouseLink", on_delete=models.CASCADE, related_name="carriages"
    )
    delivery_method_id = models.BigIntegerField(_("delivery method"))
    delivery_method_name = models.CharField(_("delivery method name"), max_length=200, blank=True)
    departure_date = models.DateField(_("departure date"))
    carriage_id = models.BigIntegerField(_("Ozon carriage"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CarriageStatus.choices, default=CarriageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    postings = models.JSONField(
        default=list, blank=True, help_text=_("Posting numbers in the act.")
    )
    containers_count = models.PositiveIntegerField(
        _("containers"), default=0, help_text=_("Package units of the carriage at Ozon.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-departure_date", "-id"]
        verbose_name = _("carriage")
        verbose_name_plural = _("carriages")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse_link", "delivery_method_id", "departure_date"],
                name="ozon_carriage_once_a_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="ozon_carriage_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_link} {self.departure_date:%Y-%m-%d} ({self.carriage_id or '–'})"
