"""``Idempotency-Key`` for API writes: a retry returns the first response and changes nothing.

How it works, per request that carries the header:

1. Inside one transaction, insert an ``IdempotencyRecord`` for (principal, key). On PostgreSQL a
   concurrent request with the same key blocks on the unique index until the first commits
   (then replays its response) or rolls back (then proceeds itself) — so one key never runs twice.
2. Run the view in the same transaction and store its response on the record before commit.
   A crash rolls back the write and the key together.
3. A later request with the same key and the same method, path and body gets the stored
   response (header ``Idempotent-Replayed: true``); a different request with that key gets 422.

Responses that mean "the request never ran" (400 validation, 401, 403, 5xx) are not stored, so
the client may fix the request or retry with the same key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.api import error_body
from core.auth import request_device
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
_NOT_STORED = {400, 401, 403, 405, 406, 415, 429}

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
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


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a write handler (``post``/``put``/``patch``/``delete``) of an ``APIView``."""

    @functools.wraps(handler)
    def wrapper(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not _KEY_RE.match(key):
            return Response(
                error_body(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1–255 printable ASCII characters without spaces.",
                ),
                status=400,
            )
        request_hash = _request_hash(request)  # parses the body: a bad body is a 400 here
        principal = _principal(request)
        with transaction.atomic():
            record_id = _claim(principal, key, request.method, request.path[:512], request_hash)
            if record_id is None:
                # The first request with this key has committed by now (we waited on its lock).
                first = IdempotencyRecord.objects.get(principal=principal, key=key)
                return _replay(first, request_hash, key)
            try:
                response = handler(self, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 — DRF's handler decides; 5xx re-raise below
                response = self.handle_exception(exc)
            if response.status_code >= 500 or response.status_code in _NOT_STORED:
                transaction.set_rollback(True)
                return response
            IdempotencyRecord.objects.filter(pk=record_id).update(
                status_code=response.status_code,
                response_body=json.loads(json.dumps(response.data, cls=JSONEncoder)),
            )
            return response

    return wrapper
