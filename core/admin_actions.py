"""One way for admin actions to run a service on each selected object and report the outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import DomainError

T = TypeVar("T")


def _named(obj: object, exc: DomainError) -> str:
    return f"{obj}: {exc.message}"


def apply_each(
    request: HttpRequest,
    objects: Iterable[T],
    operation: Callable[[T], object],
    *,
    success: Callable[[int], str],
    refusal: Callable[[T, DomainError], str] = _named,
    refusal_level: int = messages.ERROR,
    max_refusals: int | None = None,
) -> tuple[int, list[str]]:
    """Call ``operation(obj)`` (a service call, its own transaction) for each object; a
    ``DomainError`` refuses that object only and the others still go ahead.

    Reports ``success(count)`` when any succeeded and one ``refusal(obj, error)`` message per
    refused object (up to ``max_refusals``) to the user; returns (succeeded, refusal texts).
    A queryset is taken in primary-key order, the order the services lock rows in.
    """
    if isinstance(objects, QuerySet):
        objects = objects.order_by("pk")
    succeeded, refused = 0, []
    for obj in objects:
        try:
            operation(obj)
        except DomainError as exc:
            refused.append(refusal(obj, exc))
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, success(succeeded))
    for text in refused[:max_refusals]:
        messages.add_message(request, refusal_level, text)
    return succeeded, refused
