"""``manage.py import_sales FILE``: import a sales export into the demand history."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from planning.models import SalesImport
from planning.sales_import import sales_import
from planning.sales_parse import PRESETS, ImportOptions

_DEFAULTS = ImportOptions()


class Command(BaseCommand):
    help = (
        "Import transaction-level sales history (CSV, gzip'd CSV or XLSX; one row per order "
        "line) as daily demand per SKU. Re-importing the same file changes nothing; for days an "
        "earlier import covered, the latest file wins. Defaults fit the UCI Online Retail layout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            default="online_retail",
            help="Column names and formats of a known export (default %(default)s); the options "
            "below override single fields.",
        )
        columns = parser.add_argument_group("columns (empty = the file has none)")
        columns.add_argument("--sku-column")
        columns.add_argument("--quantity-column")
        columns.add_argument("--date-column")
        columns.add_argument("--price-column")
        columns.add_argument("--document-column")
        columns.add_argument("--description-column")
        columns.add_argument("--status-column")
        parser.add_argument(
            "--date-format",
            help=f"strptime format of the date column (default {_DEFAULTS.date_format}; "
            "only the day is kept).",
        )
        parser.add_argument("--delimiter", help="default: detected from the header line")
        parser.add_argument("--encoding", help="default: detected (charset-normalizer)")
        parser.add_argument(
            "--cancelled-prefix",
            help="Documents whose number starts with this are cancellations "
            f"(default {_DEFAULTS.cancelled_prefix}).",
        )
        parser.add_argument(
            "--cancelled-statuses",
            help="Comma-separated values of the status column that mark cancellations.",
        )
        parser.add_argument(
            "--exclude-codes",
            help="Comma-separated non-product codes to skip; * and ? are wildcards, case is "
            "ignored (default: the preset's). Pass an empty string to skip none.",
        )
        parser.add_argument(
            "--upper-codes",
            action="store_true",
            help="Upper-case SKU codes (85123a and 85123A are one product).",
        )
        parser.add_argument(
            "--create-skus",
            action="store_true",
            help="Create unknown SKUs (name from the description, price from the file).",
        )
        parser.add_argument(
            "--skip-unknown-skus",
            action="store_true",
            help="Leave out (and report) the rows of unknown SKUs. Without this or "
            "--create-skus, a file with unknown SKUs imports nothing.",
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the good rows of a file with bad rows (default: import nothing).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report; write nothing."
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        overrides = {
            name: options[name]
            for name in (
                "sku_column",
                "quantity_column",
                "date_column",
                "price_column",
                "document_column",
                "description_column",
                "status_column",
                "date_format",
                "cancelled_prefix",
                "delimiter",
                "encoding",
            )
            if options[name] is not None
        }
        for name in ("exclude_codes", "cancelled_statuses"):
            if options[name] is not None:
                overrides[name] = tuple(
                    code.strip() for code in options[name].split(",") if code.strip()
                )
        import_options = PRESETS[options["preset"]].options(
            **overrides,
            upper_codes=options["upper_codes"],
            create_skus=options["create_skus"],
            skip_unknown_skus=options["skip_unknown_skus"],
            skip_bad_rows=options["skip_bad_rows"],
        )
        try:
            with path.open("rb") as file:
                report = sales_import(
                    file=file,
                    file_name=path.name,
                    options=import_options,
                    dry_run=options["dry_run"],
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for line in report.lines():
            self.stdout.write(line)
        if report.status == SalesImport.Status.FAILED:
            reasons = []
            if report.bad_row_count:
                reasons.append(f"{report.bad_row_count} bad rows (or pass --skip-bad-rows)")
            if report.unknown_sku_count:
                reasons.append(
                    f"{report.unknown_sku_count} unknown SKUs "
                    "(pass --create-skus or --skip-unknown-skus)"
                )
            raise CommandError(f"Nothing imported: {'; '.join(reasons)}.")
