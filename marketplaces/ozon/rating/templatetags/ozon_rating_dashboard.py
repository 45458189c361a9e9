"""``{% ozon_rating_dashboard %}``: Ozon's error index beside Zapas's, with the forecast."""

from __future__ import annotations

from django import template
from django.urls import reverse

from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.rating.compare import index_comparison

register = template.Library()
SHOWN = 10


@register.inclusion_tag("admin/ozon_rating/dashboard.html", takes_context=True)
def ozon_rating_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.has_perm("ozon_rating.view_ratingsnapshot")):
        return {"show": False}
    if not OzonAccount.objects.filter(is_enabled=True).exists():
        return {"show": False}
    comparison = index_comparison()
    return {
        "show": True,
        "c": comparison,
        "forecast_days": comparison.zapas.days[1:],
        "needed": comparison.zapas.needed[:SHOWN],
        "needed_more": max(len(comparison.zapas.needed) - SHOWN, 0),
        "disagreements": comparison.disagreements[:SHOWN],
        "disagreements_more": max(len(comparison.disagreements) - SHOWN, 0),
        "list_url": reverse("admin:ozon_rating_indexposting_changelist"),
    }
