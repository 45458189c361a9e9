"""System checks of the core app."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def device_cache_is_shared(app_configs, **kwargs) -> list[Warning]:
    """A per-process device cache delays a revocation in the other server processes."""
    alias = settings.ZAPAS.get("DEVICE_CACHE", "devices")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "Scanner devices are cached per process: with several server processes a "
                "revoked token keeps working in the others for up to "
                f"ZAPAS_DEVICE_CACHE_SECONDS ({settings.ZAPAS.get('DEVICE_CACHE_SECONDS')} s).",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
                id="zapas.W001",
            )
        ]
    return []


@register(deploy=True)
def throttle_cache_is_shared(app_configs, **kwargs) -> list[Warning]:
    """Per-process request counts multiply the API's limits by the number of processes."""
    backend = settings.CACHES.get("throttle", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The API's request limits are counted per process: with N server processes "
                "a device, an address or a token guesser gets up to N times ZAPAS_API_RATE_*.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
                id="zapas.W002",
            )
        ]
    return []
