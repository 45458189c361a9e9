from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from fulfilment.imports import orders_import
from inventory.models import Warehouse


class Command(BaseCommand):
    help = "Import marketplace orders (Ozon FBS postings) from a JSON or CSV file."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", choices=["json", "csv"], help="Default: from the suffix.")
        parser.add_argument("--channel", default="ozon")
        parser.add_argument("--warehouse", help="Warehouse code for postings that name none.")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the good postings and report the bad ones (default: a file with bad "
            "postings imports nothing).",
        )

    def handle(
        self, *args, path, format=None, channel="ozon", warehouse=None, skip_bad_rows=False, **opts
    ):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        default_warehouse = None
        if warehouse:
            default_warehouse = Warehouse.objects.filter(code=warehouse).first()
            if default_warehouse is None:
                raise CommandError(f"Unknown warehouse {warehouse!r}.")
        try:
            report = orders_import(
                content=file.read_bytes(),
                fmt=format or file.suffix,
                channel=channel,
                default_warehouse=default_warehouse,
                skip_bad_rows=skip_bad_rows,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{report.read} postings: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.failed} failed."
        )
        for error in report.errors:
            self.stdout.write(
                f"  row {error.row} {error.posting_number}: {error.code}: {error.message}"
            )
        if report.status == "failed":
            raise CommandError("Nothing was imported: fix the rows above or pass --skip-bad-rows.")
