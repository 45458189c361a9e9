"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) with Babel.

Django's compilemessages needs GNU gettext's msgfmt; Babel is a dependency already, so a fresh
clone compiles (or checks) its catalogues with Python alone. ``--check`` compiles in memory and
exits 1 if a committed .mo file differs from its .po or a catalogue has untranslated or fuzzy
entries.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.i18n import catalogue_problems, compile_catalogue, po_files


class Command(BaseCommand):
    help = "Compile locale/*.po to .mo with Babel (no GNU gettext needed); --check verifies."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="write nothing; fail if anything is stale"
        )

    def handle(self, *args, check: bool = False, **options):
        problems: list[str] = []
        for po_path in po_files():
            if check:
                problems.extend(catalogue_problems(po_path))
            else:
                count = compile_catalogue(po_path)
                self.stdout.write(f"{po_path.with_suffix('.mo')}: {count} messages")
        if problems:
            raise CommandError("\n".join(problems))
