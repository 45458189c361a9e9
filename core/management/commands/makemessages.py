"""Django's makemessages, plus the scan station's ``t("…")`` alias of gettext in JavaScript."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    def handle(self, *args, **options):
        if options.get("domain") == "djangojs":
            self.xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t"]
        return super().handle(*args, **options)
