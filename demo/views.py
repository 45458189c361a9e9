"""The bare benchmark view, mounted only with ``BENCH_VIEWS=true`` (see ``config/urls.py``)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from core.errors import DomainError
from fulfilment.lookup import barcode_lookup
from inventory.models import Warehouse


def bench_bare_lookup(request: HttpRequest, barcode: str) -> JsonResponse:
    """The barcode lookup without DRF or auth: ``bench/api_load.py`` compares the API with it."""
    warehouse = Warehouse.objects.get(code=request.GET.get("warehouse", ""))
    try:
        result = barcode_lookup(code=barcode, warehouse=warehouse)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.http_status)
    return JsonResponse(result)
