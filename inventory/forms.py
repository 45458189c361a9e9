"""Forms for the admin's stock operations. They validate input; the services do the work."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

from inventory.models import PurchaseOrderLine, StockLevel, Transfer, Warehouse


class PurchaseOrderReceiveForm(forms.Form):
    """One quantity field per PO line, pre-filled with what is still open."""

    def __init__(self, *args, lines: Iterable[PurchaseOrderLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku.code} · {line.sku.name}",
                min_value=0,
                initial=line.quantity_open,
                help_text=f"Received {line.quantity_received} of {line.quantity_ordered}.",
            )

    def quantities(self) -> dict[int, int]:
        """Line id → units to receive now."""
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}


class StockCountForm(forms.Form):
    """Counted units for each selected stock level, pre-filled with on hand."""

    reason = forms.CharField(
        max_length=200, required=False, help_text="Why the count happened (optional)."
    )

    def __init__(self, *args, levels: Iterable[StockLevel], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.levels = list(levels)
        for level in self.levels:
            self.fields[f"counted_{level.pk}"] = forms.IntegerField(
                label=f"{level.sku.code} @ {level.warehouse.code}",
                min_value=0,
                initial=level.on_hand,
                help_text=f"On hand {level.on_hand}, reserved {level.reserved}.",
            )
        self.order_fields([*(f"counted_{level.pk}" for level in self.levels), "reason"])

    def counts(self) -> dict[int, int]:
        """Stock level id → counted units."""
        return {level.pk: self.cleaned_data[f"counted_{level.pk}"] for level in self.levels}


class StockLevelAddForm(forms.ModelForm):
    """A new stock row, optionally with an opening balance (booked as an opening receipt)."""

    opening_quantity = forms.IntegerField(
        min_value=0,
        initial=0,
        help_text="Units on hand now; recorded in the ledger as an opening balance.",
    )

    class Meta:
        model = StockLevel
        fields = ["sku", "warehouse"]


class TransferAdminForm(forms.ModelForm):
    """The direction rule ``transfer_create`` enforces, as a form error."""

    class Meta:
        model = Transfer
        fields = ["number", "source", "destination", "expected_arrival"]

    def clean(self) -> dict:
        cleaned = super().clean()
        source, destination = cleaned.get("source"), cleaned.get("destination")
        if source and destination:
            # Same warehouse: the model's CheckConstraint reports it, with the same message.
            if source.pk != destination.pk and (
                source.kind != Warehouse.Kind.OWN or destination.kind != Warehouse.Kind.FBO
            ):
                raise forms.ValidationError(
                    "Transfers go from an own warehouse to a marketplace FBO warehouse.",
                    code="transfer_direction",
                )
        return cleaned
