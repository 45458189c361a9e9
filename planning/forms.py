"""Forms of the planning admin."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from core.uploads import upload_size_check
from planning.sales_parse import PRESETS, ImportOptions

_COLUMNS = (
    "sku_column",
    "quantity_column",
    "date_column",
    "date_format",
    "price_column",
    "document_column",
    "description_column",
    "status_column",
    "cancelled_prefix",
)
_DELIMITERS = [
    ("", _("detect")),
    (";", _("semicolon ;")),
    (",", _("comma ,")),
    ("\t", _("tab")),
    ("|", _("bar |")),
]
_ENCODINGS = [
    ("", _("detect")),
    ("utf-8-sig", "UTF-8"),
    ("cp1251", "Windows-1251"),
    ("utf-16", "UTF-16"),
    ("koi8-r", "KOI8-R"),
    ("cp866", "CP866 (DOS)"),
]


def _blank_is_preset(label):
    return forms.CharField(
        label=label, required=False, help_text=_("Empty = the preset's (see the table below).")
    )


class SalesImportForm(forms.Form):
    """Upload a sales export: a preset names the columns of a known export, a field filled in
    overrides the preset's; encoding and delimiter are detected unless chosen."""

    file = forms.FileField(
        label=_("file"), help_text=_("CSV (plain or .gz) or XLSX; one row per order line.")
    )
    preset = forms.ChoiceField(
        label=_("export"),
        choices=[(name, _(preset.label)) for name, preset in PRESETS.items()],
        initial="online_retail",
    )
    encoding = forms.ChoiceField(label=_("encoding"), choices=_ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("delimiter"), choices=_DELIMITERS, required=False)
    sku_column = _blank_is_preset(_("SKU column"))
    quantity_column = _blank_is_preset(_("quantity column"))
    date_column = _blank_is_preset(_("date column"))
    date_format = _blank_is_preset(_("date format (strptime; only the day is kept)"))
    price_column = _blank_is_preset(_("price column"))
    document_column = _blank_is_preset(_("document column"))
    description_column = _blank_is_preset(_("description column"))
    status_column = _blank_is_preset(_("status column"))
    cancelled_prefix = _blank_is_preset(_("cancelled prefix"))
    exclude_codes = forms.CharField(
        label=_("non-product codes"),
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text=_(
            "Codes to skip, comma-separated; * and ? are wildcards. Empty = the preset's; "
            "a single - skips none."
        ),
    )
    upper_codes = forms.BooleanField(required=False, label=_("Upper-case SKU codes"))
    create_skus = forms.BooleanField(required=False, label=_("Create unknown SKUs"))
    skip_unknown_skus = forms.BooleanField(
        required=False,
        label=_(
            "Leave out the rows of unknown SKUs (default: a file with unknown SKUs imports nothing)"
        ),
    )
    skip_bad_rows = forms.BooleanField(
        required=False, label=_("Skip bad rows (default: a file with bad rows imports nothing)")
    )
    dry_run = forms.BooleanField(required=False, label=_("Dry run (report only)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_size_check(upload)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload

    def import_options(self) -> ImportOptions:
        data = self.cleaned_data
        overrides = {name: data[name] for name in _COLUMNS if data[name]}
        if data["exclude_codes"] == "-":
            overrides["exclude_codes"] = ()
        elif data["exclude_codes"]:
            overrides["exclude_codes"] = tuple(
                code.strip() for code in data["exclude_codes"].split(",") if code.strip()
            )
        return PRESETS[data["preset"]].options(
            **overrides,
            encoding=data["encoding"],
            delimiter=data["delimiter"],
            upper_codes=data["upper_codes"],
            create_skus=data["create_skus"],
            skip_unknown_skus=data["skip_unknown_skus"],
            skip_bad_rows=data["skip_bad_rows"],
        )


def preset_table() -> list[tuple[str, ImportOptions]]:
    """Each preset's label and options, for the table on the import page."""
    return [(_(preset.label), preset.options()) for preset in PRESETS.values()]
