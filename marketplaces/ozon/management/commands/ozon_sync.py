"""``manage.py ozon_sync [--account ID] [--since DATE]``: one full cycle now, with a summary."""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from marketplaces.ozon.accounts import account_from_environment
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.sync.runner import StepSummary, sync_run


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise CommandError(f"--since {value!r} is not a date (YYYY-MM-DD) or a date and time.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Synchronise with Ozon now: warehouses, products, opening stock, postings, stock, outbox."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--account", type=int, help="Ozon account id (default: every enabled one)"
        )
        parser.add_argument("--since", help="Look for posting changes since this date (UTC)")

    def handle(self, *args, account=None, since=None, **options) -> None:
        since_at = _since(since)
        account_from_environment()
        accounts = OzonAccount.objects.filter(is_enabled=True)
        if account is not None:
            accounts = OzonAccount.objects.filter(pk=account)
            if not accounts.exists():
                raise CommandError(f"No Ozon account with id {account}.")
        if not accounts.exists():
            raise CommandError(
                "No Ozon account: add one in the admin or set OZON_CLIENT_ID and OZON_API_KEY."
            )
        failed = False
        for item in accounts:
            self.stdout.write(f"Ozon {item} — {item.base_url}")
            run, summaries = sync_run(account=item, since=since_at, progress=self._progress)
            failed = failed or not run.ok
        if failed:
            raise CommandError("Some steps failed (see above).")

    def _progress(self, step: StepSummary) -> None:
        mark = self.style.SUCCESS("ok  ") if step.ok else self.style.ERROR("FAIL")
        figures = (
            f"{step.created} new, {step.updated} updated, {step.unchanged} unchanged, "
            f"{step.skipped} skipped"
        )
        self.stdout.write(f"  {mark} {step.name:<14} {figures} ({step.seconds:.1f} s)")
        if step.error:
            self.stdout.write(f"       {step.error}")
        for note in step.notes[:5]:
            self.stdout.write(f"       {note}")
