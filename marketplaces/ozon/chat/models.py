"""How far each customer notice has gone through Ozon's buyer chat."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChatDelivery(models.Model):
    """One notice sent as one or more chat messages (1–1,000 characters each).

    ``parts_sent`` moves on after each message Ozon accepted, so a retry after a failure
    part-way resumes with the next part instead of repeating the first ones to the buyer.
    """

    notice = models.OneToOneField(
        "fulfilment.Notice", on_delete=models.CASCADE, related_name="ozon_chat"
    )
    account = models.ForeignKey(
        "ozon.OzonAccount", on_delete=models.CASCADE, related_name="chat_deliveries"
    )
    posting_number = models.CharField(_("posting number"), max_length=64)
    chat_id = models.CharField(_("chat id"), max_length=64, blank=True)
    text_digest = models.CharField(max_length=64, help_text=_("sha256 of the text sent."))
    parts_total = models.PositiveSmallIntegerField(_("messages"), default=0)
    parts_sent = models.PositiveSmallIntegerField(_("messages sent"), default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("buyer chat delivery")
        verbose_name_plural = _("buyer chat deliveries")

    def __str__(self) -> str:
        return f"{self.posting_number}: {self.parts_sent}/{self.parts_total}"

    @property
    def is_complete(self) -> bool:
        return self.parts_total > 0 and self.parts_sent >= self.parts_total
