"""One exception handler: every API error is ``{"code", "message", "details"}``."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError

logger = logging.getLogger("zapas.api")

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


_DATETIME = serializers.DateTimeField()


def datetime_text(value: datetime | None) -> str | None:
    """A datetime as the API's serializers write it (ISO 8601 in the current time zone), for
    responses built without a serializer on hot paths."""
    return None if value is None else _DATETIME.to_representation(value)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        details = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(error_body("invalid", "; ".join(exc.messages), details), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        return Response(
            error_body(
                "request_too_large",
                "The request body is too large; send at most "
                f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KiB.",
            ),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return _server_error(exc, context)
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        message = "The request is not valid; see details."
        details = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
    else:
        message = str(getattr(exc, "detail", exc))
        details = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            details = {"retry_after": int(exc.wait + 0.999)}
    response.data = error_body(code, message, details)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Token realm="api"'
    return response


def _server_error(exc: Exception, context: dict) -> Response:
    """Anything unexpected still answers JSON: the scan station retries a 5xx with the same
    key, which replays a write that did commit and runs one that did not."""
    set_rollback()
    view = context.get("view")
    logger.error("Unhandled error in %s", type(view).__name__ if view else "API", exc_info=exc)
    if isinstance(exc, OperationalError | InterfaceError):
        response = Response(
            error_body(
                "service_unavailable",
                "The database is briefly unavailable. Retry in a moment with the same "
                "Idempotency-Key: a write that did go through is then answered, not repeated.",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "2"
        return response
    return Response(
        error_body(
            "server_error",
            "Something went wrong on the server. Retry with the same Idempotency-Key.",
        ),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# --- schema helpers ---------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `wrong_item`.")
    message = serializers.CharField(help_text="For people: what went wrong and what is expected.")
    details = serializers.DictField(help_text="Extra facts (field errors, quantities).")


_ERROR_DESCRIPTIONS = {
    400: "Invalid input.",
    401: "Missing, invalid or revoked credentials.",
    403: "Not allowed (e.g. another warehouse).",
    404: "Not found.",
    409: "Conflicts with the current state (stock, status, wrong item).",
    413: "The request body is too large.",
    422: "Idempotency-Key reused for a different request.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "Briefly unavailable (database restart); retry with the same Idempotency-Key.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for ``@extend_schema(responses=…)``; 401/403/429 always."""
    wanted = sorted({401, 403, 429, *statuses})
    return {s: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[s]) for s in wanted}
