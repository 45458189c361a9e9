"""Work to do once the current transaction commits, which never fails the request that committed.

Everything scheduled after commit (queueing a task, dropping a cache entry) goes through
``after_commit``: a failing callback is logged and the others still run, because the write it
follows has already committed and must be answered as the success it is. Periodic sweeps pick
up whatever such a callback failed to start (notices, the outbox, the demand feed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")


def atomic_joining(func: Callable[..., T]) -> Callable[..., T]:
    """Decorate a service that must run in one transaction: ``transaction.atomic()`` when none
    is open; inside the caller's transaction, no savepoint of its own (a savepoint and its
    release are two statements, and a hand-over went through two of them).

    Only for services that refuse (raise a ``DomainError``) before their first write, so that
    a refusal leaves nothing to undo: a caller that catches it and goes on (the API records a
    refused request under its Idempotency-Key) commits nothing half-done. A database error
    propagates and the caller's transaction rolls back. Work that writes before it may still
    refuse keeps a ``transaction.atomic()`` block of its own.
    """

    @functools.wraps(func)
    def joined(*args: Any, **kwargs: Any) -> T:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        with transaction.atomic():
            return func(*args, **kwargs)

    return joined


def after_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Call ``func(*args, **kwargs)`` after the current transaction commits (now, outside one).

    Uses Django's ``robust`` mode; the closure carries a ``__qualname__`` for its log line,
    which a ``functools.partial`` lacks (Django would raise an AttributeError while logging).
    """

    def callback() -> None:
        func(*args, **kwargs)

    callback.__qualname__ = getattr(func, "__qualname__", repr(func))
    transaction.on_commit(callback, robust=True)
