"""Where scanner devices are cached, and how an entry is dropped (see ``core.devices``)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import BaseCache, caches

from core.transactions import after_commit


def device_cache() -> BaseCache:
    return caches[settings.ZAPAS.get("DEVICE_CACHE", "devices")]


def device_timeout() -> int:
    return int(settings.ZAPAS.get("DEVICE_CACHE_SECONDS", 300))


def cache_key(digest: str) -> str:
    return f"scanner-device:{digest}"


def device_forget(*digests: str | None) -> None:
    """Drop the cached entries of these token hashes now and after the current commit (a
    request that read the old row before the commit may have cached it again meanwhile)."""
    keys = [cache_key(digest) for digest in digests if digest]
    if keys:
        device_cache().delete_many(keys)
        after_commit(device_cache().delete_many, keys)
