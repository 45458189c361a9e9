"""Forms of the planning admin."""

from __future__ import annotations

from django import forms

from core.errors import InvalidInput
from core.uploads import upload_size_check
from planning.sales_parse import DEFAULT_EXCLUDE_CODES, ImportOptions

_DEFAULTS = ImportOptions()


class SalesImportForm(forms.Form):
    """Upload a sales export; the column fields default to the Online Retail layout."""

    file = forms.FileField(help_text="CSV (plain or .gz) or XLSX; one row per order line.")
    sku_column = forms.CharField(initial=_DEFAULTS.sku_column)
    quantity_column = forms.CharField(initial=_DEFAULTS.quantity_column)
    date_column = forms.CharField(initial=_DEFAULTS.date_column)
    date_format = forms.CharField(
        initial=_DEFAULTS.date_format, help_text="strptime format; only the day is kept."
    )
    price_column = forms.CharField(
        initial=_DEFAULTS.price_column, required=False, help_text="Empty = none."
    )
    document_column = forms.CharField(
        initial=_DEFAULTS.document_column, required=False, help_text="Empty = none."
    )
    description_column = forms.CharField(
        initial=_DEFAULTS.description_column, required=False, help_text="Empty = none."
    )
    cancelled_prefix = forms.CharField(
        initial=_DEFAULTS.cancelled_prefix,
        required=False,
        help_text="Documents whose number starts with this are cancellations.",
    )
    exclude_codes = forms.CharField(
        initial=",".join(DEFAULT_EXCLUDE_CODES),
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Non-product codes to skip, comma-separated; * and ? are wildcards.",
    )
    upper_codes = forms.BooleanField(required=False, label="Upper-case SKU codes")
    create_skus = forms.BooleanField(required=False, label="Create unknown SKUs")
    skip_unknown_skus = forms.BooleanField(
        required=False,
        label="Leave out the rows of unknown SKUs (default: a file with unknown SKUs imports nothing)",
    )
    skip_bad_rows = forms.BooleanField(
        required=False, label="Skip bad rows (default: a file with bad rows imports nothing)"
    )
    dry_run = forms.BooleanField(required=False, label="Dry run (report only)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_size_check(upload)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload

    def import_options(self) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            sku_column=data["sku_column"],
            quantity_column=data["quantity_column"],
            date_column=data["date_column"],
            date_format=data["date_format"],
            price_column=data["price_column"],
            document_column=data["document_column"],
            description_column=data["description_column"],
            cancelled_prefix=data["cancelled_prefix"],
            exclude_codes=tuple(
                code.strip() for code in data["exclude_codes"].split(",") if code.strip()
            ),
            upper_codes=data["upper_codes"],
            create_skus=data["create_skus"],
            skip_unknown_skus=data["skip_unknown_skus"],
            skip_bad_rows=data["skip_bad_rows"],
        )
