"""Admin for background jobs: "Run now" buttons, the list of runs, a run's live progress."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core import jobs
from core.admin_mixins import ViewOnlyAdminMixin
from core.errors import DomainError
from core.models import JobRun


def job_label(name: str) -> str:
    try:
        return str(jobs.job_get(name).label)
    except DomainError:
        return name


def job_run_status(run: JobRun) -> dict:
    """What the run page polls: status, progress, result and where the result lives."""
    url = None
    if run.status == JobRun.Status.DONE:
        try:
            job = jobs.job_get(run.job)
        except DomainError:
            job = None
        if job and job.result_url:
            url = job.result_url(run.result)
    return {
        "id": run.pk,
        "job": run.job,
        "status": run.status,
        "status_display": run.get_status_display(),
        "finished": run.finished,
        "percent": run.percent,
        "done": run.progress_done,
        "total": run.progress_total,
        "result": run.result,
        "error": run.error,
        "result_url": url,
    }


@admin.register(JobRun)
class JobRunAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "job_name", "status", "who", "progress", "finished_at")
    list_filter = ("job", "status", "trigger")
    list_select_related = ("started_by",)
    date_hierarchy = "created_at"
    change_list_template = "admin/core/jobrun/change_list.html"
    change_form_template = "admin/core/jobrun/change_form.html"
    readonly_fields = (
        "job_name",
        "status",
        "who",
        "progress",
        "result_summary",
        "error",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
    )
    fields = readonly_fields
    actions = ["cancel_runs"]

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("core.run_jobs")

    @admin.action(
        description=gettext_lazy("Cancel the selected stuck runs (mark them failed)"),
        permissions=["cancel"],
    )
    def cancel_runs(self, request: HttpRequest, queryset) -> None:
        who = f"admin:{request.user.get_username()}"
        cancelled = sum(
            jobs.job_run_cancel(run_id=pk, by=who) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("Cancelled %(n)d run.", "Cancelled %(n)d runs.", cancelled) % {"n": cancelled},
            messages.SUCCESS if cancelled else messages.WARNING,
        )

    @admin.display(description=gettext_lazy("job"), ordering="job")
    def job_name(self, obj: JobRun) -> str:
        return job_label(obj.job)

    @admin.display(description=gettext_lazy("started by"))
    def who(self, obj: JobRun) -> str:
        if obj.started_by_id:
            return obj.started_by.get_username()
        return {"schedule": _("the schedule"), "command": _("a command")}.get(
            obj.trigger, obj.trigger
        )

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: JobRun) -> str:
        if obj.percent is None:
            return "—"
        return format_html(
            '<progress max="100" value="{}" aria-label="{}"></progress> {} %',
            obj.percent,
            _("progress"),
            obj.percent,
        )

    @admin.display(description=gettext_lazy("result"))
    def result_summary(self, obj: JobRun) -> str:
        if not obj.result:
            return "—"
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            (
                (key.replace("_", " "), linebreaksbr(value) if isinstance(value, str) else value)
                for key, value in obj.result.items()
            ),
        )
        return format_html("<dl class='job-result'>{}</dl>", rows)

    def get_urls(self):
        urls = [
            path(
                "start/<str:name>/",
                self.admin_site.admin_view(self.start_view),
                name="core_jobrun_start",
            ),
            path(
                "<int:run_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="core_jobrun_status",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {
            "jobs": jobs.jobs_registered() if request.user.has_perm("core.run_jobs") else [],
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            "status_url": reverse("admin:core_jobrun_status", args=[object_id]),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def start_view(self, request: HttpRequest, name: str) -> HttpResponse:
        if not request.user.has_perm("core.run_jobs"):
            raise PermissionDenied
        return _start(request, name)

    def status_view(self, request: HttpRequest, run_id: int) -> JsonResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(job_run_status(get_object_or_404(JobRun, pk=run_id)))


@require_POST
def _start(request: HttpRequest, name: str) -> HttpResponse:
    try:
        run = jobs.job_start(name=name, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("admin:core_jobrun_changelist")
    messages.success(
        request, _("%(job)s started; this page follows its progress.") % {"job": job_label(name)}
    )
    return redirect("admin:core_jobrun_change", run.pk)
