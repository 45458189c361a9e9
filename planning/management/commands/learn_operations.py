"""``manage.py learn_operations [--date D]``: learn from the seller's own operations now."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from planning.operations import operations_refresh
from planning.supplier_learning import supplier_performance_refresh


class Command(BaseCommand):
    help = (
        "Recompute supplier lead times and scorecards from receipts, prep-time advice, packing "
        "capacity and its two-week outlook, and the day's cycle-count list (the nightly plan "
        "does this too)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="As of (default today).")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every purchase order of the window again, not only the changed dates.",
        )

    def handle(self, *args, **options) -> None:
        as_of = options["date"] or timezone.localdate()
        figures = {
            "supplier_performance": supplier_performance_refresh(as_of=as_of, full=options["full"])
        }
        figures.update(operations_refresh(as_of=as_of))
        for name, rows in figures.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {rows} rows")
