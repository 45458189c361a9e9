"""Plain Django views: the scan-station page and the bare benchmark view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@ensure_csrf_cookie
def scan_station(request: HttpRequest) -> HttpResponse:
    """The scanner page. It holds no data: everything goes through the API with the device
    token (kept in the terminal's local storage) or a staff member's session."""
    return render(request, "scan/index.html")


def bench_bare_lookup(request: HttpRequest, barcode: str) -> JsonResponse:
    """Only mounted with ``BENCH_VIEWS=true``: the barcode lookup without DRF or auth."""
    from core.errors import DomainError
    from inventory.lookup import barcode_lookup
    from inventory.models import Warehouse

    warehouse = Warehouse.objects.get(code=request.GET.get("warehouse", ""))
    try:
        result = barcode_lookup(code=barcode, warehouse=warehouse)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.http_status)
    return JsonResponse(result)
