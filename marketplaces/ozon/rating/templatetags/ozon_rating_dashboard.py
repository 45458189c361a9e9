"""``{% ozon_rating_dashboard %}``: Ozon's error index beside Zapas's, with the forecast."""

from __future__ import annotations

from django import template
from django.urls import reverse

from marketplaces.ozon.rating.compare import index_comparisons

register = template.Library()
SHOWN = 10


@register.inclusion_tag("admin/ozon_rating/dashboard.html", takes_context=True)
def ozon_rating_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.has_perm("ozon_rating.view_ratingsnapshot")):
        return {"show": False}
    comparisons = index_comparisons()
    return {
        "show": bool(comparisons),
        "several": len(comparisons) > 1,
        "accounts": [
            {
                "c": c,
                "forecast_days": c.zapas.days[1:],
                "needed": c.zapas.needed[:SHOWN],
                "needed_more": max(len(c.zapas.needed) - SHOWN, 0),
                "disagreements": c.disagreements[:SHOWN],
                "disagreements_more": max(len(c.disagreements) - SHOWN, 0),
                "list_url": reverse("admin:ozon_rating_indexposting_changelist")
                + f"?account__id__exact={c.ozon.account.pk}",
            }
            for c in comparisons
        ],
    }
