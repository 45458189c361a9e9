"""Celery application.

With no ``CELERY_BROKER_URL`` (the embedded default) tasks run eagerly, in-process, so the same
code paths work on a laptop and on a fleet of workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zapas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
