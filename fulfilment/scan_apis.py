"""Scanner API for orders: pick list, pack by scanning, hand-over to the carrier, order list.

Kept apart from the fulfilment app's own modules (``services``/``selectors`` are the
contract). Views validate, check the warehouse, call a fulfilment service and serialize.
"""

from __future__ import annotations

from functools import cache

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import sql
from core.api import datetime_text, error_responses
from core.api_strict import StrictFilterSet
from core.auth import check_warehouse, request_device
from core.errors import InvalidInput, NotFound
from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from fulfilment import hooks, selectors
from fulfilment import services as fulfilment_services
from fulfilment.models import Order, OrderLine, OrderStatus
from inventory.api_serializers import CodeField
from inventory.apis import (
    WAREHOUSE_PARAMETER,
    Pagination,
    UtcIsoDateTimeFilter,
    WarehouseScoped,
    actor_for,
    resolve_warehouse,
    sku_for_scan,
)
from inventory.selectors import skus_with_barcodes

# --- serializers ------------------------------------------------------------------------------


class OrderLineOutSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="Offer id.")
    sku_name = serializers.CharField(source="sku.name")
    barcodes = serializers.SerializerMethodField()

    class Meta:
        model = OrderLine
        fields = ["sku", "sku_name", "barcodes", "quantity", "reserved_quantity", "packed_quantity"]

    def get_barcodes(self, line: OrderLine) -> list[str]:
        return [barcode.code for barcode in line.sku.barcodes.all()]


class OrderOutSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    lines = OrderLineOutSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "external_number",
            "channel",
            "scheme",
            "warehouse",
            "status",
            "ship_by",
            "is_short",
            "packed_at",
            "shipped_at",
            "lines",
        ]


class PackScanInputSerializer(serializers.Serializer):
    barcode = CodeField(help_text="Scanned barcode of the item put in the box.")
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class PackScanResultSerializer(serializers.Serializer):
    sku = serializers.CharField(help_text="Offer id of the scanned item.")
    line_packed = serializers.IntegerField(help_text="Units of this SKU packed so far.")
    line_quantity = serializers.IntegerField(help_text="Units of this SKU on the order.")
    order_complete = serializers.BooleanField(
        help_text="Every line is packed: the order is packed."
    )
    remaining = serializers.DictField(
        child=serializers.IntegerField(), help_text="Offer id → units still to scan."
    )
    order = OrderOutSerializer()


class ShipBatchInputSerializer(serializers.Serializer):
    orders = serializers.ListField(
        child=CodeField(), min_length=1, max_length=200, help_text="Posting numbers."
    )


class ShipOutcomeSerializer(serializers.Serializer):
    order = serializers.CharField(help_text="Posting number.")
    ok = serializers.BooleanField()
    status = serializers.CharField(help_text="The order's status afterwards.")
    code = serializers.CharField(allow_null=True, help_text="Error code when not shipped.")
    message = serializers.CharField(allow_null=True)


class ShipBatchResultSerializer(serializers.Serializer):
    shipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = ShipOutcomeSerializer(many=True)


class OrderDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="e.g. label.")
    title = serializers.CharField(help_text="What to show on the button, in the user's language.")
    url = serializers.CharField(help_text="Where to download it (a PDF), with the same sign-in.")


class OrderDocumentsSerializer(serializers.Serializer):
    documents = OrderDocumentSerializer(many=True)


# --- helpers ----------------------------------------------------------------------------------


_ORDER_BY_NUMBER_FIELDS = ("id", "channel", "external_number", "warehouse", "status")


@cache
def _order_by_number_where() -> str:
    return f"WHERE {sql.column(Order, 'external_number')} = %s LIMIT 2"


def order_by_number(request: Request, number: str) -> Order:
    """The order with this posting number (``?channel=`` if two marketplaces share one)."""
    if not number.isprintable() or len(number) > 64:
        raise NotFound(f"No order {number!r}.", code="unknown_order")
    # What the checks and a failed batch outcome need; services lock and re-read the order.
    # Every scan reads it: written once, plain columns through ``sql.select`` (other fields
    # stay deferred).
    candidates = sql.select(Order, _ORDER_BY_NUMBER_FIELDS, _order_by_number_where(), [number])
    channel = request.query_params.get("channel")
    if channel:
        candidates = [o for o in candidates if o.channel == channel]
    if not candidates:
        raise NotFound(f"No order {number!r}.", code="unknown_order")
    if len(candidates) > 1:
        raise InvalidInput(
            f"Several marketplaces have an order {number!r}; add ?channel=.", code="ambiguous_order"
        )
    order = candidates[0]
    check_warehouse(request, order.warehouse_id, what=f"order {order.external_number}")
    return order


def order_reloaded(order: Order) -> Order:
    return selectors.orders_with_lines().get(pk=order.pk)


def order_out(order: Order) -> dict:
    return order_representation(order_reloaded(order))


def order_representation(
    order: Order,
    barcodes: dict[int, list[str]] | None = None,
    *,
    lines: list[OrderLine] | None = None,
) -> dict:
    """``OrderOutSerializer(order).data`` for an order with its lines, SKUs and barcodes loaded,
    without building the serializer tree (a tenth of a hand-over's CPU). The serializer still
    documents the response; ``test_order_api`` checks that both give the same JSON.

    ``barcodes`` (SKU id → codes, e.g. from ``inventory.selectors.skus_with_barcodes``) replaces the
    prefetched barcodes when the lines come without them; ``lines`` replaces ``order.lines``."""
    return {
        "id": order.pk,
        "external_number": order.external_number,
        "channel": order.channel,
        "scheme": order.scheme,
        "warehouse": order.warehouse.code,
        "status": order.status,
        "ship_by": datetime_text(order.ship_by),
        "is_short": order.is_short,
        "packed_at": datetime_text(order.packed_at),
        "shipped_at": datetime_text(order.shipped_at),
        "lines": [
            {
                "sku": line.sku.code,
                "sku_name": line.sku.name,
                "barcodes": (
                    barcodes[line.sku_id]
                    if barcodes is not None
                    else [barcode.code for barcode in line.sku.barcodes.all()]
                ),
                "quantity": line.quantity,
                "reserved_quantity": line.reserved_quantity,
                "packed_quantity": line.packed_quantity,
            }
            for line in (order.lines.all() if lines is None else lines)
        ],
    }


_ORDER_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="Posting number."
)
_CHANNEL = OpenApiParameter(
    "channel",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="Marketplace, only needed when two share a posting number.",
)


# --- order list and detail --------------------------------------------------------------------


class OrderFilter(StrictFilterSet):
    warehouse = django_filters.CharFilter(field_name="warehouse__code")
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    channel = django_filters.CharFilter()
    external_number = django_filters.CharFilter()
    sku = django_filters.CharFilter(field_name="lines__sku__code", distinct=True)
    ship_by_before = UtcIsoDateTimeFilter(field_name="ship_by", lookup_expr="lt")
    ship_by_after = UtcIsoDateTimeFilter(field_name="ship_by", lookup_expr="gte")
    is_short = django_filters.BooleanFilter()

    class Meta:
        model = Order
        fields = [
            "warehouse",
            "status",
            "channel",
            "external_number",
            "sku",
            "ship_by_before",
            "ship_by_after",
            "is_short",
        ]


class OrderListApi(WarehouseScoped, generics.ListAPIView):
    serializer_class = OrderOutSerializer
    filterset_class = OrderFilter
    pagination_class = Pagination

    def get_queryset(self):
        return self.scope(selectors.orders_with_lines().order_by("ship_by", "id"))

    @extend_schema(
        operation_id="order_list",
        summary="Orders (supervisors)",
        responses={200: OrderOutSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderDetailApi(APIView):
    @extend_schema(
        operation_id="order_detail",
        summary="One order by posting number (scan the label)",
        parameters=[_ORDER_NUMBER, _CHANNEL],
        responses={200: OrderOutSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(order_out(order_by_number(request, number)))


class PickListApi(APIView):
    @extend_schema(
        operation_id="pick_list",
        summary="Pick list of the warehouse: open orders by deadline, with lines",
        description="Orders awaiting packaging or handover, earliest ship-by first (at most 500).",
        parameters=[WAREHOUSE_PARAMETER],
        responses={200: OrderOutSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request) -> Response:
        warehouse = resolve_warehouse(request, request.query_params.get("warehouse"))
        orders = selectors.pick_list(warehouse=warehouse)[:500]
        return Response([order_representation(order) for order in orders])


# --- packing and handover ---------------------------------------------------------------------


class PackScanApi(APIView):
    @extend_schema(
        operation_id="order_pack_scan",
        summary="Pack an order by scanning an item into its box",
        description="Each scan is checked against the order's lines: an item not on the order "
        "(`wrong_item`) or one too many (`too_many`) is refused with 409 and a message saying "
        "what is still expected. When every line is scanned the order is packed "
        "(`awaiting_deliver`).",
        parameters=[_ORDER_NUMBER, _CHANNEL, IDEMPOTENCY_PARAMETER],
        request=PackScanInputSerializer,
        responses={200: PackScanResultSerializer, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        data = PackScanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_by_number(request, number)
        sku = sku_for_scan(data.validated_data["barcode"])
        result = fulfilment_services.order_pack_scan(
            order=order, sku=sku, quantity=data.validated_data["quantity"], actor=actor_for(request)
        )
        body = {
            "sku": sku.code,
            "line_packed": result.line.packed_quantity,
            "line_quantity": result.line.quantity,
            "order_complete": result.order_packed,
            "remaining": result.remaining,
            "order": order_reloaded(result.order),
        }
        return Response(PackScanResultSerializer(body).data)


class ShipApi(APIView):
    @extend_schema(
        operation_id="order_ship",
        summary="Hand one packed order over to the carrier",
        description="Reservations become shipments. A short order that still cannot be "
        "covered is refused (409 `order_short`); an unpacked one too (409 `not_packed`).",
        parameters=[_ORDER_NUMBER, _CHANNEL, IDEMPOTENCY_PARAMETER],
        request=None,
        responses={200: OrderOutSerializer, **error_responses(400, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        order = order_by_number(request, number)
        order, lines = fulfilment_services.order_ship_with_lines(
            order=order, actor=actor_for(request)
        )
        # The shipped order comes back with its lines; their SKUs and barcodes in one read, and
        # a device's warehouse is the order's (checked above), already loaded with the device.
        skus = skus_with_barcodes(sku_ids=[line.sku_id for line in lines])
        for line in lines:
            line.sku = skus[line.sku_id][0]
        device = request_device(request)
        if device is not None and device.warehouse_id == order.warehouse_id:
            order.warehouse = device.warehouse
        barcodes = {sku_id: codes for sku_id, (_, codes) in skus.items()}
        return Response(order_representation(order, barcodes, lines=lines))


class ShipBatchApi(APIView):
    @extend_schema(
        operation_id="order_ship_batch",
        summary="Hand a batch of packed orders over to the carrier",
        description="Each order is handed over on its own: one that fails (not packed, short) "
        "is reported and spoils no other. Unknown numbers (404) or another warehouse's orders "
        "(403) refuse the whole batch before anything changes.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ShipBatchInputSerializer,
        responses={200: ShipBatchResultSerializer, **error_responses(400, 404, 409, 422)},
    )
    # Each order is its own transaction: the key must not wrap the batch in one (deadlocks).
    @idempotent(atomic=False)
    def post(self, request: Request) -> Response:
        data = ShipBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        numbers = list(dict.fromkeys(data.validated_data["orders"]))
        orders = [order_by_number(request, number) for number in numbers]
        outcomes = fulfilment_services.order_ship_batch(orders=orders, actor=actor_for(request))
        results = [
            {
                "order": outcome.order.external_number,
                "ok": outcome.ok,
                "status": outcome.order.status,
                "code": outcome.error.code if outcome.error else None,
                "message": outcome.error.message if outcome.error else None,
            }
            for outcome in outcomes
        ]
        shipped = sum(1 for outcome in outcomes if outcome.ok)
        body = {"shipped": shipped, "failed": len(outcomes) - shipped, "results": results}
        return Response(ShipBatchResultSerializer(body).data)


class OrderDocumentsApi(APIView):
    @extend_schema(
        operation_id="order_documents",
        summary="What can be printed for an order (e.g. the marketplace's package label)",
        parameters=[_ORDER_NUMBER],
        responses={200: OrderDocumentsSerializer, **error_responses(404)},
    )
    def get(self, request: Request, number: str) -> Response:
        order = order_by_number(request, number)
        documents = hooks.order_documents(order)
        return Response(
            {"documents": [{"kind": d.kind, "title": d.title, "url": d.url} for d in documents]}
        )
