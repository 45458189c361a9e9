"""``{% ozon_dashboard %}``: Ozon API keys about to expire, failed outbox calls (two queries)."""

from __future__ import annotations

from django import template
from django.conf import settings

from marketplaces.ozon.accounts import accounts_with_expiring_keys
from marketplaces.ozon.models import OutboxMessage, OutboxStatus

register = template.Library()


@register.inclusion_tag("admin/ozon/dashboard.html", takes_context=True)
def ozon_dashboard(context) -> dict:
    user = getattr(context.get("request"), "user", None)
    if not (user and user.has_perm("ozon.view_ozonaccount")):
        return {"show": False}
    expiring = accounts_with_expiring_keys()
    failed = OutboxMessage.objects.filter(status=OutboxStatus.FAILED).count()
    return {
        "show": bool(expiring or failed),
        "expiring": expiring,
        "failed": failed,
        "days": settings.OZON["KEY_EXPIRY_WARNING_DAYS"],
    }
