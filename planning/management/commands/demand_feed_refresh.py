from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from planning.demand_feed import demand_feed_refresh


class Command(BaseCommand):
    help = "Recompute the demand history (source: orders) from shipped and cancelled orders."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day, YYYY-MM-DD (default: 30 days ago).")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: today).")

    def handle(self, *args, since=None, until=None, **options):
        try:
            first = (
                date.fromisoformat(since) if since else timezone.localdate() - timedelta(days=30)
            )
            last = date.fromisoformat(until) if until else None
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from exc
        cells = demand_feed_refresh(since=first, until=last)
        self.stdout.write(f"{cells} demand cells written since {first}.")
