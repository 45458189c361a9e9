"""Write core/model_labels.py: the labels Django derives from model and field names, for the
translation catalogue (``make messages`` runs this first; a test checks the file is current)."""

from django.core.management.base import BaseCommand

from core.i18n import LABELS_MODULE, model_labels_source


class Command(BaseCommand):
    help = "Write core/model_labels.py from the models' derived labels."

    def handle(self, *args, **options):
        LABELS_MODULE.write_text(model_labels_source(), encoding="utf-8")
        self.stdout.write(f"{LABELS_MODULE}")
