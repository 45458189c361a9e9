"""``manage.py plan_audit [--date D] [--lookback-days N]``: the promise audit, now."""

from __future__ import annotations

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from planning.promise_audit import promise_audit_run


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class Command(BaseCommand):
    help = (
        "Settle the promises whose protection period has passed, score the recent ones "
        "(coverage, achieved service, bias, reliability) and store the audit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_iso_date, help="Audit date (default today).")
        parser.add_argument(
            "--lookback-days", type=int, default=None, help="Period ends scored (default 91)."
        )

    def handle(self, *args, **options) -> None:
        try:
            audit = promise_audit_run(
                audit_date=options["date"],
                lookback_days=options["lookback_days"],
                triggered_by="command",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        score = audit.score
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit {audit.audit_date} (#{audit.pk}) of periods ending "
                f"{audit.window_from} … {audit.window_to}: {audit.promises_settled} settled, "
                f"{audit.promises_scored} scored, {audit.promises_censored} censored; "
                f"bias {_pct(audit.total_bias)}; {audit.seconds:.1f} s."
            )
        )
        levels = score.get("levels", [])
        for g, group in enumerate(score.get("groups", [])):
            coverage = ", ".join(
                f"{level:.0%} → {_pct(c)}"
                for level, c in zip(levels, score["coverage"][g], strict=True)
            )
            achieved = ", ".join(
                f"target {t:.1%}: {_pct(a)} of {n}"
                for t, a, n in zip(
                    score["targets"], score["achieved"][g], score["target_count"][g], strict=True
                )
                if n
            )
            self.stdout.write(f"  {group}: coverage {coverage}; service {achieved}")
        for shortfall in audit.shortfalls:
            self.stdout.write(
                self.style.WARNING(
                    f"  {shortfall['group']}: achieved {_pct(shortfall['achieved'])} against a "
                    f"target of {_pct(shortfall['target'])} ({shortfall['count']} promises)."
                )
            )
