"""Django's makemessages, plus the scan station's ``t("…")`` alias of gettext in JavaScript, and
without msgmerge's fuzzy matching (a new message would otherwise inherit a wrong translation)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    def handle(self, *args, **options):
        if options.get("domain") == "djangojs":
            self.xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t"]
        return super().handle(*args, **options)
