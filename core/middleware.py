"""Request middleware of our own."""

from __future__ import annotations

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, with the request's language given back when it is answered.

    Django activates the request's language for the thread and leaves it there, so whatever the
    thread runs next (the next request before its own middleware, a task run in-process, a
    server's thread-pool job) would speak the last visitor's language. A streamed response is
    produced after this returns, so its chunks are rendered under the request's language.
    Synchronous only (``async_capable = False``): under ASGI Django adapts it.
    """

    async_capable = False

    def __call__(self, request):
        previous = translation.get_language()
        try:
            response = super().__call__(request)
        finally:
            translation.activate(previous) if previous else translation.deactivate()
        if getattr(response, "streaming", False) and not getattr(response, "is_async", False):
            language = getattr(request, "LANGUAGE_CODE", None) or previous
            response.streaming_content = _in_language(response.streaming_content, language)
        return response


def _in_language(chunks, language):
    with translation.override(language):
        yield from chunks
