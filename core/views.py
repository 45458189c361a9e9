"""Plain Django views: the scan-station page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@ensure_csrf_cookie
def scan_station(request: HttpRequest) -> HttpResponse:
    """The scanner page. It holds no data: everything goes through the API with the device
    token (kept in the terminal's local storage) or a staff member's session."""
    return render(request, "scan/index.html")
