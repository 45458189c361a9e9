"""The scanner device behind a token, cached by token hash with explicit invalidation.

Every API request authenticates a device. Reading it (with its user and warehouse) costs a
query and the ORM's compilation of it; the cache (``ZAPAS["DEVICE_CACHE"]``, the ``devices``
alias of ``CACHES``) keeps the instances for ``ZAPAS["DEVICE_CACHE_SECONDS"]``. Issuing or
revoking a token and saving or deleting a device delete its entry, right away and again after
commit, so a revoked token fails on its next request. With a shared cache (Redis, set
``CACHE_URL``) that holds for every process; a per-process cache (the local default) only
knows its own deletions, so other processes accept a revoked token for at most
``DEVICE_CACHE_SECONDS`` (a system check warns about it when ``DEBUG`` is off).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.device_cache import cache_key, device_cache, device_forget, device_timeout
from core.models import ScannerDevice

# What a request reads of the device, its user and its warehouse. The user's password hash,
# names and dates stay deferred (reading one still works, with one more query).
_DEVICE_FIELDS = ("id", "name", "warehouse", "user", "is_active", "last_used_at", "token_hash")
_USER_FIELDS = ("id", "username", "is_active", "is_staff", "is_superuser")
_ABSENT = "absent"  # cached answer for an unknown token: a guessed token costs no query


def _read(digest: str) -> ScannerDevice | None:
    return (
        ScannerDevice.objects.select_related("user", "warehouse")
        .only(*_DEVICE_FIELDS, *(f"user__{name}" for name in _USER_FIELDS))
        .filter(token_hash=digest)
        .first()
    )


def device_by_token_hash(digest: str) -> ScannerDevice | None:
    """The device holding the token with this sha256, with its user and warehouse, or None."""
    cache = device_cache()
    found = cache.get(cache_key(digest))
    if found is None:
        found = _read(digest) or _ABSENT
        cache.set(cache_key(digest), found, device_timeout())
    return None if found == _ABSENT else found


def device_seen(device: ScannerDevice, *, precision: timedelta) -> None:
    """Record that ``device`` was used now, at most once per ``precision`` (a write per read
    would turn every lookup into a write); the cached copy gets the new date too."""
    now = timezone.now()
    if device.last_used_at is not None and now - device.last_used_at <= precision:
        return
    ScannerDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    device.last_used_at = now
    if device.token_hash:
        device_cache().set(cache_key(device.token_hash), device, device_timeout())


def user_devices_forget(sender, instance, **kwargs) -> None:
    """``post_save``/``post_delete`` receiver for the user model: a cached device carries its
    user, so deactivating a user must reach the API at once too. Cache invalidation only, not
    domain flow (which never runs through signals here)."""
    device_forget(
        *ScannerDevice.objects.filter(user_id=instance.pk, token_hash__isnull=False).values_list(
            "token_hash", flat=True
        )
    )
