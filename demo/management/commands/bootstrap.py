"""``manage.py bootstrap``: what ``make run`` does after ``migrate`` on every start.

1. Create the admin user from ``ZAPAS_ADMIN_USER`` / ``ZAPAS_ADMIN_PASSWORD`` /
   ``ZAPAS_ADMIN_EMAIL`` (default admin / admin, for a local demo only) unless that user
   exists; an existing user's password is never touched.
2. Load the demo dataset (``seed_demo``) when there are no SKUs.
3. Run the plan (``manage.py plan``) once the planning app provides that command. After a fresh
   load it first replays the plans of ``PAST_PLAN_DAYS`` days ago (each sees only the history
   before its date), so the promise audit (``manage.py plan_audit``, run after today's plan)
   has past promises to score, and it stores the efficient frontier (``manage.py
   plan_frontier``): both admin pages show figures on a fresh ``make run``.

Idempotent; a re-run with data in place only does a few queries.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo import catalogue as demo
from inventory.models import Sku

DEFAULT_ADMIN_USER = "admin"
DEFAULT_ADMIN_PASSWORD = "admin"
DEFAULT_ADMIN_EMAIL = "admin@zapas.local"
#: Plans a fresh demo replays first (days before today): the demo's protection periods run
#: 14–90 days, so by today each has promises whose period has ended inside the audit's look-back.
PAST_PLAN_DAYS = (98, 70, 42)
#: A replayed plan needs this much history before its date.
PAST_PLAN_MIN_HISTORY = 56


class Command(BaseCommand):
    help = "Create the admin user, load demo data into an empty database and run the plan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load demo data into an empty database."
        )
        parser.add_argument("--demo-skus", type=int, default=demo.DEFAULT_SKUS)
        parser.add_argument("--demo-days", type=int, default=demo.DEFAULT_DAYS)
        parser.add_argument("--demo-seed", type=int, default=demo.DEFAULT_SEED)
        parser.add_argument(
            "--no-demo-orders", action="store_true", help="Demo catalogue without demo orders."
        )
        parser.add_argument(
            "--plan",
            action="store_true",
            help="Run the plan even when no demo data was loaded in this run.",
        )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        self._ensure_admin()
        seeded = False
        if not options["no_demo"]:
            seeded = self._seed_if_empty(
                skus=options["demo_skus"],
                days=options["demo_days"],
                seed=options["demo_seed"],
                orders=not options["no_demo_orders"],
            )
        if seeded or options["plan"]:
            self._run_plan_if_available(history_days=options["demo_days"] if seeded else None)
        self.stdout.write(f"bootstrap: done in {time.perf_counter() - started:.1f}s")

    def _ensure_admin(self) -> None:
        username = os.environ.get("ZAPAS_ADMIN_USER") or DEFAULT_ADMIN_USER
        password = os.environ.get("ZAPAS_ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD
        email = os.environ.get("ZAPAS_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
        user_model = get_user_model()
        if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists():
            self.stdout.write(f"admin: user {username!r} exists (password left unchanged)")
            return
        default_password = password == DEFAULT_ADMIN_PASSWORD
        if default_password and not settings.DEBUG:
            raise CommandError(
                "Refusing to create an admin with the default password while DEBUG is off; "
                "set ZAPAS_ADMIN_PASSWORD (and ZAPAS_ADMIN_USER)."
            )
        user_model._default_manager.create_superuser(
            **{user_model.USERNAME_FIELD: username}, email=email, password=password
        )
        shown = password if default_password else "(from ZAPAS_ADMIN_PASSWORD)"
        self.stdout.write(self.style.SUCCESS(f"admin: created user {username!r}, password {shown}"))
        if default_password:
            self.stdout.write(
                self.style.WARNING(
                    "  These default credentials are for a local demo only. Set "
                    "ZAPAS_ADMIN_USER / ZAPAS_ADMIN_PASSWORD before exposing this server."
                )
            )

    def _seed_if_empty(self, *, skus: int, days: int, seed: int, orders: bool) -> bool:
        if Sku.objects.exists():
            self.stdout.write("demo data: catalogue not empty, nothing loaded")
            return False
        self.stdout.write(f"demo data: empty catalogue, loading {skus} demo SKUs …")
        call_command(
            "seed_demo", skus=skus, days=days, seed=seed, no_orders=not orders, stdout=self.stdout
        )
        return True

    # --- call site for the planning app (issue 3): keep this name --------------------------------
    def _run_plan_if_available(self, history_days: int | None = None) -> None:
        """Run ``manage.py plan`` (``planning.runs.plan_run``) if the command exists yet.

        With ``history_days`` (a demo of that many days was just loaded) the past plans, the
        promise audit and the frontier run too (see the module docstring)."""
        commands = get_commands()
        if "plan" not in commands:
            self.stdout.write("plan: skipped (no `plan` command yet)")
            return
        today = timezone.localdate()
        past = [
            k for k in PAST_PLAN_DAYS if history_days and k + PAST_PLAN_MIN_HISTORY <= history_days
        ]
        for k in past:
            day = today - timedelta(days=k)
            self.stdout.write(f"plan: replaying {day} (promises for the audit) …")
            call_command("plan", date=day, verbosity=0, stdout=self.stdout)
        self.stdout.write("plan: running …")
        call_command("plan", stdout=self.stdout)
        if history_days is None:
            return
        for name in ("plan_audit", "plan_frontier"):
            if name not in commands:
                continue
            try:
                call_command(name, stdout=self.stdout)
            except CommandError as exc:
                self.stdout.write(f"{name}: skipped ({exc})")
