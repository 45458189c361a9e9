"""``manage.py backtest --days 90``: Zapas's policy against a fixed min/max on recent history."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planning.backtest import backtest_catalogue


class Command(BaseCommand):
    help = (
        "Replay the last N days of demand with Zapas's reorder policy and with a fixed min/max "
        "(min = average demand × (lead time + review), max = 2 × min) and compare fill rate, "
        "stock-out days, cancellations and average inventory value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="Test days (default 90).")
        parser.add_argument("--date", type=date.fromisoformat, help="End of the test (today).")
        parser.add_argument("--sku", nargs="+", default=None, metavar="CODE")
        parser.add_argument("--seed", type=int, default=0, help="Lead-time draws seed.")

    def handle(self, *args, **options) -> None:
        if options["days"] < 7:
            raise CommandError("--days must be at least 7.")
        try:
            report = backtest_catalogue(
                days=options["days"],
                plan_date=options["date"],
                sku_codes=options["sku"],
                seed=options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        zapas, naive = report.policies["zapas"], report.policies["naive_min_max"]
        w = self.stdout.write
        w(
            f"Backtest of the {report.days} days to {report.plan_date}: {report.skus} SKUs, "
            f"{report.demand_units:,.0f} units demanded."
        )
        w(f"{'':28}{'Zapas':>16}{'fixed min/max':>16}")
        w(f"{'fill rate':28}{zapas.fill_rate:>16.2%}{naive.fill_rate:>16.2%}")
        w(
            f"{'stock-out days (SKU-days)':28}{zapas.stockout_days:>16,.0f}{naive.stockout_days:>16,.0f}"
        )
        w(f"{'lost units':28}{zapas.lost_units:>16,.0f}{naive.lost_units:>16,.0f}")
        w(
            f"{'cancelled orders':28}{zapas.cancelled_orders:>16,.0f}"
            f"{naive.cancelled_orders:>16,.0f}"
        )
        w(
            f"{'average inventory value':28}{zapas.avg_inventory_value:>16,.0f}"
            f"{naive.avg_inventory_value:>16,.0f}"
        )
        w(self.style.SUCCESS(f"Cancellations avoided: {report.cancellations_avoided:,.0f}"))
