"""One request budget per Ozon account, shared by every worker process (pyrate-limiter).

Ozon allows 50 requests a second per Client-Id over all methods, plus per-method limits
stated in the method descriptions (``/v2/products/stocks``: 80 a minute). With Redis
configured (``OZON["RATE_LIMIT_REDIS_URL"]``, else a ``redis://`` Celery broker) the buckets
live there, so all workers on all machines draw on the same budget; otherwise each process
keeps its own in-memory buckets (enough for one process running ``ozon_sync``).
"""

from __future__ import annotations

import threading

from django.conf import settings
from pyrate_limiter import Duration, InMemoryBucket, Limiter, Rate, RedisBucket


def _method_rates() -> dict[str, list[Rate]]:
    conf = settings.OZON
    return {"/v2/products/stocks": [Rate(conf["STOCK_REQUESTS_PER_MINUTE"], Duration.MINUTE)]}


# Requests leave in the limiter's order but reach Ozon after delays that vary (threads, the
# network): spacing them over 1.05 s per 50, not 1 s, keeps a full-rate burst from arriving
# as 51 within Ozon's second (without it the bench saw 2–4 of 150 requests answered 429,
# each then waiting out its Retry-After of 1 s).
MARGIN_MS = 50


def _global_rates() -> list[Rate]:
    return [Rate(settings.OZON["REQUESTS_PER_SECOND"], Duration.SECOND + MARGIN_MS)]


def redis_url() -> str:
    url = settings.OZON["RATE_LIMIT_REDIS_URL"] or settings.CELERY_BROKER_URL
    return url if url.startswith(("redis://", "rediss://")) else ""


_limiters: dict[tuple[str, str], Limiter] = {}
_lock = threading.Lock()


def _limiter(client_id: str, scope: str, rates: list[Rate]) -> Limiter:
    key = (client_id, scope)
    with _lock:
        if key not in _limiters:
            url = redis_url()
            if url:
                import redis

                bucket = RedisBucket.init(
                    rates, redis.Redis.from_url(url), f"zapas:ozon:rate:{client_id}:{scope}"
                )
            else:
                bucket = InMemoryBucket(rates)
            _limiters[key] = Limiter(bucket, buffer_ms=5)
        return _limiters[key]


def acquire(client_id: str, path: str) -> None:
    """Block until one request to ``path`` fits the account's budget."""
    method_rates = _method_rates().get(path)
    if method_rates:
        _limiter(client_id, path, method_rates).try_acquire(client_id, blocking=True)
    _limiter(client_id, "all", _global_rates()).try_acquire(client_id, blocking=True)


def reset() -> None:
    """Forget the in-process buckets (tests, or after changing the limits)."""
    with _lock:
        _limiters.clear()
