"""The planners' audit pages: how well past promises were kept, and the recalibration.

``PromiseAuditAdmin`` lists the nightly audits; an audit's page shows its charts
(``planning.audit_charts``), coverage by group and level, achieved service against the target,
the reliability table, bias by week, and the calibration the next runs apply, next to what the
live run actually applied per group. ``PromiseAdmin`` lists the promises behind the figures.
Both are read-only (view permissions, given to planners by migration ``planning.0007``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ReadOnlyAdminMixin
from planning.audit_charts import CHART_KINDS, audit_chart, frontier_chart
from planning.models import PlanRun
from planning.promise_audit import AuditSettings
from planning.promise_models import FrontierResult, Promise, PromiseAudit

CHART_CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class Cell:
    value: float | None
    bad: bool = False


@dataclass(frozen=True)
class CoverageRow:
    group: str
    scored: int
    censored: int
    cells: list[Cell]
    bias: float | None


@dataclass(frozen=True)
class ServiceRow:
    group: str
    target: float
    count: int
    achieved: float | None
    points_below: float | None
    short: bool


@dataclass(frozen=True)
class CalibrationRow:
    group: str
    cells: list[tuple[float, float, int]]  # nominal, adjusted, promises behind it


@dataclass(frozen=True)
class AppliedRow:
    group: str
    target: float
    applied: float
    skus: int


def coverage_rows(score: dict, *, points: float) -> list[CoverageRow]:
    levels = score.get("levels", [])
    rows = []
    for g, group in enumerate(score.get("groups", [])):
        cells = [
            Cell(c, c is not None and (level - c) * 100 > points)
            for level, c in zip(levels, score["coverage"][g], strict=True)
        ]
        rows.append(
            CoverageRow(
                group=group,
                scored=max(score["n_scored"][g], default=0),
                censored=score["n_censored"][g],
                cells=cells,
                bias=score["bias"][g],
            )
        )
    return rows


def service_rows(score: dict, *, points: float) -> list[ServiceRow]:
    rows = []
    for g, group in enumerate(score.get("groups", [])):
        for s, target in enumerate(score.get("targets", [])):
            count = score["target_count"][g][s]
            if not count:
                continue
            achieved = score["achieved"][g][s]
            below = None if achieved is None else round((target - achieved) * 100, 6)
            rows.append(
                ServiceRow(
                    group, target, count, achieved, below, below is not None and below > points
                )
            )
    return rows


def reliability_rows(score: dict) -> list[dict]:
    curve = score.get("reliability") or {}
    edges = curve.get("edges", [])
    return [
        {
            "low": edges[b],
            "high": edges[b + 1],
            "count": n,
            "stated": curve["stated"][b],
            "observed": curve["observed"][b],
        }
        for b, n in enumerate(curve.get("count", []))
        if n
    ]


def calibration_rows(calibration: dict) -> list[CalibrationRow]:
    levels = calibration.get("levels", [])
    return [
        CalibrationRow(
            group,
            [
                (level, calibration["adjusted"][g][j], calibration["n_scored"][g][j])
                for j, level in enumerate(levels)
            ],
        )
        for g, group in enumerate(calibration.get("groups", []))
    ]


def applied_rows(run: PlanRun | None) -> list[AppliedRow]:
    """What the live run applied: mean level used per group and target (one query)."""
    if run is None:
        return []
    rows = (
        Promise.objects.filter(run=run)
        .values("calibration_group", "service_level")
        .annotate(applied=Avg("calibration_applied"), skus=Count("pk"))
        .order_by("calibration_group", "service_level")
    )
    return [
        AppliedRow(r["calibration_group"], r["service_level"], r["applied"], r["skus"])
        for r in rows
    ]


def _audit_or_404(object_id: str) -> PromiseAudit:
    try:
        pk = int(object_id)
    except (TypeError, ValueError) as exc:
        raise Http404(_("No such audit.")) from exc
    return get_object_or_404(PromiseAudit, pk=pk)


@admin.register(PromiseAudit)
class PromiseAuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "audit_date",
        "window",
        "promises_scored",
        "promises_censored",
        "bias",
        "coverage_95",
        "warnings",
    )
    date_hierarchy = "audit_date"
    list_display_links = ("audit_date",)

    @admin.display(description=gettext_lazy("periods ending"))
    def window(self, obj: PromiseAudit) -> str:
        return f"{obj.window_from:%d.%m.%Y} … {obj.window_to:%d.%m.%Y}"

    @admin.display(description=gettext_lazy("bias"))
    def bias(self, obj: PromiseAudit) -> str:
        return "—" if obj.total_bias is None else f"{obj.total_bias:+.1%}"

    @admin.display(description=gettext_lazy("covered by the 95 % quantile"))
    def coverage_95(self, obj: PromiseAudit) -> str:
        score = obj.score or {}
        try:
            value = score["total_coverage"][score["levels"].index(0.95)]
        except (KeyError, ValueError, IndexError):
            value = None
        return "—" if value is None else f"{value:.1%}"

    @admin.display(description=gettext_lazy("below target"))
    def warnings(self, obj: PromiseAudit) -> str:
        return ", ".join(f"{s['group']} {s['target']:.1%}" for s in obj.shortfalls) or "—"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "frontier.<str:fmt>",
                wrap(self.frontier_view, cacheable=True),
                name=f"{name}_frontier",
            ),
            path(
                "<path:object_id>/chart/<str:kind>.<str:fmt>",
                wrap(self.chart_view, cacheable=True),
                name=f"{name}_chart",
            ),
            *super().get_urls(),
        ]

    def chart_view(self, request: HttpRequest, object_id: str, kind: str, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in CHART_KINDS or fmt not in CHART_CONTENT_TYPES:
            raise Http404(_("Unknown chart."))
        audit = _audit_or_404(object_id)
        points = AuditSettings.from_settings().warn_points
        image = audit_chart(audit.score, kind=kind, fmt=fmt, warn_points=points)
        response = HttpResponse(image, content_type=CHART_CONTENT_TYPES[fmt])
        patch_cache_control(response, private=True, max_age=3600)  # an audit never changes
        return response

    def frontier_view(self, request: HttpRequest, fmt: str):
        """The latest stored efficient frontier (``manage.py plan_frontier``)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in CHART_CONTENT_TYPES:
            raise Http404(_("Unknown chart."))
        latest = FrontierResult.objects.first()
        image = frontier_chart(latest.points if latest else [], fmt=fmt)
        response = HttpResponse(image, content_type=CHART_CONTENT_TYPES[fmt])
        patch_cache_control(response, private=True, max_age=300)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        audit = _audit_or_404(object_id)
        points = AuditSettings.from_settings().warn_points
        opts = self.model._meta
        live_run = PlanRun.objects.current()
        chart = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_chart"
        frontier = FrontierResult.objects.first()
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Promise audit of %(date)s") % {"date": f"{audit.audit_date:%d.%m.%Y}"},
            "audit": audit,
            "bias_text": self.bias(audit),
            "warn_points": points,
            "charts": {kind: reverse(chart, args=[audit.pk, kind, "svg"]) for kind in CHART_KINDS},
            "levels": audit.score.get("levels", []),
            "coverage": coverage_rows(audit.score, points=points),
            "service": service_rows(audit.score, points=points),
            "reliability": reliability_rows(audit.score),
            "calibration": calibration_rows(audit.calibration),
            "live_run": live_run,
            "applied": applied_rows(live_run),
            "runs_using": list(
                PlanRun.objects.filter(parameters__calibration_audit=audit.pk)
                .order_by("-plan_date", "-id")
                .values_list("pk", "plan_date")[:10]
            ),
            "frontier": frontier,
            "frontier_rows": frontier_rows(frontier),
            "frontier_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_frontier", args=["svg"]
            ),
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/planning/promiseaudit/audit_page.html", context)


def frontier_rows(frontier: FrontierResult | None) -> list[dict]:
    """The stored at-equal-stock readings with the Zapas policy named and Zapas's share of
    min/max's cancellations (rows stored before the allocation existed are "zapas")."""
    if frontier is None:
        return []
    labels = {
        "zapas": _("every SKU at its target"),
        "zapas_cancellations": _("stock spread for the fewest cancellations"),
    }
    rows = []
    for row in frontier.at_equal_stock:
        policy = row.get("policy", "zapas")
        ours, theirs = row.get("zapas_cancelled"), row.get("min_max_cancelled")
        share = ours / theirs if ours is not None and theirs else None
        rows.append({**row, "policy_label": labels.get(policy, policy), "share": share})
    return rows


@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "sku",
        "plan_date",
        "window_end",
        "calibration_group",
        "service_level",
        "mean",
        "q80",
        "q95",
        "reorder_point",
        "stockout_probability",
        "actual",
        "censored",
    )
    list_filter = ("calibration_group", "censored", "abc_class", "plan_date")
    list_select_related = ("sku",)
    search_fields = ("sku__code", "sku__name")
    date_hierarchy = "window_end"
    raw_id_fields = ("sku", "run")
    show_full_result_count = False
