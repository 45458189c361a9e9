"""django-import-export resources: suppliers, SKUs (with barcodes) and supplier items.

Rows are matched on natural keys (codes), never on database ids. Bad values become row-level
validation errors shown in the import preview; nothing is half-imported (the admin import runs
in a transaction).
"""

from __future__ import annotations

from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from import_export import fields, resources, widgets

from core.barcodes import validate_barcode
from inventory.models import Barcode, Sku, Supplier, SupplierItem

BARCODE_SEPARATOR = ";"


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by its ``code``; an unknown code is a row error with a clear message."""

    def clean(self, value, row=None, **kwargs):
        value = (str(value).strip() if value is not None else "") or None
        if value is None:
            return None
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: value})
        except self.model.DoesNotExist as exc:
            raise ValueError(f"Unknown {self.model._meta.verbose_name} code {value!r}.") from exc


class StrictDecimalWidget(widgets.DecimalWidget):
    """A number that does not parse is a validation error on its column, not a crash."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (InvalidOperation, TypeError) as exc:
            raise ValueError(f"{value!r} is not a number.") from exc


class ZapasResource(resources.ModelResource):
    WIDGETS_MAP = {**resources.ModelResource.WIDGETS_MAP, "DecimalField": StrictDecimalWidget}


class SupplierResource(ZapasResource):
    class Meta:
        model = Supplier
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "contact",
            "currency",
            "lead_time_mean_days",
            "lead_time_sd_days",
            "order_cycle_days",
            "min_order_value",
            "is_active",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class SkuResource(ZapasResource):
    """SKUs keyed by ``code``; ``barcodes`` is a ``;``-separated list that replaces the SKU's."""

    barcodes = fields.Field(column_name="barcodes", attribute=None, readonly=False)

    class Meta:
        model = Sku
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "barcodes",
            "unit_cost",
            "sale_price",
            "weight_kg",
            "volume_l",
            "fbs_prep_days",
            "scheme",
            "service_level",
            "abc_class",
            "is_active",
        ]
        export_order = fields
        clean_model_instances = True

    def export(self, queryset: QuerySet | None = None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        return super().export(queryset=queryset.prefetch_related("barcodes"), **kwargs)

    def dehydrate_barcodes(self, sku: Sku) -> str:
        return BARCODE_SEPARATOR.join(b.code for b in sku.barcodes.all())

    def import_instance(self, instance: Sku, row, **kwargs) -> None:
        errors: dict[str, ValidationError] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        instance._imported_barcodes = None
        if "barcodes" in row:
            try:
                instance._imported_barcodes = self._parse_barcodes(instance, row["barcodes"])
            except ValidationError as exc:
                errors["barcodes"] = exc
        if errors:
            raise ValidationError(errors)

    def _parse_barcodes(self, sku: Sku, raw) -> list[tuple[str, str]]:
        """``[(code, symbology)]`` after checking digits and that no other SKU owns a code."""
        codes = [c.strip() for c in str(raw or "").split(BARCODE_SEPARATOR) if c.strip()]
        problems: list[str] = []
        parsed: list[tuple[str, str]] = []
        for code in dict.fromkeys(codes):
            try:
                parsed.append((code, validate_barcode(code)))
            except ValidationError as exc:
                problems.extend(exc.messages)
        taken = Barcode.objects.filter(code__in=[c for c, _ in parsed]).select_related("sku")
        if sku.pk is not None:
            taken = taken.exclude(sku_id=sku.pk)
        problems.extend(f"Barcode {b.code} already belongs to SKU {b.sku.code}." for b in taken)
        if problems:
            raise ValidationError(problems)
        return parsed

    def after_save_instance(self, instance: Sku, row, **kwargs) -> None:
        wanted = getattr(instance, "_imported_barcodes", None)
        if wanted is None or instance.pk is None:
            return
        codes = {code for code, _ in wanted}
        instance.barcodes.exclude(code__in=codes).delete()
        existing = set(instance.barcodes.values_list("code", flat=True))
        Barcode.objects.bulk_create(
            Barcode(sku=instance, code=code, symbology=symbology)
            for code, symbology in wanted
            if code not in existing
        )


class SupplierItemResource(ZapasResource):
    """Who supplies what, keyed by (SKU code, supplier code)."""

    sku = fields.Field(
        column_name="sku", attribute="sku", widget=CodeForeignKeyWidget(Sku, field="code")
    )
    supplier = fields.Field(
        column_name="supplier",
        attribute="supplier",
        widget=CodeForeignKeyWidget(Supplier, field="code"),
    )

    class Meta:
        model = SupplierItem
        import_id_fields = ["sku", "supplier"]
        fields = [
            "sku",
            "supplier",
            "supplier_code",
            "unit_cost",
            "moq",
            "pack_size",
            "lead_time_mean_days",
            "lead_time_sd_days",
            "is_primary",
        ]
        export_order = fields
        clean_model_instances = True

    def get_queryset(self) -> QuerySet[SupplierItem]:
        return super().get_queryset().select_related("sku", "supplier")

    def get_instance(self, instance_loader, row):
        # An unknown code in a key column means a new row; import_instance() then reports it
        # as a validation error on that column instead of a bare exception.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def export(self, queryset: QuerySet | None = None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        return super().export(queryset=queryset.select_related("sku", "supplier"), **kwargs)

    def validate_instance(
        self, instance: SupplierItem, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        if instance.is_primary and instance.sku_id and "sku" not in errors:
            others = SupplierItem.objects.filter(sku_id=instance.sku_id, is_primary=True)
            if instance.pk is not None:
                others = others.exclude(pk=instance.pk)
            other = others.select_related("supplier").first()
            if other is not None:
                errors["is_primary"] = ValidationError(
                    f"SKU {instance.sku.code} already has primary supplier {other.supplier.code}."
                )
        super().validate_instance(instance, errors, validate_unique)
