"""Scanner and supervisor API for stock: receipts, counts, transfers, lists.

Views are thin: validate the input, resolve the warehouse (a device acts only on its own —
403 otherwise), call a service, serialize the result. Every write accepts ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.api_strict import StrictFilterSet, StrictPagination
from core.auth import check_warehouse, check_warehouse_code, request_device
from core.errors import Conflict, InvalidInput, NotFound
from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.parsers import SafeJSONParser
from inventory import services
from inventory.api_serializers import (
    CountInputSerializer,
    CountResultSerializer,
    MovementSerializer,
    ReceiptInputSerializer,
    ReceiptResultSerializer,
    StockLevelSerializer,
    TransferReceiveInputSerializer,
    TransferSerializer,
    WhoAmISerializer,
)
from inventory.models import (
    MovementKind,
    PurchaseOrder,
    Sku,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    Warehouse,
)

WAREHOUSE_PARAMETER = OpenApiParameter(
    name="warehouse",
    type=str,
    location=OpenApiParameter.QUERY,
    required=False,
    description="Warehouse code. Devices may omit it (their own is used); staff must give it.",
)


# --- helpers shared with fulfilment/scan_apis.py ----------------------------------------------


def actor_for(request: Request) -> services.Actor:
    device = request_device(request)
    return services.Actor(user=request.user, device=device.name if device else "staff")


def resolve_warehouse(request: Request, code: str | None) -> Warehouse:
    """The warehouse a request acts on: the given code, or the device's own.

    A device naming any other code gets 403 ``wrong_warehouse``, known code or not (no oracle);
    staff get 404 ``unknown_warehouse`` for a code that does not exist."""
    device = request_device(request)
    check_warehouse_code(request, code)
    if device is not None:
        return device.warehouse
    if not code:
        raise InvalidInput(
            "Staff must say which warehouse: add ?warehouse=<code>.",
            code="warehouse_required",
        )
    return warehouse_by_code(code)


def warehouse_by_code(code: str) -> Warehouse:
    """The warehouse with this code, or 404 ``unknown_warehouse`` (for staff: a device may name
    only its own warehouse, ``check_warehouse_code``)."""
    warehouse = (
        Warehouse.objects.filter(code=code).first()
        if code.isprintable() and len(code) <= 32
        else None
    )
    if warehouse is None:
        raise NotFound(f"No warehouse {code[:32]!r}.", code="unknown_warehouse")
    return warehouse


def sku_for_scan(code: str) -> Sku:
    if not code or not code.isprintable() or len(code) > 64:
        raise NotFound(f"No SKU has barcode {code!r}.", code="unknown_barcode")
    return services.sku_by_barcode(code)


Pagination = StrictPagination


# --- who am I ---------------------------------------------------------------------------------


class WhoAmIApi(APIView):
    @extend_schema(
        operation_id="whoami",
        summary="Who is calling: device, user and usable warehouses",
        responses={200: WhoAmISerializer, **error_responses()},
    )
    def get(self, request: Request) -> Response:
        device = request_device(request)
        if device is not None:
            warehouses = [device.warehouse]
        else:
            warehouses = list(Warehouse.objects.filter(is_active=True))
        brief = [{"code": w.code, "name": w.name, "kind": w.kind} for w in warehouses]
        return Response(
            WhoAmISerializer(
                {
                    "username": request.user.get_username(),
                    "device": device.name if device else None,
                    "warehouse": brief[0] if device else None,
                    "warehouses": brief,
                }
            ).data
        )


# --- receipts ---------------------------------------------------------------------------------


class ReceiptApi(APIView):
    @extend_schema(
        operation_id="receipt_create",
        summary="Receive a scanned item against a purchase order",
        description="Adds `quantity` units of the scanned SKU to the PO's line and to stock. "
        "More than is still open is refused (409 `over_receipt`) unless "
        "`ZAPAS_ALLOW_OVER_RECEIPT` is on.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ReceiptInputSerializer,
        responses={201: ReceiptResultSerializer, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = ReceiptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["purchase_order"]
        po = PurchaseOrder.objects.select_related("warehouse").filter(number=number).first()
        if po is None:
            raise NotFound(f"No purchase order {number}.", code="unknown_purchase_order")
        check_warehouse(request, po.warehouse_id, what=f"{po.number} (for {po.warehouse.code})")
        sku = sku_for_scan(data.validated_data["barcode"])
        line = po.lines.filter(sku=sku).first()
        if line is None:
            expected = ", ".join(po.lines.values_list("sku__code", flat=True)[:10])
            raise Conflict(
                f"{sku.code} is not on {po.number}; it expects {expected}.",
                code="not_on_purchase_order",
                details={"sku": sku.code, "purchase_order": po.number},
            )
        movement = services.purchase_order_receive(
            line=line, quantity=data.validated_data["quantity"], actor=actor_for(request)
        )
        line.refresh_from_db()
        po.refresh_from_db(fields=["status"])
        result = {
            "purchase_order": po.number,
            "purchase_order_status": po.status,
            "line": {
                "sku": sku.code,
                "quantity_ordered": line.quantity_ordered,
                "quantity_received": line.quantity_received,
                "quantity_open": line.quantity_open,
            },
            "movement": movement,
            "on_hand": movement.on_hand_after,
        }
        return Response(ReceiptResultSerializer(result).data, status=201)


# --- counts -----------------------------------------------------------------------------------


class CountApi(APIView):
    @extend_schema(
        operation_id="count_create",
        summary="Record a counted quantity",
        description="The difference against on hand becomes an adjustment movement with the "
        "variance recorded. A count below the reserved quantity is refused (409).",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CountInputSerializer,
        responses={201: CountResultSerializer, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = CountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        warehouse = resolve_warehouse(request, data.validated_data.get("warehouse"))
        sku = sku_for_scan(data.validated_data["barcode"])
        result = services.stock_count(
            sku=sku,
            warehouse=warehouse,
            counted=data.validated_data["counted"],
            actor=actor_for(request),
            reason=data.validated_data["reason"],
        )
        body = {
            "sku": sku,
            "warehouse": warehouse.code,
            "expected": result.expected,
            "counted": result.counted,
            "variance": result.variance,
            "movement": result.movement,
        }
        return Response(CountResultSerializer(body).data, status=201)


# --- transfers to FBO -------------------------------------------------------------------------


def _transfer(number: str) -> Transfer:
    transfer = (
        Transfer.objects.select_related("source", "destination").filter(number=number).first()
        if number.isprintable() and len(number) <= 32
        else None
    )
    if transfer is None:
        raise NotFound(f"No transfer {number}.", code="unknown_transfer")
    return transfer


def _transfer_out(transfer: Transfer) -> dict:
    transfer = (
        Transfer.objects.select_related("source", "destination")
        .prefetch_related(Prefetch("lines", queryset=TransferLine.objects.select_related("sku")))
        .get(pk=transfer.pk)
    )
    return TransferSerializer(transfer).data


_TRANSFER_NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH)


class TransferDispatchApi(APIView):
    @extend_schema(
        operation_id="transfer_dispatch",
        summary="Dispatch a transfer to an FBO warehouse",
        description="Ships every line out of the source warehouse (the device's own).",
        parameters=[_TRANSFER_NUMBER, IDEMPOTENCY_PARAMETER],
        request=None,
        responses={200: TransferSerializer, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        transfer = _transfer(number)
        check_warehouse(
            request, transfer.source_id, what=f"{transfer.number} (from {transfer.source.code})"
        )
        transfer = services.transfer_dispatch(transfer=transfer, actor=actor_for(request))
        return Response(_transfer_out(transfer))


class TransferReceiveApi(APIView):
    # JSON only: a form body cannot carry lines, and "no lines" would receive everything.
    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="transfer_receive",
        summary="Record the arrival of a transfer at the FBO warehouse",
        description="By scanned barcode and quantity, or everything in transit when `lines` is "
        "omitted (an empty body or `{}`). An empty list (400 `no_lines`), an unknown field "
        "(400) or a body that is not JSON (415) receives nothing. Allowed to devices of the source or the destination warehouse (the own "
        "warehouse records the marketplace's acceptance report).",
        parameters=[_TRANSFER_NUMBER, IDEMPOTENCY_PARAMETER],
        request=TransferReceiveInputSerializer,
        responses={200: TransferSerializer, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        data = TransferReceiveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = _transfer(number)
        device = request_device(request)
        if device is None or device.warehouse_id != transfer.source_id:
            check_warehouse(
                request,
                transfer.destination_id,
                what=f"{transfer.number} (to {transfer.destination.code})",
            )
        quantities = None
        if "lines" in data.validated_data:
            if not data.validated_data["lines"]:
                raise InvalidInput(
                    "No lines to receive: send at least one {barcode, quantity}, or omit "
                    "`lines` to receive everything still in transit.",
                    code="no_lines",
                )
            quantities = {}
            for line in data.validated_data["lines"]:
                sku = sku_for_scan(line["barcode"])
                quantities[sku.pk] = quantities.get(sku.pk, 0) + line["quantity"]
        transfer = services.transfer_receive(
            transfer=transfer, quantities=quantities, actor=actor_for(request)
        )
        return Response(_transfer_out(transfer))


# --- supervisor lists -------------------------------------------------------------------------


class WarehouseScoped:
    """Devices see their own warehouse only (naming another in ``?warehouse=`` is 403, known
    code or not); staff see all, or filter by ``warehouse``."""

    def scope(self, queryset, field: str = "warehouse"):
        check_warehouse_code(self.request, self.request.query_params.get("warehouse"))
        device = request_device(self.request)
        if device is not None:
            return queryset.filter(**{f"{field}_id": device.warehouse_id})
        return queryset


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 input normalised to UTC: PostgreSQL refuses offsets beyond ±15:59, which
    Python accepts (and a far-off date may not convert at all)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError("Date and time out of range.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


class StockLevelFilter(StrictFilterSet):
    warehouse = django_filters.CharFilter(field_name="warehouse__code", help_text="Warehouse code.")
    sku = django_filters.CharFilter(field_name="sku__code", help_text="Offer id.")
    sku_contains = django_filters.CharFilter(field_name="sku__code", lookup_expr="icontains")
    available_lt = django_filters.NumberFilter(
        field_name="available_qty", lookup_expr="lt", help_text="Only rows with less available."
    )
    on_hand_gt = django_filters.NumberFilter(field_name="on_hand", lookup_expr="gt")

    class Meta:
        model = StockLevel
        fields = ["warehouse", "sku", "sku_contains", "available_lt", "on_hand_gt"]


class StockLevelListApi(WarehouseScoped, generics.ListAPIView):
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    pagination_class = Pagination

    def get_queryset(self):
        queryset = (
            StockLevel.objects.with_available()
            .select_related("sku", "warehouse")
            .order_by("sku__code", "warehouse__code")
        )
        return self.scope(queryset)

    @extend_schema(
        operation_id="stock_level_list",
        summary="Stock levels (supervisors)",
        responses={200: StockLevelSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MovementFilter(StrictFilterSet):
    warehouse = django_filters.CharFilter(field_name="warehouse__code")
    sku = django_filters.CharFilter(field_name="sku__code", help_text="Offer id.")
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    document_ref = django_filters.CharFilter()
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = ["warehouse", "sku", "kind", "document_ref", "created_after", "created_before"]


class MovementListApi(WarehouseScoped, generics.ListAPIView):
    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    pagination_class = Pagination

    def get_queryset(self):
        queryset = StockMovement.objects.select_related("sku", "warehouse", "user").order_by(
            "-created_at", "-id"
        )
        return self.scope(queryset)

    @extend_schema(
        operation_id="movement_list",
        summary="Stock movements, newest first (supervisors)",
        responses={200: MovementSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
