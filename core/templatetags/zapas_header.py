"""The admin header's additions: the language switch and, for warehouse staff, the scan station."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()

SCAN_STATION_GROUPS = ("Warehouse",)


@register.inclusion_tag("zapas/language_switch.html", takes_context=True)
def language_switch(context) -> dict:
    request = context.get("request")
    return {
        "languages": settings.LANGUAGES,
        "next": request.get_full_path() if request is not None else "/",
    }


@register.simple_tag(takes_context=True)
def sees_scan_station(context) -> bool:
    """Warehouse staff (and superusers) get a link to /scan/ in the header."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=SCAN_STATION_GROUPS).exists()
