"""Celery application.

With no ``CELERY_BROKER_URL`` (the embedded default) tasks run eagerly, in-process, so the same
code paths work on a laptop and on a fleet of workers.

Every task body runs in one language, set for it alone: the language active where the task was
sent (a user's request: its messages and stored texts are in that user's language), carried in
the ``zapas_language`` header, else the default ``LANGUAGE_CODE`` (beat, a command). A worker
process runs many tasks one after another; without this, a task that activated a language would
leave it for the next one.
"""

import os

from celery import Celery, Task
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

LANGUAGE_HEADER = "zapas_language"


class LanguageTask(Task):
    """A task whose body runs under ``translation.override`` of the language it was sent in."""

    def __call__(self, *args, **kwargs):
        from django.conf import settings
        from django.utils import translation

        request = self.request
        language = getattr(request, LANGUAGE_HEADER, None) or (request.headers or {}).get(
            LANGUAGE_HEADER
        )
        if not language:
            # Run eagerly in the sender's thread: its language, which is then given back.
            language = translation.get_language() if request.is_eager else None
        with translation.override(language or settings.LANGUAGE_CODE):
            return super().__call__(*args, **kwargs)


@before_task_publish.connect
def _send_the_language(headers=None, **kwargs) -> None:
    from django.utils import translation

    if headers is not None and LANGUAGE_HEADER not in headers:
        language = translation.get_language()
        if language:
            headers[LANGUAGE_HEADER] = language


app = Celery("zapas", task_cls=LanguageTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
