"""Plain Django views: the scan-station page, and error pages that answer JSON under /api/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.csrf import ensure_csrf_cookie

from core.api import error_body


@ensure_csrf_cookie
def scan_station(request: HttpRequest) -> HttpResponse:
    """The scanner page. It holds no data: everything goes through the API with the device
    token (kept in the terminal's local storage) or a staff member's session."""
    return render(request, "scan/index.html")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


# Django's own error views, for errors raised outside a DRF view (middleware, URL resolution,
# a body too large to read): API clients get the same JSON body as from every other error.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request) and isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        return JsonResponse(
            error_body(
                "request_too_large",
                f"The request body is too large; send at most "
                f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KiB.",
            ),
            status=413,
        )
    if _is_api(request):
        return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("permission_denied", "Not allowed."), status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("not_found", "No API endpoint at this address.", {"path": request.path}),
            status=404,
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(
                "server_error",
                "Something went wrong on the server. Retry with the same Idempotency-Key.",
            ),
            status=500,
        )
    return defaults.server_error(request)


def login_locked_out(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """django-axes' answer to a sign-in while the user name or the address is locked out
    (``AXES_LOCKOUT_CALLABLE``): the admin's sign-in page with the reason, 429 and the
    cool-off in ``Retry-After``. No password is checked while locked out."""
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds())
    response = render(
        request,
        "admin/locked_out.html",
        {**admin.site.each_context(request), "cooloff_minutes": max(1, (seconds + 59) // 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
