from django.core.management.base import BaseCommand

from fulfilment.deadline_watch import deadline_watch_run


class Command(BaseCommand):
    help = "Classify open FBS orders (on track, due soon, overdue, short) and queue delay notices."

    def handle(self, *args, **options):
        summary = deadline_watch_run()
        for state in ("on_track", "due_soon", "overdue", "short"):
            self.stdout.write(f"{state}: {summary.counts.get(state, 0)}")
        self.stdout.write(
            f"changed: {summary.changed}, notices queued: {summary.notices_queued}, "
            f"units allocated to short orders: {summary.units_allocated}"
        )
