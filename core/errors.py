"""Domain errors: a stable machine-readable code, a human message and optional details.

Services raise these; the API exception handler maps them to HTTP, the admin shows the message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class. ``code`` is stable (clients switch on it); ``message`` is for people."""

    code: str = "domain_error"
    http_status: int = 422

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The request is valid but the current state forbids it (stock, status)."""

    code = "conflict"
    http_status = 409


class InvalidInput(DomainError):
    code = "invalid"
    http_status = 400


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class InvalidTransition(Conflict):
    code = "invalid_transition"
