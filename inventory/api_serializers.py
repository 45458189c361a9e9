"""Input and output serializers of the inventory API (``inventory/apis.py``).

Input serializers only validate shapes; the services decide everything else.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from core.api_strict import ClosedSerializer
from inventory.models import StockLevel, StockMovement, Transfer, TransferLine

CODE_MAX = 64


#: No white space, control or invisible format characters; Cyrillic offer ids are fine. The
#: schema states the same pattern (lone surrogates never get this far: core.parsers).
CODE_PATTERN = r"^[^\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]+$"
CODE_MESSAGE = "Printable characters without spaces only."


class CodeField(serializers.CharField):
    """A barcode, offer id or document number: printable, no spaces, at most 64 characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", CODE_MAX)
        kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(CODE_PATTERN, message=CODE_MESSAGE))


# --- output -----------------------------------------------------------------------------------


class SkuBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="Offer id.")
    name = serializers.CharField()


class WarehouseBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["own", "fbo"])


class WhoAmISerializer(serializers.Serializer):
    username = serializers.CharField()
    device = serializers.CharField(allow_null=True, help_text="Device name; null for staff.")
    warehouse = WarehouseBriefSerializer(
        allow_null=True, help_text="The device's warehouse; null for staff."
    )
    warehouses = WarehouseBriefSerializer(many=True, help_text="Warehouses this caller may use.")


class MovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="Offer id.")
    warehouse = serializers.CharField(source="warehouse.code")
    user = serializers.CharField(source="user.username", allow_null=True, default=None)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku",
            "warehouse",
            "kind",
            "quantity",
            "on_hand_after",
            "reason",
            "document_type",
            "document_ref",
            "user",
            "device",
            "created_at",
        ]


class StockLevelSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="Offer id.")
    sku_name = serializers.CharField(source="sku.name")
    warehouse = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField(source="available_qty")

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "sku",
            "sku_name",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "updated_at",
        ]


class ReceiptLineSerializer(serializers.Serializer):
    sku = serializers.CharField(help_text="Offer id.")
    quantity_ordered = serializers.IntegerField()
    quantity_received = serializers.IntegerField()
    quantity_open = serializers.IntegerField()


class ReceiptResultSerializer(serializers.Serializer):
    purchase_order = serializers.CharField(help_text="PO number.")
    purchase_order_status = serializers.CharField()
    line = ReceiptLineSerializer()
    movement = MovementSerializer()
    on_hand = serializers.IntegerField(help_text="On hand of the SKU at the warehouse afterwards.")


class CountResultSerializer(serializers.Serializer):
    sku = SkuBriefSerializer()
    warehouse = serializers.CharField()
    expected = serializers.IntegerField(help_text="On hand before the count.")
    counted = serializers.IntegerField()
    variance = serializers.IntegerField(help_text="counted − expected; 0 writes no movement.")
    movement = MovementSerializer(allow_null=True)


class TransferLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="Offer id.")

    class Meta:
        model = TransferLine
        fields = ["sku", "quantity", "quantity_dispatched", "quantity_received"]


class TransferSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.code")
    destination = serializers.CharField(source="destination.code")
    lines = TransferLineSerializer(many=True)

    class Meta:
        model = Transfer
        fields = [
            "number",
            "status",
            "source",
            "destination",
            "dispatched_at",
            "expected_arrival",
            "received_at",
            "lines",
        ]


# --- input ------------------------------------------------------------------------------------


class ReceiptInputSerializer(serializers.Serializer):
    purchase_order = CodeField(help_text="Purchase order number, e.g. PO-260301-1A2B3C.")
    barcode = CodeField(help_text="Scanned barcode (or offer id).")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)


class CountInputSerializer(serializers.Serializer):
    barcode = CodeField()
    counted = serializers.IntegerField(min_value=0, max_value=10_000_000)
    warehouse = CodeField(
        required=False, help_text="Warehouse code; staff only (a device counts its own)."
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TransferReceiveLineSerializer(serializers.Serializer):
    barcode = CodeField()
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class TransferReceiveInputSerializer(ClosedSerializer):
    # Closed: "no lines" means everything in transit, so a misspelt key must not read as none.
    lines = TransferReceiveLineSerializer(
        many=True,
        required=False,
        help_text="What arrived (at least one line); omit the field to receive everything "
        "still in transit.",
    )
