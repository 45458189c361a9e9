"""``manage.py check_stock``: is every on hand equal to the sum of its ledger?"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import stock_anomalies, stock_drift


class Command(BaseCommand):
    help = (
        "Compare every stock level's on hand with the sum of its ledger and report drift, "
        "negative quantities and reservations above on hand. Exits with status 1 if any."
    )

    def handle(self, *args, **options) -> None:
        drift = stock_drift()
        anomalies = stock_anomalies()
        if drift:
            self.stdout.write(
                self.style.ERROR(f"{len(drift)} stock level(s) drift from the ledger:")
            )
            self.stdout.write(
                f"{'SKU':<24} {'warehouse':<12} {'on hand':>10} {'ledger':>10} {'difference':>11}"
            )
            for row in drift:
                self.stdout.write(
                    f"{row.sku_code:<24} {row.warehouse_code:<12} {row.on_hand:>10} "
                    f"{row.ledger_sum:>10} {row.difference:>+11}"
                )
        if anomalies:
            self.stdout.write(self.style.ERROR(f"{len(anomalies)} stock level(s) are impossible:"))
            for row in anomalies:
                self.stdout.write(
                    f"{row.sku_code:<24} {row.warehouse_code:<12} on hand {row.on_hand}, "
                    f"reserved {row.reserved}: {row.problem}"
                )
        if drift or anomalies:
            raise CommandError(
                f"Stock check failed: {len(drift)} drifting, {len(anomalies)} impossible level(s).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS("Stock matches the ledger."))
