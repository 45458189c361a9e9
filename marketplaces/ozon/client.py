"""The Ozon Seller API client: contract-checked bodies, a shared budget, retries that can succeed.

Every call is ``POST <base>/<path>`` with a JSON body and the ``Client-Id`` / ``Api-Key``
headers. Before it leaves, the body is validated against Ozon's description (strictly: no
field the description does not define) and the method must be a current one
(``contract.SWITCHED_OFF`` is refused). Then:

- the account's budget is drawn (``ratelimit``: 50/s overall, per-method limits);
- timeouts, connection errors and 5xx are retried with jittered exponential backoff
  (tenacity), HTTP 429 after its ``Retry-After``;
- "Circle is open" (Ozon blocks a method for minutes after too many calls) is not slept
  through: the method is marked closed for ``CIRCLE_OPEN_BACKOFF_SECONDS`` and
  ``OzonCircleOpen`` raised, so an outbox row is rescheduled and a sync step fails fast;
- any other 4xx raises ``OzonError`` at once: it cannot succeed by trying again.

The API key is never logged and never part of an exception message.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from marketplaces.ozon import contract, ratelimit

logger = logging.getLogger(__name__)


class OzonError(Exception):
    """Ozon refused a request (``status``, Ozon's ``code`` and ``message``)."""

    def __init__(self, path: str, status: int, message: str, code: Any = None, details=None):
        self.path, self.status, self.code, self.details = path, status, code, details or []
        self.message = message
        super().__init__(f"{path}: HTTP {status}: {message}")


class OzonRetryable(OzonError):
    """A failure that may pass if tried again later (timeout, 5xx, 429)."""

    retry_after: float | None = None


class OzonRateLimited(OzonRetryable):
    def __init__(self, path: str, retry_after: float, message: str, code: Any = None):
        super().__init__(path, 429, message, code)
        self.retry_after = retry_after


class OzonCircleOpen(OzonRetryable):
    """Ozon has blocked the method for a while; ``retry_after`` seconds."""

    def __init__(self, path: str, retry_after: float, status: int = 0, message: str = ""):
        super().__init__(path, status, message or "Circle is open")
        self.retry_after = retry_after


_jitter = wait_exponential_jitter(multiplier=0.5, max=30, jitter=1)


def _worth_retrying(exc: BaseException) -> bool:
    # A closed circle lasts minutes: the caller reschedules instead of holding a worker.
    return isinstance(exc, OzonRetryable) and not isinstance(exc, OzonCircleOpen)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, OzonRateLimited):
        return exc.retry_after
    return _jitter(state)


@dataclass(frozen=True)
class Credentials:
    client_id: str
    api_key: str
    base_url: str


class OzonClient:
    """A client for one account. Thread-safe: sync steps call it from several threads."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        conf = settings.OZON
        self.credentials = credentials
        self.max_attempts = max_attempts or conf["MAX_ATTEMPTS"]
        self.circle_backoff = conf["CIRCLE_OPEN_BACKOFF_SECONDS"]
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=credentials.base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout or conf["TIMEOUT_SECONDS"], connect=10.0),
            headers={"Client-Id": credentials.client_id, "Api-Key": credentials.api_key},
            limits=httpx.Limits(max_connections=max(conf["CONCURRENCY"], 4)),
        )
        self._circle_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests_made = 0

    @classmethod
    def for_account(cls, account, **kwargs) -> OzonClient:
        return cls(Credentials(account.client_id, account.api_key, account.base_url), **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OzonClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the one way out ---------------------------------------------------------------------

    def _retrying(self) -> Retrying:
        """Retryable faults (timeouts, 5xx, 429 after its Retry-After) retried with backoff; a closed
        circle and other 4xx raised to the caller."""
        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_wait,
            retry=retry_if_exception(_worth_retrying),
            sleep=self._sleep,
            reraise=True,
        )

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path``; the decoded answer, or ``OzonError`` and subclasses."""
        contract.validate_request(path, body)
        for attempt in self._retrying():
            with attempt:
                return self._once(path, body)
        raise AssertionError("unreachable")  # pragma: no cover

    def call_file(self, path: str, body: dict[str, Any]) -> bytes:
        """POST like ``call`` to a method that answers a PDF: its bytes.

        Ozon sends the file itself (``application/pdf``); the description shows it as an object
        with ``file_content`` (base64), which is read too. Anything else is an ``OzonError``.
        """
        contract.validate_request(path, body)
        for attempt in self._retrying():
            with attempt:
                return _file_content(path, self._once(path, body, decode=False))
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, path: str, body: dict[str, Any], *, decode: bool = True) -> Any:
        until = self._circle_until.get(path, 0.0)
        if until > time.monotonic():
            raise OzonCircleOpen(path, until - time.monotonic())
        ratelimit.acquire(self.credentials.client_id, path)
        with self._lock:
            self.requests_made += 1
        try:
            response = self._http.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise OzonRetryable(path, 0, f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise OzonRetryable(path, 0, f"connection failed ({type(exc).__name__})") from exc
        if response.status_code == 200:
            return response.json() if decode else response
        return self._raise(path, response)

    def _raise(self, path: str, response: httpx.Response):
        try:
            error = response.json()
        except ValueError:
            error = {"message": response.text[:200]}
        if not isinstance(error, dict):
            error = {"message": str(error)[:200]}
        message = str(error.get("message") or response.reason_phrase)
        code, details = error.get("code"), error.get("details")
        status = response.status_code
        logger.warning("Ozon %s answered %s: %s", path, status, message)
        if "circle is open" in message.lower():
            self._circle_until[path] = time.monotonic() + self.circle_backoff
            raise OzonCircleOpen(path, self.circle_backoff, status, message)
        if status == 429:
            raise OzonRateLimited(path, _retry_after(response), message, code)
        if status >= 500:
            raise OzonRetryable(path, status, message, code, details)
        raise OzonError(path, status, message, code, details)

    # --- cursor pagination -------------------------------------------------------------------

    def pages(
        self, path: str, body: dict[str, Any], *, items: str, cursor: str = "cursor"
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a cursor-paginated method (``cursor`` / ``has_next``)."""
        body = dict(body)
        while True:
            answer = self.call(path, body)
            yield list(answer.get(items) or [])
            next_cursor = answer.get(cursor)
            if not answer.get("has_next") or not next_cursor:
                return
            body[cursor] = next_cursor


def _file_content(path: str, response: httpx.Response) -> bytes:
    content = response.content
    if not content.startswith(b"%PDF"):
        try:
            content = base64.b64decode(response.json().get("file_content") or "", validate=True)
        except (ValueError, AttributeError, binascii.Error):
            content = b""
    if not content.startswith(b"%PDF"):
        raise OzonRetryable(path, 200, "the answer is not a PDF file")
    return content


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0
