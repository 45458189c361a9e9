"""``manage.py seed_demo``: fill an empty database with a realistic, reproducible demo catalogue."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import catalogue as demo


class Command(BaseCommand):
    help = (
        "Create a reproducible demo catalogue: suppliers, warehouses, SKUs with barcodes, "
        "daily demand history, stock with its ledger, open purchase orders and transfers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skus", type=int, default=demo.DEFAULT_SKUS, help="Number of SKUs.")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--days",
            type=int,
            default=demo.DEFAULT_DAYS,
            help="Days of demand history, ending yesterday.",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete the catalogue and everything referring to it (orders, plans, stock, "
            "demand) first.",
        )

        parser.add_argument(
            "--no-orders",
            action="store_true",
            help="Skip the fulfilment app's demo orders (benchmarks of the catalogue alone).",
        )

    def handle(self, *args, skus: int, seed: int, days: int, flush: bool, **options) -> None:
        if skus < 1:
            raise CommandError("--skus must be at least 1.")
        if days < 28:
            raise CommandError("--days must be at least 28.")
        verbose = options["verbosity"] > 1
        try:
            result = demo.seed_demo(
                skus=skus,
                seed=seed,
                days=days,
                flush=flush,
                orders=not options["no_orders"],
                log=(lambda m: self.stdout.write(f"  {m}")) if verbose or skus > 5000 else None,
            )
        except demo.DemoDataExists as exc:
            raise CommandError(str(exc)) from exc
        classes = ", ".join(f"{name} {count}" for name, count in result.class_counts.items())
        timings = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in result.timings.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data (seed {seed}): {result.skus} SKUs, {result.suppliers} suppliers, "
                f"{result.warehouses} warehouses, {result.barcodes} barcodes, "
                f"{result.supplier_items} supplier items, {result.substitutes} substitutes."
            )
        )
        self.stdout.write(
            f"  demand: {result.demand_rows:,} rows over {days} days, "
            f"{result.demand_units:,} units ({classes})\n"
            f"  stock: {result.stock_units:,} units in {result.stock_levels:,} levels, "
            f"{result.movements:,} ledger rows\n"
            f"  documents: {result.purchase_orders} open purchase orders, "
            f"{result.transfers} transfers in transit"
            + ("; fulfilment demo orders seeded" if result.orders_seeded else "")
            + f"\n  history: {result.received_purchase_orders} received purchase orders and "
            f"{result.counts} cycle counts over the year before"
            + f"\n  time: {result.seconds:.1f}s ({timings})"
        )
