"""``{% fulfilment_dashboard %}``: seller metrics and the deadline watch on the admin index.

A fixed number of queries: one per metric window, one for the watch counts, one for notices.
"""

from __future__ import annotations

from django import template
from django.db.models import Count

from fulfilment.conf import setting
from fulfilment.metrics import seller_metrics
from fulfilment.models import Notice, NoticeStatus, Order, WatchState

register = template.Library()


@register.inclusion_tag("admin/fulfilment/dashboard/panel.html", takes_context=True)
def fulfilment_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.has_perm("fulfilment.view_order")):
        return {"show": False}
    metrics = seller_metrics()
    watch = dict(
        Order.objects.open()
        .fbs()
        .exclude(watch_state="")
        .values_list("watch_state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    notices = dict(
        Notice.objects.filter(status__in=[NoticeStatus.AWAITING_APPROVAL, NoticeStatus.FAILED])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    windows = sorted({w.days for w in metrics.windows})
    rows = [("All", metrics.overall())] + sorted(metrics.by_warehouse().items())
    return {
        "show": True,
        "metrics": metrics,
        "windows": windows,
        "rows": rows,
        "thresholds": setting("METRIC_THRESHOLDS"),
        "watch": [
            (state, WatchState(state).label, watch.get(state, 0))
            for state in (
                WatchState.OVERDUE,
                WatchState.SHORT,
                WatchState.DUE_SOON,
                WatchState.ON_TRACK,
            )
        ],
        "notices_awaiting": notices.get(NoticeStatus.AWAITING_APPROVAL, 0),
        "notices_failed": notices.get(NoticeStatus.FAILED, 0),
    }


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"
