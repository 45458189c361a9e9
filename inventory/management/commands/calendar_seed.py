"""``manage.py calendar_seed --country RU``: public holidays into the warehouse calendars."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.errors import DomainError
from inventory.models import Warehouse
from inventory.services import warehouse_calendar_seed


class Command(BaseCommand):
    help = (
        "Add a country's public holidays (days off) and moved working days to warehouse "
        "calendars, from the holidays package. Days already listed are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", default="RU", help="ISO country code (default RU).")
        parser.add_argument(
            "--year", type=int, action="append", help="Year(s); default this year and next."
        )
        parser.add_argument(
            "--warehouse", action="append", help="Warehouse code(s); default every own one."
        )

    def handle(self, *args, **options) -> None:
        this_year = timezone.localdate().year
        years = options["year"] or [this_year, this_year + 1]
        warehouses = Warehouse.objects.filter(kind=Warehouse.Kind.OWN).order_by("code")
        if options["warehouse"]:
            warehouses = Warehouse.objects.filter(code__in=options["warehouse"]).order_by("code")
            missing = set(options["warehouse"]) - set(warehouses.values_list("code", flat=True))
            if missing:
                raise CommandError(f"Unknown warehouse(s): {', '.join(sorted(missing))}.")
        for warehouse in warehouses:
            try:
                off, working = warehouse_calendar_seed(
                    warehouse=warehouse, country=options["country"], years=years
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                f"{warehouse.code}: {off} days off and {working} working days added "
                f"({options['country'].upper()} {', '.join(map(str, years))})."
            )
