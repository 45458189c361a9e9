"""API throttling: per device (or staff user), per client address, and failed tokens per address.

Each limit is a fixed-window counter in the ``throttle`` cache (``cache.add`` then ``incr``: two
cache operations per limit and request, whatever the rate, where DRF's ``SimpleRateThrottle``
pickles a list as long as the rate). Over a limit the API answers 429 ``throttled`` with
``Retry-After`` (the seconds until the window ends); the scan station waits that long and
retries with the same Idempotency-Key. A window may let up to twice its rate through across
its boundary, which is plenty for stopping floods and guessing.

Rates are ``ZAPAS["API_THROTTLE"]`` (``"<n>/<s|min|h|d>"``; empty turns a limit off). With a
shared cache (``CACHE_URL``) the counts hold for every process; a per-process cache (the local
default) counts per process, so the effective limit is the rate times the number of processes.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from core.models import ScannerDevice

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or the header a reverse proxy of ours sets
    (``ZAPAS_CLIENT_IP_HEADER``, e.g. ``HTTP_X_REAL_IP``; never a header the client chose).
    django-axes counts the same address (``login_address``)."""
    header = settings.ZAPAS["CLIENT_IP_HEADER"]
    meta = getattr(request, "META", None) or {}
    if header:
        address = (meta.get(header) or "").split(",")[0].strip()
        if address:
            return address[:64]
    return (meta.get("REMOTE_ADDR") or "unknown")[:64]


def login_address(request: HttpRequest) -> str | None:
    """django-axes' ``AXES_CLIENT_IP_CALLABLE``: ``client_address`` when it is an IP address,
    else None (axes' own fallback). Axes stores it in an IP address column, which PostgreSQL
    refuses to hold ``unknown`` (a request with no ``REMOTE_ADDR``, e.g. ``force_login``)."""
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


@cache
def parse_rate(text: str) -> Rate | None:
    """``"1200/min"`` → Rate(1200, 60); empty → None (no limit)."""
    if not text:
        return None
    number, _, unit = text.partition("/")
    period = _PERIODS.get(unit.strip()[:1].lower())
    if period is None or not number.strip().isdigit():
        raise ValueError(f"Invalid rate {text!r}: write <n>/s, <n>/min, <n>/h or <n>/d.")
    return Rate(int(number), period)


def rate_for(scope: str) -> Rate | None:
    return parse_rate(settings.ZAPAS["API_THROTTLE"].get(scope) or "")


def _window_key(scope: str, ident: str, rate: Rate, now: float) -> str:
    return f"{scope}:{ident}:{int(now // rate.period)}"


def _seconds_left(rate: Rate, now: float) -> int:
    return max(1, int(rate.period - now % rate.period + 0.999))


def hit(scope: str, ident: str) -> int | None:
    """Count one request of ``ident`` under ``scope``: None if allowed, else the seconds to wait."""
    rate = rate_for(scope)
    if rate is None:
        return None
    now = time.time()
    key = _window_key(scope, ident, rate, now)
    store = caches["throttle"]
    if store.add(key, 1, rate.period + 1):
        count = 1
    else:
        try:
            count = store.incr(key)
        except ValueError:  # expired between add and incr
            store.set(key, 1, rate.period + 1)
            count = 1
    return _seconds_left(rate, now) if count > rate.limit else None


def over(scope: str, ident: str) -> int | None:
    """Whether ``ident`` already used up ``scope`` in this window (without counting a request):
    None if not, else the seconds to wait."""
    rate = rate_for(scope)
    if rate is None:
        return None
    now = time.time()
    count = caches["throttle"].get(_window_key(scope, ident, rate, now), 0)
    return _seconds_left(rate, now) if count >= rate.limit else None


class _WindowThrottle(BaseThrottle):
    scope = ""

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        self._wait = None if ident is None else hit(self.scope, ident)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class DeviceThrottle(_WindowThrottle):
    """Requests per scanner device (or per staff user on a session): ``API_THROTTLE["device"]``."""

    scope = "device"

    def ident(self, request) -> str | None:
        device = getattr(request, "auth", None)
        if isinstance(device, ScannerDevice):
            return f"d{device.pk}"
        user = getattr(request, "user", None)
        return f"u{user.pk}" if user is not None and user.is_authenticated else None


class AddressThrottle(_WindowThrottle):
    """Requests per client address, whoever sends them (a warehouse's scanners may share one
    address behind NAT, so this rate is the higher one): ``API_THROTTLE["address"]``."""

    scope = "address"

    def ident(self, request) -> str | None:
        return client_address(request)
