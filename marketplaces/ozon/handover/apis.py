"""PDF downloads for the scan station and the Due today page: labels and the hand-over act.

Same authentication as the scanner API (a device token or a staff session); a device prints
only for its own warehouse.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from core.api import error_responses
from core.auth import check_warehouse, check_warehouse_code
from core.errors import InvalidInput, NotFound
from fulfilment.scan_apis import order_by_number
from inventory.models import Warehouse
from marketplaces.ozon.handover import labels
from marketplaces.ozon.handover.carriage import carriage_act_pdf, carriage_container_labels_pdf
from marketplaces.ozon.handover.models import Carriage


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF to print.")


class PostingLabelApi(APIView):
    @extend_schema(
        operation_id="ozon_posting_label",
        summary="Ozon's package label of one packed order (PDF)",
        parameters=[
            OpenApiParameter(
                "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="Posting number."
            )
        ],
        responses={(200, "application/pdf"): _PDF, **error_responses(403, 404, 409, 503)},
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        order = order_by_number(request, number)
        postings = labels.label_postings(orders=[order])
        return pdf_response(labels.labels_pdf(postings=postings), f"label-{number}.pdf")


class WarehouseLabelsApi(APIView):
    @extend_schema(
        operation_id="ozon_warehouse_labels",
        summary="Labels of every packed Ozon order of a warehouse, in one PDF",
        parameters=[
            OpenApiParameter(
                "warehouse", OpenApiTypes.STR, required=True, description="Warehouse code."
            )
        ],
        responses={(200, "application/pdf"): _PDF, **error_responses(400, 403, 404, 409, 503)},
    )
    def get(self, request: Request) -> HttpResponse:
        code = request.query_params.get("warehouse", "")
        if not code or len(code) > 32 or not code.isprintable():
            raise InvalidInput("Name the warehouse: ?warehouse=<code>.", code="warehouse_required")
        check_warehouse_code(request, code)
        warehouse = Warehouse.objects.filter(code=code).first()
        if warehouse is None:
            raise NotFound(f"No warehouse {code!r}.", code="unknown_warehouse")
        orders = list(labels.packed_orders(warehouse=warehouse))
        if not orders:
            raise NotFound(
                f"No packed Ozon orders wait for the carrier at {warehouse.code}.",
                code="nothing_packed",
            )
        postings = labels.label_postings(orders=orders)
        return pdf_response(labels.labels_pdf(postings=postings), f"labels-{warehouse.code}.pdf")


def _carriage(request: Request, pk: int) -> Carriage:
    # A number past 64 bits is no row (and would overflow the database's integer).
    carriage = (
        Carriage.objects.select_related("account", "warehouse_link").filter(pk=pk).first()
        if pk < 2**63
        else None
    )
    if carriage is None:
        raise NotFound(f"No carriage {pk}.", code="unknown_carriage")
    check_warehouse(request, carriage.warehouse_link.warehouse_id, what=f"carriage {pk}")
    return carriage


_CARRIAGE_PK = OpenApiParameter(
    "pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Zapas's carriage id."
)


class CarriageActApi(APIView):
    @extend_schema(
        operation_id="ozon_carriage_act",
        summary="The act (acceptance certificate and waybill) of an Ozon carriage (PDF)",
        parameters=[_CARRIAGE_PK],
        responses={(200, "application/pdf"): _PDF, **error_responses(403, 404, 409, 503)},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        carriage = _carriage(request, pk)
        content = carriage_act_pdf(carriage=carriage)
        return pdf_response(content, f"act-{carriage.carriage_id}.pdf")


class CarriageContainerLabelsApi(APIView):
    @extend_schema(
        operation_id="ozon_carriage_container_labels",
        summary="The labels of an Ozon carriage's containers (PDF)",
        parameters=[_CARRIAGE_PK],
        responses={(200, "application/pdf"): _PDF, **error_responses(403, 404, 409, 503)},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        carriage = _carriage(request, pk)
        content = carriage_container_labels_pdf(carriage=carriage)
        return pdf_response(content, f"containers-{carriage.carriage_id}.pdf")
