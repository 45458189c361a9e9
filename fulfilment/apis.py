"""Read-only API for seller metrics: ``GET /api/v1/fulfilment/metrics/``."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.auth import check_warehouse_code, request_device
from core.errors import InvalidInput
from fulfilment.metrics import seller_metrics
from fulfilment.models import OrderScheme
from inventory.apis import warehouse_by_code


class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="Fraction 0–1; null without data.")
    level = serializers.ChoiceField(
        choices=["ok", "warning", "danger", ""], help_text="Against the configured thresholds."
    )


class MetricWindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    warehouse = serializers.CharField(
        source="warehouse_code", allow_null=True, help_text="Warehouse code; null = all."
    )
    cancellation_rate = RateSerializer(help_text="Seller-caused cancellations ÷ orders accepted.")
    late_shipment_rate = RateSerializer(help_text="Handed over late ÷ handed over.")
    on_time_rate = RateSerializer(help_text="Handed over by the deadline ÷ orders due.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["warehouse"] = data["warehouse"] or None
        return data


class ThresholdSerializer(serializers.Serializer):
    warning = serializers.FloatField()
    danger = serializers.FloatField()


class ThresholdsSerializer(serializers.Serializer):
    cancellation_rate = ThresholdSerializer()
    late_shipment_rate = ThresholdSerializer()
    on_time_rate = ThresholdSerializer()


class SellerMetricsSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    scheme = serializers.CharField(allow_null=True)
    thresholds = ThresholdsSerializer()
    windows = MetricWindowSerializer(many=True)


class SellerMetricsApi(APIView):
    """Cancellation, late-shipment and on-time rates over rolling windows (7, 14, 30 days by
    default), overall and per warehouse. Read-only; staff session or device token. A device
    sees its own warehouse only: naming another is 403 ``wrong_warehouse``."""

    @extend_schema(
        operation_id="seller_metrics",
        tags=["fulfilment"],
        parameters=[
            OpenApiParameter(
                "warehouse",
                OpenApiTypes.STR,
                description="Only this warehouse (code). A device gets its own warehouse "
                "and may name no other.",
            ),
            OpenApiParameter(
                "scheme",
                OpenApiTypes.STR,
                enum=[*OrderScheme.values, "all"],
                description="fbs (default), fbo or all.",
            ),
        ],
        responses={200: SellerMetricsSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request) -> Response:
        scheme = request.query_params.get("scheme", OrderScheme.FBS)
        if scheme not in (*OrderScheme.values, "all"):
            raise InvalidInput(
                f"Unknown scheme {scheme!r}; use fbs, fbo or all.", code="invalid_scheme"
            )
        # A device sees its own warehouse only (another code is 403, known or not); staff see
        # every warehouse, or the one they name.
        code = request.query_params.get("warehouse")
        check_warehouse_code(request, code)
        device = request_device(request)
        warehouse_id = None
        if device is not None:
            warehouse_id = device.warehouse_id
        elif code:
            warehouse_id = warehouse_by_code(code).pk
        metrics = seller_metrics(
            scheme=None if scheme == "all" else scheme, warehouse_id=warehouse_id
        )
        return Response(SellerMetricsSerializer(metrics).data)
