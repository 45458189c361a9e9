"""A request's or a task's language stays with it: the thread, the worker process and the next
task or request start in the default language (issue 15: LocaleMiddleware leaking)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext

from config.celery import LANGUAGE_HEADER, _send_the_language, app
from core.middleware import LocaleMiddleware

pytestmark = pytest.mark.django_db


@app.task(name="tests.language_of_the_body")
def language_of_the_body() -> tuple[str, str]:
    return translation.get_language(), gettext("Cancelled")


def test_a_russian_page_leaves_the_thread_in_the_default_language(client):
    # given the default language on the thread
    assert translation.get_language() == settings.LANGUAGE_CODE == "en"

    # when a Russian visitor's page is answered on it
    page = client.get("/admin/login/", headers={"accept-language": "ru"})

    # then the page was Russian, and what the thread runs next is not
    assert 'lang="ru"' in page.content.decode()
    assert translation.get_language() == "en"
    assert gettext("Cancelled") == "Cancelled"


def test_a_request_in_a_server_thread_does_not_leak_to_the_next_job_of_that_thread():
    seen = []

    def view(request):
        return StreamingHttpResponse(iter([gettext("Cancelled")]))

    middleware = LocaleMiddleware(view)

    def worker():
        request = RequestFactory().get("/", headers={"accept-language": "zh-hans"})
        response = middleware(request)
        seen.append(b"".join(response.streaming_content).decode())  # streamed after the call
        seen.append(translation.get_language())  # the thread's next job

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == ["已取消", "en"]


def _as_the_worker_runs_it(**request) -> tuple[str, str]:
    # The worker pushes the message's request (its headers as attributes), then calls the task.
    language_of_the_body.push_request(is_eager=False, **request)
    try:
        return tuple(language_of_the_body())
    finally:
        language_of_the_body.pop_request()


def test_the_publisher_sends_the_senders_language():
    headers: dict = {}
    with translation.override("zh-hans"):
        _send_the_language(headers=headers)
    assert headers == {LANGUAGE_HEADER: "zh-hans"}


def test_a_task_runs_in_the_language_it_was_sent_in_and_gives_the_worker_its_own_back():
    # given a worker process whose thread a Russian task left in Russian
    translation.activate("ru")
    # when it runs a task sent from a Chinese request, and then one sent by beat (no language)
    chinese = _as_the_worker_runs_it(**{LANGUAGE_HEADER: "zh-hans"})
    scheduled = _as_the_worker_runs_it()
    # then each body spoke its own language and the thread's is as it was
    assert chinese == ("zh-hans", "已取消")
    assert scheduled == ("en", "Cancelled")
    assert translation.get_language() == "ru"


def test_a_task_run_eagerly_speaks_its_callers_language_and_leaves_it():
    with translation.override("ru"):
        assert tuple(language_of_the_body.apply().get()) == ("ru", "Отменён")
        assert translation.get_language() == "ru"
    assert tuple(language_of_the_body.apply(headers={LANGUAGE_HEADER: "zh-hans"}).get()) == (
        "zh-hans",
        "已取消",
    )
    assert translation.get_language() == "en"
