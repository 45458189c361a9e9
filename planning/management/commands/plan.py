"""``manage.py plan [--date D] [--sku CODE …]``: run the planning engine now, in this process."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from core.errors import DomainError
from planning import runs, tasks
from planning.models import PlanRun
from planning.snapshot import catalogue_sku_ids


class Command(BaseCommand):
    help = "Plan the catalogue (or some SKUs) for a date, synchronously, with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="Plan date (default today).")
        parser.add_argument("--sku", nargs="+", default=None, metavar="CODE", help="Only these.")
        parser.add_argument("--chunk-size", type=int, default=None, help="SKUs per chunk.")
        parser.add_argument(
            "--dispatch",
            action="store_true",
            help="Send the chunks to the Celery workers instead of running them here.",
        )

    def handle(self, *args, **options) -> None:
        total = int(catalogue_sku_ids(sku_codes=options["sku"]).size)
        quiet = options["verbosity"] == 0
        with tqdm(total=total, unit="SKU", disable=quiet, file=self.stderr._out) as bar:
            try:
                what = {
                    "plan_date": options["date"],
                    "sku_codes": options["sku"],
                    "chunk_size": options["chunk_size"],
                    "triggered_by": "command",
                }
                if options["dispatch"]:
                    run = tasks.plan_run_dispatch(**what)
                else:
                    run = runs.plan_run(**what, progress=bar.update)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        if run.status == PlanRun.Status.FAILED:
            raise CommandError(f"Planning run {run.pk} failed: {run.error}")
        if run.status == PlanRun.Status.RUNNING:
            self.stdout.write(f"Run {run.pk} dispatched to the workers ({run.chunk_count} chunks).")
            return
        t = run.timings
        self.stdout.write(
            self.style.SUCCESS(
                f"Plan {run.plan_date} (run {run.pk}): {run.sku_count} SKUs, "
                f"{run.reorder_count} reorder, {run.fbo_shipment_count} FBO shipment and "
                f"{run.scheme_change_count} scheme suggestions, {run.at_risk_count} SKUs at risk. "
                f"read {t.get('read', 0):.1f}s, engine {t.get('engine', 0):.1f}s, "
                f"write {t.get('write', 0):.1f}s, finalise {t.get('finalise', 0):.1f}s."
            )
        )
