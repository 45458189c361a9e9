"""Planning admin. (Owned by the sales-import helper; the planner/buyer admins register from
their own modules through the import at the end of this file, which must stay last.)

Demand history is read-only here: it is written by the sales import, the order feed and the
demo. Sales imports are listed with their reports; "Import sales history" uploads a file and
calls ``planning.sales_import.sales_import``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join

from core.errors import DomainError
from planning.forms import SalesImportForm
from planning.models import DemandHistory, SalesImport
from planning.sales_import import sales_import
from planning.sales_parse import ImportReport


@admin.register(DemandHistory)
class DemandHistoryAdmin(admin.ModelAdmin):
    list_display = (
        "sku",
        "date",
        "source",
        "units",
        "orders",
        "returned_units",
        "cancelled_units",
        "lost_units",
        "revenue",
        "stocked_out",
    )
    list_filter = ("source", "stocked_out")
    list_select_related = ("sku",)
    search_fields = ("sku__code", "sku__name")
    date_hierarchy = "date"
    raw_id_fields = ("sku",)
    show_full_result_count = False  # millions of rows: skip the second COUNT(*)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SalesImport)
class SalesImportAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "status",
        "rows_read",
        "rows_imported",
        "rows_skipped",
    )
    list_filter = ("status",)
    search_fields = ("file_name", "file_sha256")
    readonly_fields = (
        "file_name",
        "file_sha256",
        "status",
        "created_at",
        "rows_read",
        "rows_imported",
        "rows_skipped",
        "report_text",
    )
    exclude = ("report",)
    change_list_template = "admin/planning/salesimport/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # imports are uploads, see import_view

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def can_import(self, request: HttpRequest) -> bool:
        return request.user.has_perm("planning.add_salesimport")

    @admin.display(description="report")
    def report_text(self, obj: SalesImport):
        if not obj.report:
            return "—"
        lines = ImportReport.from_json(obj.report).lines()
        return format_html_join("", "{}<br>", ((line,) for line in lines))

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="planning_salesimport_import",
            )
        ]
        return urls + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self.can_import(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.can_import(request):
            raise PermissionDenied
        report_lines: list[str] = []
        if request.method == "POST":
            form = SalesImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    report = sales_import(
                        file=upload,
                        file_name=upload.name,
                        options=form.import_options(),
                        dry_run=form.cleaned_data["dry_run"],
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    report_lines = report.lines()
                    level = (
                        messages.ERROR
                        if report.status == SalesImport.Status.FAILED
                        else messages.SUCCESS
                    )
                    messages.add_message(request, level, report_lines[0])
        else:
            form = SalesImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import sales history",
            "form": form,
            "report_lines": report_lines,
        }
        return TemplateResponse(request, "admin/planning/salesimport/import_form.html", context)


# Last: the planner and buyer admins register after the classes above.

from planning import (  # noqa: E402,F401  importing registers them
    admin_audit,
    admin_buyers,
    admin_operations,
    admin_planners,
    admin_suppliers,
)
