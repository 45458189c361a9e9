"""Scanner API for planning figures warehouse staff act on: today's cycle-count list."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from inventory.apis import WAREHOUSE_PARAMETER, resolve_warehouse
from planning.cycle_counts import cycle_count_tasks


class CycleCountTaskSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    sku = serializers.CharField(source="sku.code")
    name = serializers.CharField(source="sku.name")
    barcode = serializers.CharField(allow_null=True)
    abc_class = serializers.CharField()
    on_hand = serializers.IntegerField(help_text="On hand when the list was made.")
    days_since_count = serializers.IntegerField(allow_null=True)
    done = serializers.BooleanField(help_text="Counted today.")


class CycleCountListSerializer(serializers.Serializer):
    warehouse = serializers.CharField()
    date = serializers.DateField()
    tasks = CycleCountTaskSerializer(many=True)


class CycleCountListApi(APIView):
    @extend_schema(
        operation_id="cycle_counts_today",
        summary="Today's cycle-count list",
        description="The SKUs to count today at the warehouse, most urgent first (ABC cycle "
        "counting: value, velocity, time since the last count, past variances), each marked "
        "done once counted today.",
        parameters=[WAREHOUSE_PARAMETER],
        responses={200: CycleCountListSerializer, **error_responses(400, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        warehouse = resolve_warehouse(request, request.query_params.get("warehouse"))
        today = timezone.localdate()
        tasks = list(
            cycle_count_tasks(warehouse=warehouse, day=today).prefetch_related("sku__barcodes")
        )
        for task in tasks:
            codes = [b.code for b in task.sku.barcodes.all()]
            task.barcode = codes[0] if codes else None
        body = {"warehouse": warehouse.code, "date": today, "tasks": tasks}
        return Response(CycleCountListSerializer(body).data)
