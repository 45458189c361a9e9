"""``Idempotency-Key`` for API writes: a retry returns the first response and changes nothing.

How it works, per request that carries the header:

1. Inside one transaction, insert an ``IdempotencyRecord`` for (principal, key). On PostgreSQL a
   concurrent request with the same key blocks on the unique index until the first commits
   (then replays its response) or rolls back (then proceeds itself) — so one key never runs twice.
2. Run the view in the same transaction and store its response on the record before commit.
   A crash rolls back the write and the key together.
3. A later request with the same key and the same method, path and body gets the stored
   response (header ``Idempotent-Replayed: true``); a different request with that key gets 422.

Responses that mean "the request never ran" or may change on a retry (400 validation, 401,
403, 404, 429, 5xx) are not stored, so the client may fix the request or retry with the same key
(a retry after the order has arrived must not get the old 404).

Batch writes whose items are each their own transaction (``@idempotent(atomic=False)``) must not
run inside the key's transaction: it would turn every item into a savepoint of one transaction
that holds the row locks of earlier items while later ones are taken in another order, and
overlapping batches would deadlock. For them the key is claimed in a short transaction of its
own (a *pending* record), the handler runs outside it, and the response is stored afterwards.
A second request with that key while the first is still running gets 409
``idempotency_key_in_progress`` (with ``Retry-After``); a pending record older than
``PENDING_LEASE`` (its process died) is taken over by the next retry.

A write without the header runs in one transaction with its response too (and is rolled back on
the same statuses): a committed write is never answered with an error because what the view
read back afterwards failed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core import sql
from core.api import error_body
from core.auth import request_device
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY_RE = re.compile(KEY_PATTERN)
_NOT_STORED = {400, 401, 403, 404, 405, 406, 413, 415, 429}
_PENDING = 0  # status_code of a record whose request is still running (non-atomic handlers)
# A non-atomic handler that has not stored its answer after this long is taken to be dead.
PENDING_LEASE = timedelta(minutes=5)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_PATTERN,
    description=(
        "Any unique string up to 255 printable ASCII characters (a UUID is ideal). A retry with "
        "the same key and body returns the first response; the same key with a different body "
        "is refused with 422. Keys are kept for at least 24 hours."
    ),
)


def _principal(request: Request) -> str:
    device = request_device(request)
    if device is not None:
        return f"device:{device.pk}"
    return f"user:{request.user.pk}"


def _request_hash(request: Request) -> str:
    canonical = json.dumps(
        [request.method, request.path, request.query_params.urlencode(), request.data],
        sort_keys=True,
        cls=JSONEncoder,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str, key: str) -> Response:
    if record.request_hash != request_hash:
        return Response(
            error_body(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request; "
                "use a new key for a new scan.",
                {"idempotency_key": key, "first_used_for": f"{record.method} {record.path}"},
            ),
            status=422,
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


@cache
def _claim_sql() -> str:
    opts, qn = IdempotencyRecord._meta, connection.ops.quote_name
    columns = ("principal", "key", "method", "path", "request_hash", "status_code", "created_at")
    return (
        f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(c) for c in columns)})"
        f" VALUES (%s, %s, %s, %s, %s, 0, %s)"
        f" ON CONFLICT ({qn('principal')}, {qn('key')}) DO NOTHING RETURNING {qn('id')}"
    )


def _claim(principal: str, key: str, method: str, path: str, request_hash: str) -> int | None:
    """Insert the key's record; ``None`` if the key is already taken.

    ``ON CONFLICT DO NOTHING`` instead of catching ``IntegrityError``: no savepoint around the
    insert (two statements fewer per write). On PostgreSQL it still waits for a concurrent
    transaction holding the same key, and returns nothing if that one commits.
    """
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [principal, key, method, path, request_hash, created_at])
        row = cursor.fetchone()
    return row[0] if row else None


def _invalid_key() -> Response:
    return Response(
        error_body(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1–255 printable ASCII characters without spaces.",
        ),
        status=400,
    )


def _in_progress(key: str) -> Response:
    response = Response(
        error_body(
            "idempotency_key_in_progress",
            "The first request with this Idempotency-Key is still running; retry in a moment "
            "with the same key.",
            {"idempotency_key": key},
        ),
        status=409,
    )
    response["Retry-After"] = "1"
    return response


def _run(self, handler: Callable[..., Response], request: Request, *args: Any, **kwargs: Any):
    try:
        return handler(self, request, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 — DRF's handler decides; 5xx re-raise below
        return self.handle_exception(exc)


def _stores(response: Response) -> bool:
    return response.status_code < 500 and response.status_code not in _NOT_STORED


def _store(record_id: int, response: Response) -> None:
    # Every keyed write ends here: one statement written in ``core.sql`` rather than a
    # queryset ``update()`` compiled on each call; the body is converted by its JSONField.
    sql.update_row(
        IdempotencyRecord,
        record_id,
        {
            "status_code": response.status_code,
            "response_body": json.loads(json.dumps(response.data, cls=JSONEncoder)),
        },
    )


def _atomic_call(self, handler, request, key, principal, request_hash, args, kwargs) -> Response:
    with transaction.atomic():
        record_id = _claim(principal, key, request.method, request.path[:512], request_hash)
        if record_id is None:
            # The first request with this key has committed by now (we waited on its lock).
            first = IdempotencyRecord.objects.get(principal=principal, key=key)
            return _replay(first, request_hash, key)
        response = _run(self, handler, request, *args, **kwargs)
        if not _stores(response):
            transaction.set_rollback(True)
            return response
        _store(record_id, response)
        return response


def _take_over_stale(record: IdempotencyRecord, request_hash: str) -> bool:
    """Claim a pending record whose request died (older than the lease); ``True`` if won."""
    now = timezone.now()
    won = IdempotencyRecord.objects.filter(
        pk=record.pk, status_code=_PENDING, created_at__lt=now - PENDING_LEASE
    ).update(created_at=now, request_hash=request_hash)
    return won == 1


def _separate_call(self, handler, request, key, principal, request_hash, args, kwargs) -> Response:
    with transaction.atomic():
        record_id = _claim(principal, key, request.method, request.path[:512], request_hash)
    if record_id is None:
        first = IdempotencyRecord.objects.get(principal=principal, key=key)
        if first.request_hash != request_hash or first.status_code != _PENDING:
            return _replay(first, request_hash, key)
        if not _take_over_stale(first, request_hash):
            return _in_progress(key)
        record_id = first.pk
    try:
        response = _run(self, handler, request, *args, **kwargs)
    except BaseException:
        # Even a 5xx that DRF re-raises frees the key for a retry.
        IdempotencyRecord.objects.filter(pk=record_id, status_code=_PENDING).delete()
        raise
    if _stores(response):
        _store(record_id, response)
    else:
        IdempotencyRecord.objects.filter(pk=record_id, status_code=_PENDING).delete()
    return response


def _unkeyed_call(self, handler, request, atomic, args, kwargs) -> Response:
    if not atomic:
        return handler(self, request, *args, **kwargs)
    # One transaction with the answer, as with a key: what the handler reads back after its
    # writes (the line received, the order's state) fails with them, so a write that committed
    # is never answered with an error (a database restarting between the two, say).
    with transaction.atomic():
        response = _run(self, handler, request, *args, **kwargs)
        if not _stores(response):
            transaction.set_rollback(True)
        return response


def idempotent(
    handler: Callable[..., Response] | None = None, *, atomic: bool = True
) -> Callable[..., Response]:
    """Decorate a write handler (``post``/``put``/``patch``/``delete``) of an ``APIView``.

    ``atomic=False`` for handlers that commit several transactions of their own (batches): the
    key is then recorded around the handler instead of in one transaction with it.
    """
    if handler is None:
        return functools.partial(idempotent, atomic=atomic)
    call = _atomic_call if atomic else _separate_call

    @functools.wraps(handler)
    def wrapper(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return _unkeyed_call(self, handler, request, atomic, args, kwargs)
        if not _KEY_RE.match(key):
            return _invalid_key()
        request_hash = _request_hash(request)  # parses the body: a bad body is a 400 here
        principal = _principal(request)
        return call(self, handler, request, key, principal, request_hash, args, kwargs)

    return wrapper
