"""``{% audit_dashboard %}``: the promise audit's card on the admin index.

Shows users who may view audits the latest audit's coverage of the 95 % quantile and, when
achieved service is more than ``ZAPAS["AUDIT_WARN_POINTS"]`` points below target for some group,
a warning naming the group and target. One query.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from planning.promise_audit import AuditSettings
from planning.promise_models import PromiseAudit

register = template.Library()


@register.inclusion_tag("admin/planning/audit_dashboard.html", takes_context=True)
def audit_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.has_perm("planning.view_promiseaudit")):
        return {"show": False}
    audit = PromiseAudit.objects.order_by("-audit_date", "-id").first()
    coverage_95 = None
    if audit is not None:
        score = audit.score or {}
        levels = score.get("levels", [])
        if 0.95 in levels:
            coverage_95 = score["total_coverage"][levels.index(0.95)]
    return {
        "show": True,
        "audit": audit,
        "coverage_95": coverage_95,
        "warn_points": AuditSettings.from_settings().warn_points,
        "url": reverse("admin:planning_promiseaudit_change", args=[audit.pk]) if audit else None,
        "list_url": reverse("admin:planning_promiseaudit_changelist"),
    }
