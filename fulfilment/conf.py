"""Fulfilment settings with their defaults.

Override any key in ``settings.ZAPAS_FULFILMENT`` (a dict); read values with :func:`setting`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # An open FBS order is "due soon" within this many working hours of its ship-by deadline.
    "DUE_SOON_WORKING_HOURS": 4,
    # The working day used to count working hours (local time of the warehouse).
    "WORKDAY_START": "09:00",
    "WORKDAY_END": "18:00",
    # Seller metric thresholds (fractions). Ozon's published rules for FBS: danger at 20 %
    # seller-caused cancellations or 20 % late shipments.
    "METRIC_THRESHOLDS": {
        "cancellation_rate": {"warning": 0.10, "danger": 0.20},
        "late_shipment_rate": {"warning": 0.10, "danger": 0.20},
        # On-time rate is "higher is better": warning/danger when it falls below these.
        "on_time_rate": {"warning": 0.90, "danger": 0.80},
    },
    "METRIC_WINDOWS_DAYS": (7, 14, 30),
    # Customer delay notices.
    "NOTICE_REQUIRE_APPROVAL": False,
    "NOTICE_DEFAULT_LANGUAGE": "ru",
    "NOTICE_LANGUAGES": ("ru", "en"),
    "NOTICE_MAX_ATTEMPTS": 5,
    # A notice stuck in "sending" longer than this (a worker died mid-send) is retried.
    "NOTICE_SENDING_STALE_MINUTES": 15,
    # Channel name -> dotted path of a fulfilment.notices.channels.Channel subclass.
    "NOTICE_CHANNELS": {
        "email": "fulfilment.notices.channels.EmailChannel",
        "buyer_chat": "fulfilment.notices.channels.BuyerChatChannel",
    },
    # Used when the customer's contact is not an e-mail address.
    "NOTICE_FALLBACK_CHANNEL": "buyer_chat",
    # Compensation: the first rule that matches wins. ``event`` is a notice kind or "*";
    # ``min_delay_days`` compares the new estimate with the original deadline; ``min_order_total``
    # compares the order total (RUB). Kinds: coupon (value = percent), free_delivery_upgrade,
    # gift, none.
    "COMPENSATION_RULES": [
        # a customer who takes the in-stock substitute gets it sent with a faster delivery
        {"event": "short", "substitute": True, "kind": "free_delivery_upgrade"},
        {"event": "*", "min_delay_days": 5, "kind": "coupon", "value": 15},
        {"event": "carrier_delay", "min_delay_days": 0, "kind": "free_delivery_upgrade"},
        {"event": "*", "min_delay_days": 2, "kind": "coupon", "value": 10},
        {"event": "*", "min_order_total": 10000, "kind": "gift"},
        {"event": "*", "kind": "coupon", "value": 5},
    ],
}


def setting(name: str) -> Any:
    """The configured value of ``name`` (``settings.ZAPAS_FULFILMENT`` over the defaults)."""
    overrides = getattr(settings, "ZAPAS_FULFILMENT", {}) or {}
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]
