"""Which compensation a delayed customer is offered: the first configured rule that matches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fulfilment.conf import setting
from fulfilment.models import CompensationKind


@dataclass(frozen=True)
class Compensation:
    kind: str = CompensationKind.NONE
    value: Decimal | None = None  # coupon percent


NONE = Compensation()


def compensation_for(
    *,
    kind: str,
    delay_days: int | None,
    order_total: Decimal,
    rules: Sequence[dict[str, Any]] | None = None,
    substitute_offered: bool = False,
) -> Compensation:
    """The compensation for a notice of ``kind`` about a delay of ``delay_days`` days.

    A rule matches when its ``event`` is ``kind`` or ``"*"``, the delay is at least its
    ``min_delay_days`` (an unknown delay matches only rules without one) and the order total is
    at least its ``min_order_total``; a rule with ``substitute`` matches only when the notice
    offers an in-stock substitute (``True``) or does not (``False``). No match: no compensation.
    """
    for rule in setting("COMPENSATION_RULES") if rules is None else rules:
        if rule.get("event", "*") not in ("*", kind):
            continue
        min_delay = rule.get("min_delay_days")
        if min_delay is not None and (delay_days is None or delay_days < min_delay):
            continue
        if order_total < Decimal(str(rule.get("min_order_total", 0))):
            continue
        if "substitute" in rule and bool(rule["substitute"]) != substitute_offered:
            continue
        comp_kind = rule.get("kind", CompensationKind.NONE)
        if comp_kind not in CompensationKind.values:
            continue  # a typo in settings must not stop notices
        value = rule.get("value")
        return Compensation(comp_kind, Decimal(str(value)) if value is not None else None)
    return NONE
