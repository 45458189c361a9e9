"""Caps on a reorder quantity typed by a person.

A quantity beyond what the columns hold (2³¹ − 1 units, a cost of 10¹² in the supplier's
currency) is refused. One more than ``ZAPAS["REORDER_CONFIRM_FACTOR"]`` (default 3) times the
plan's own figure — the larger of the suggested order and the order-up-to level of the run
that made the suggestion — is accepted only when confirmed: a typo of three extra zeros must
not become a purchase order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from planning.models import ReorderSuggestion, SkuPlan

#: ``ReorderSuggestion.quantity`` and ``PurchaseOrderLine.quantity_ordered`` are 32-bit integers.
MAX_QUANTITY = 2_147_483_647
#: ``ReorderSuggestion.cost`` holds 14 digits, 2 after the point.
MAX_COST = Decimal("999999999999.99")
DEFAULT_CONFIRM_FACTOR = 3


def confirm_factor() -> float:
    return float(settings.ZAPAS.get("REORDER_CONFIRM_FACTOR", DEFAULT_CONFIRM_FACTOR))


@dataclass(frozen=True)
class QuantityBasis:
    """What the plan said for the suggestion's SKU (units) and the quantity above which an
    edit needs confirmation."""

    suggested: int
    order_up_to: int
    confirm_above: int


def quantity_basis(suggestion: ReorderSuggestion) -> QuantityBasis:
    """The plan figures behind ``suggestion`` (one query): its run's SKU plan, else the SKU's
    newest kept plan, else the suggestion's own quantity."""
    plans = SkuPlan.objects.filter(sku_id=suggestion.sku_id).only("suggested_order", "order_up_to")
    plan = None
    if suggestion.run_id is not None:
        plan = plans.filter(run_id=suggestion.run_id).first()
    if plan is None:
        plan = plans.order_by("-plan_date", "-run_id").first()
    if plan is not None:
        suggested = max(int(plan.suggested_order), 0)
        order_up_to = math.ceil(plan.order_up_to) if math.isfinite(plan.order_up_to) else 0
    else:
        suggested, order_up_to = suggestion.quantity, 0
    basis = max(suggested, order_up_to, 1)
    return QuantityBasis(
        suggested=suggested,
        order_up_to=max(order_up_to, 0),
        confirm_above=min(math.floor(basis * confirm_factor()), MAX_QUANTITY),
    )


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _factor_text(factor: float) -> str:
    return number_format(int(factor) if factor.is_integer() else factor)


def out_of_range(quantity: int) -> InvalidInput:
    return InvalidInput(
        _("%(quantity)s units is more than can be ordered (at most %(max)s).")
        % {"quantity": _n(quantity), "max": _n(MAX_QUANTITY)},
        code="quantity_out_of_range",
        details={"quantity": quantity, "max": MAX_QUANTITY},
    )


def quantity_problem(
    suggestion: ReorderSuggestion, *, rounded: int, cost: Decimal, confirmed: bool
) -> InvalidInput | None:
    """Why ``rounded`` units (costing ``cost``) cannot be saved on ``suggestion`` as they are,
    or None: out of range, or above the confirmation cap without ``confirmed``."""
    if rounded > MAX_QUANTITY:
        return out_of_range(rounded)
    if cost > MAX_COST:
        return InvalidInput(
            _("%(quantity)s units would cost more than an order can hold.")
            % {"quantity": _n(rounded)},
            code="quantity_out_of_range",
            details={"quantity": rounded, "cost": str(cost)},
        )
    basis = quantity_basis(suggestion)
    if rounded <= basis.confirm_above or confirmed:
        return None
    return InvalidInput(
        _(
            "%(quantity)s units is more than %(factor)s× what the plan suggests "
            "(suggested %(suggested)s, order-up-to level %(order_up_to)s)."
        )
        % {
            "quantity": _n(rounded),
            "factor": _factor_text(confirm_factor()),
            "suggested": _n(basis.suggested),
            "order_up_to": _n(basis.order_up_to),
        },
        code="quantity_needs_confirmation",
        details={
            "quantity": rounded,
            "suggested": basis.suggested,
            "order_up_to": basis.order_up_to,
            "confirm_above": basis.confirm_above,
        },
    )
