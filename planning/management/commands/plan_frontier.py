"""``manage.py plan_frontier [--days 91] [--date D] [--sku CODE …]``: store the frontier."""

from __future__ import annotations

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from planning.frontier_runs import frontier_compute


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Replay the last N days with Zapas at several service targets and the naive min/max at "
        "several multipliers; store fill rate against inventory value for the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=91, help="Test days (default 91).")
        parser.add_argument("--date", type=_iso_date, help="End of the test (default today).")
        parser.add_argument("--sku", nargs="+", default=None, metavar="CODE")
        parser.add_argument("--seed", type=int, default=0, help="Lead-time draws seed.")

    def handle(self, *args, **options) -> None:
        try:
            result = frontier_compute(
                days=options["days"],
                plan_date=options["date"],
                sku_codes=options["sku"],
                seed=options["seed"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Frontier of the {result.days} days to {result.plan_date} over {result.skus} "
                f"SKUs stored (#{result.pk})."
            )
        )
        for p in result.points:
            self.stdout.write(
                f"  {p['policy']:<14} {p['setting']:>6g}  fill {p['fill_rate']:.1%}  "
                f"value {p['avg_inventory_value']:,.0f}  cancelled {p['cancelled_orders']:,.0f}"
            )
