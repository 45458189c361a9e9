"""``manage.py ozon_fbo_import [--account ID]``: Ozon's clusters, FBO stock and supplies now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from marketplaces.ozon.fbo.imports import fbo_import
from marketplaces.ozon.management.commands.ozon_sync import Command as SyncCommand
from marketplaces.ozon.models import OzonAccount


class Command(BaseCommand):
    help = "Import Ozon's clusters, FBO stock per cluster and supply orders now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", type=int, help="Ozon account id (default: every enabled)")

    def handle(self, *args, account=None, **options) -> None:
        accounts = OzonAccount.objects.filter(is_enabled=True)
        if account is not None:
            accounts = OzonAccount.objects.filter(pk=account)
        if not accounts.exists():
            raise CommandError("No Ozon account to import for.")
        failed = False
        for item in accounts:
            self.stdout.write(f"Ozon {item} — FBO")
            run, _ = fbo_import(account=item, progress=self._progress)
            failed = failed or not run.ok
        if failed:
            raise CommandError("Some steps failed (see above).")

    _progress = SyncCommand._progress
