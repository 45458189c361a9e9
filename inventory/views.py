"""Plain views of the inventory app, mounted by its ModelAdmins' ``get_urls``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.text import slugify

from core.errors import DomainError
from inventory import exports
from inventory.models import PurchaseOrder


def purchase_order_export(request: HttpRequest, *, po_id: int, fmt: str) -> HttpResponse:
    """Download a purchase order as CSV or XLSX (for the supplier)."""
    if not request.user.has_perm("inventory.view_purchaseorder"):
        raise PermissionDenied
    if fmt not in exports.EXPORT_CONTENT_TYPES:
        raise Http404("Unknown export format.")
    purchase_order = get_object_or_404(PurchaseOrder, pk=po_id)
    try:
        content = exports.purchase_order_export(purchase_order=purchase_order, fmt=fmt)
    except DomainError as exc:  # an unknown format is caught above; anything else is a 404
        raise Http404(exc.message) from exc
    response = HttpResponse(content, content_type=exports.EXPORT_CONTENT_TYPES[fmt])
    filename = f"{slugify(purchase_order.number) or purchase_order.pk}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response
