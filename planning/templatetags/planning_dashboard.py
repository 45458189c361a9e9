"""``{% planning_dashboard %}``: the planning block of the admin index (a dashboard).

Shows, to users allowed to see them, the SKUs at risk, the suggestions waiting for a decision,
FBS orders due today and overdue, and the last planning run's status and duration.  Costs a
fixed handful of queries (``planning.admin_selectors.planning_dashboard``).
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from planning.admin_selectors import planning_dashboard as dashboard_figures

register = template.Library()


def _url(name: str, query: str = "") -> str | None:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return None


@register.inclusion_tag("admin/planning/dashboard.html", takes_context=True)
def planning_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    perms = {
        "plans": bool(user and user.has_perm("planning.view_atrisksku")),
        "reorders": bool(user and user.has_perm("planning.view_reordersuggestion")),
        "fbo": bool(user and user.has_perm("planning.view_fboshipmentsuggestion")),
        "decisions": bool(user and user.has_perm("planning.view_fulfilmentdecision")),
        "runs": bool(user and user.has_perm("planning.view_planrun")),
        "orders": bool(user and user.has_perm("fulfilment.view_order")),
    }
    if not any(perms.values()):
        return {"show": False}
    figures = dashboard_figures()
    last_run = figures.last_run
    return {
        "show": True,
        "perms": perms,
        "d": figures,
        "risk_bar_pct": round(figures.risk_bar * 100),
        "risk_min_cancels": figures.risk_min_cancelled_orders,
        "urls": {
            "at_risk": _url("admin:planning_atrisksku_changelist"),
            "reorders": _url("admin:planning_reordersuggestion_changelist"),
            "fbo": _url("admin:planning_fboshipmentsuggestion_changelist"),
            "decisions": _url("admin:planning_fulfilmentdecision_changelist"),
            "runs": _url("admin:planning_planrun_changelist"),
            "last_run": (
                _url_args("admin:planning_planrun_change", last_run.pk) if last_run else None
            ),
            "orders": _url("admin:fulfilment_order_changelist"),
        },
    }


def _url_args(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
