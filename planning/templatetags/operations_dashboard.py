"""``{% operations_dashboard %}``: what the seller's own operations say, on the admin index.

Packing peaks in the next two weeks (days whose due orders exceed a warehouse's capacity, with
the extra packer-hours), suppliers whose reliability is getting worse, prep-time advice not yet
applied, and record accuracy per warehouse. A fixed handful of queries.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.money import base_currency, money_format
from planning.cycle_counts import record_accuracy
from planning.models import CapacityForecast, PrepTimeRecommendation, SupplierPerformance

register = template.Library()


@register.inclusion_tag("admin/planning/operations_dashboard.html", takes_context=True)
def operations_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    perms = {
        "capacity": bool(user and user.has_perm("planning.view_capacityforecast")),
        "suppliers": bool(user and user.has_perm("planning.view_supplierperformance")),
        "prep": bool(user and user.has_perm("planning.view_preptimerecommendation")),
        "accuracy": bool(user and user.has_perm("inventory.view_stocklevel")),
    }
    if not any(perms.values()):
        return {"show": False}
    out: dict = {"show": True, "perms": perms}
    if perms["capacity"]:
        out["peaks"] = list(
            CapacityForecast.objects.filter(excess__gt=0, day__gte=timezone.localdate())
            .select_related("warehouse")
            .order_by("day", "warehouse__code")[:6]
        )
        out["capacity_url"] = reverse("admin:planning_capacityforecast_changelist")
    if perms["suppliers"]:
        out["worsening"] = [
            {
                "code": row.supplier.code,
                "before": f"{row.previous_on_time_rate or 0:.0%}",
                "now": f"{row.recent_on_time_rate or 0:.0%}",
            }
            for row in SupplierPerformance.objects.filter(worsening=True, sku__isnull=True)
            .select_related("supplier")
            .order_by("supplier__code")[:6]
        ]
        out["suppliers_url"] = reverse("admin:planning_supplierperformance_changelist")
    if perms["prep"]:
        pending = PrepTimeRecommendation.objects.filter(applied_at__isnull=True, sku__isnull=True)
        out["prep"] = [
            r for r in pending.select_related("warehouse") if r.recommended_days != r.current_days
        ]
        out["prep_url"] = reverse("admin:planning_preptimerecommendation_changelist")
    if perms["accuracy"]:
        out["accuracy"] = [
            {
                "code": a.warehouse_code,
                "exact": f"{a.exact_share:.0%}" if a.exact_share is not None else "—",
                "counts": a.counts,
                # Σ |variance| × the SKUs' unit cost: the seller's own currency
                "value": money_format(a.variance_value, base_currency()),
            }
            for a in record_accuracy()
        ]
        out["accuracy_days"] = settings.ZAPAS.get("RECORD_ACCURACY_DAYS", 90)
    return out
