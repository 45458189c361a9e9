from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from marketplaces.ozon.client import OzonClient, OzonError
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.rating.imports import rating_import


class Command(BaseCommand):
    help = _("Import Ozon's rating and error index (all enabled accounts, or --account ID).")

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int)

    def handle(self, *args, account=None, **options):
        accounts = OzonAccount.objects.filter(is_enabled=True)
        if account is not None:
            accounts = accounts.filter(pk=account)
            if not accounts.exists():
                raise CommandError(_("No enabled Ozon account %(id)s.") % {"id": account})
        failed = False
        for item in accounts:
            try:
                with OzonClient.for_account(item) as client:
                    result = rating_import(account=item, client=client)
            except OzonError as exc:
                failed = True
                self.stderr.write(f"{item}: {exc}")
                continue
            self.stdout.write(
                _("%(account)s: index %(index)s %%, %(days)d days, %(postings)d postings")
                % {
                    "account": item,
                    "index": result.snapshot.index,
                    "days": result.days,
                    "postings": result.postings,
                }
            )
        if failed:
            raise CommandError(_("Some accounts failed."))
