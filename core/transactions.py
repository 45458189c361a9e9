"""Work to do once the current transaction commits, which never fails the request that committed.

Everything scheduled after commit (queueing a task, dropping a cache entry) goes through
``after_commit``: a failing callback is logged and the others still run, because the write it
follows has already committed and must be answered as the success it is. Periodic sweeps pick
up whatever such a callback failed to start (notices, the outbox, the demand feed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def after_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Call ``func(*args, **kwargs)`` after the current transaction commits (now, outside one).

    Uses Django's ``robust`` mode; the closure carries a ``__qualname__`` for its log line,
    which a ``functools.partial`` lacks (Django would raise an AttributeError while logging).
    """

    def callback() -> None:
        func(*args, **kwargs)

    callback.__qualname__ = getattr(func, "__qualname__", repr(func))
    transaction.on_commit(callback, robust=True)
