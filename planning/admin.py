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
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ViewOnlyAdminMixin
from core.errors import DomainError
from core.models import JobRun
from planning.forms import SalesImportForm, preset_table
from planning.models import DemandHistory, SalesImport
from planning.sales_jobs import sales_import_start
from planning.sales_parse import ImportReport


@admin.register(DemandHistory)
class DemandHistoryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
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

    @admin.display(description=gettext_lazy("report"))
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
        """Store the upload and import it as a job: the run's page follows the progress and
        shows the report (a worker does the work; with no broker, this process does)."""
        if not self.can_import(request):
            raise PermissionDenied
        if request.method == "POST":
            form = SalesImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    run = sales_import_start(
                        upload=form.cleaned_data["file"],
                        options=form.import_options(),
                        dry_run=form.cleaned_data["dry_run"],
                        user=request.user,
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    self._report_run(request, run)
                    return redirect("admin:core_jobrun_change", run.pk)
        else:
            form = SalesImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import sales history"),
            "form": form,
            "presets": preset_table(),
        }
        return TemplateResponse(request, "admin/planning/salesimport/import_form.html", context)

    @staticmethod
    def _report_run(request: HttpRequest, run: JobRun) -> None:
        if not run.finished:
            messages.success(request, _("The import has started; this page follows its progress."))
        elif run.status == JobRun.Status.FAILED:
            messages.error(request, run.error)
        else:
            level = (
                messages.ERROR
                if run.result.get("status") == SalesImport.Status.FAILED
                else messages.SUCCESS
            )
            messages.add_message(request, level, run.result["report"].splitlines()[0])


# Last: the planner and buyer admins register after the classes above.

from planning import (  # noqa: E402,F401  importing registers them
    admin_audit,
    admin_buyers,
    admin_operations,
    admin_planners,
    admin_suppliers,
)
