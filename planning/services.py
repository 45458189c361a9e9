"""Planning writes: the decisions people take on the planning run's suggestions.

The run itself (``plan_run``) lives in ``planning.runs``. These services are what the admin
calls: approve reorder suggestions into draft purchase orders, dismiss or resize them, approve a
fulfilment-scheme change, and turn FBO shipment suggestions into transfers.

Every service is keyword-only, runs in one transaction and locks the rows it changes with
``select_for_update()`` in primary-key order, so two people clicking at once cannot order the
same suggestion twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InsufficientStock, InvalidInput, InvalidTransition
from inventory import services as inventory_services
from inventory.models import (
    PurchaseOrder,
    Sku,
    StockLevel,
    SupplierItem,
    Transfer,
    Warehouse,
)
from planning.models import (
    FboShipmentSuggestion,
    FulfilmentDecision,
    ReorderSuggestion,
    SuggestionStatus,
)
from planning.quantity_caps import MAX_QUANTITY, out_of_range, quantity_problem

__all__ = [
    "fbo_suggestion_dismiss",
    "fbo_suggestions_to_transfers",
    "fulfilment_decision_approve",
    "fulfilment_decision_dismiss",
    "order_quantity_round",
    "suggestion_dismiss",
    "suggestion_quantity_preview",
    "suggestion_update_quantity",
    "suggestions_approve",
]

User = AbstractBaseUser | None


def _user_or_none(user: User) -> AbstractBaseUser | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _ids(items: QuerySet | Sequence) -> list[int]:
    if isinstance(items, QuerySet):
        return list(items.values_list("pk", flat=True))
    return [item.pk if hasattr(item, "pk") else int(item) for item in items]


# --- rounding ---------------------------------------------------------------------------------


def order_quantity_round(*, quantity: int, moq: int = 1, pack_size: int = 1) -> int:
    """Smallest orderable quantity ≥ ``quantity``: at least the MOQ, a whole number of packs.

    0 stays 0 (nothing to order). Units throughout.
    """
    if quantity <= 0:
        return 0
    pack = max(1, int(pack_size))
    wanted = max(int(quantity), int(moq or 1))
    return -(-wanted // pack) * pack


# --- reorder suggestions ----------------------------------------------------------------------


def _lock_suggestions(model, ids: list[int]) -> list:
    return list(
        model.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .select_related("sku", *(["supplier", "warehouse"] if model is ReorderSuggestion else []))
    )


@transaction.atomic
def suggestions_approve(
    *, suggestions: QuerySet[ReorderSuggestion] | Sequence[ReorderSuggestion], user: User
) -> list[PurchaseOrder]:
    """Approve reorder suggestions and order them: one draft PO per (supplier, warehouse).

    Quantities are already rounded to MOQ/pack size; several suggestions for the same SKU on
    the same PO become one line (their sum). Each suggestion ends ``ordered`` with its PO
    linked, ``decided_by``/``decided_at`` set. Locks the suggestions (pk order). Raises
    ``InvalidTransition`` (nothing written) if any of them is already ordered or dismissed.
    """
    ids = _ids(suggestions)
    if not ids:
        raise InvalidInput("Select at least one suggestion.", code="nothing_selected")
    locked = _lock_suggestions(ReorderSuggestion, ids)
    bad = [
        s for s in locked if s.status not in (SuggestionStatus.PROPOSED, SuggestionStatus.APPROVED)
    ]
    if bad:
        raise InvalidTransition(
            f"{len(bad)} suggestion(s) are already ordered or dismissed.",
            code="suggestion_not_open",
            details={"ids": [s.pk for s in bad]},
        )
    groups: dict[tuple[int, int], list[ReorderSuggestion]] = defaultdict(list)
    for suggestion in locked:
        groups[(suggestion.supplier_id, suggestion.warehouse_id)].append(suggestion)

    now = timezone.now()
    decided_by = _user_or_none(user)
    orders: list[PurchaseOrder] = []
    for (_supplier, _warehouse), group in sorted(groups.items()):
        per_sku: dict[int, list] = {}
        for s in group:
            line = per_sku.setdefault(s.sku_id, [s.sku, 0, s.unit_cost])
            line[1] += s.quantity
        po = inventory_services.purchase_order_create(
            supplier=group[0].supplier,
            warehouse=group[0].warehouse,
            lines=[(sku, qty, cost) for sku, qty, cost in per_sku.values()],
            user=decided_by,
            notes="From planning suggestions " + ", ".join(str(s.pk) for s in group),
        )
        ReorderSuggestion.objects.filter(pk__in=[s.pk for s in group]).update(
            status=SuggestionStatus.ORDERED,
            purchase_order=po,
            decided_by=decided_by,
            decided_at=now,
        )
        orders.append(po)
    return orders


def _dismiss(model, pk: int, *, user: User, open_statuses: tuple, code: str, **fields: Any):
    """Lock one suggestion or decision and mark it dismissed, recording who and when."""
    locked = model.objects.select_for_update().get(pk=pk)
    if locked.status not in open_statuses:
        raise InvalidTransition(
            f"The {model._meta.verbose_name} is {locked.get_status_display().lower()}; "
            "it cannot be dismissed.",
            code=code,
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.status = SuggestionStatus.DISMISSED
    locked.decided_by = _user_or_none(user)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", *fields])
    return locked


_OPEN_SUGGESTION = (SuggestionStatus.PROPOSED, SuggestionStatus.APPROVED)


@transaction.atomic
def suggestion_dismiss(
    *, suggestion: ReorderSuggestion, user: User, reason: str = ""
) -> ReorderSuggestion:
    """Dismiss an open reorder suggestion; ordered ones cannot be dismissed (cancel the PO)."""
    return _dismiss(
        ReorderSuggestion,
        suggestion.pk,
        user=user,
        open_statuses=_OPEN_SUGGESTION,
        code="suggestion_not_open",
        dismiss_reason=(reason or "")[:255],
    )


def _whole_quantity(quantity: Any) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(
            _("The quantity must be a whole number."), code="invalid_quantity"
        ) from exc
    if quantity < 1:
        raise InvalidInput(_("The quantity must be at least 1."), code="invalid_quantity")
    if quantity > MAX_QUANTITY:
        raise out_of_range(quantity)
    return quantity


def suggestion_quantity_preview(
    *, suggestion: ReorderSuggestion, quantity: int
) -> tuple[int, Decimal]:
    """(units after rounding up to MOQ and pack size, their cost) for ``quantity`` units on
    ``suggestion``; writes nothing (one query)."""
    item = SupplierItem.objects.filter(
        sku_id=suggestion.sku_id, supplier_id=suggestion.supplier_id
    ).first()
    moq, pack = (item.moq, item.pack_size) if item else (1, 1)
    rounded = order_quantity_round(quantity=quantity, moq=moq, pack_size=pack)
    return rounded, (suggestion.unit_cost * rounded).quantize(Decimal("0.01"))


@transaction.atomic
def suggestion_update_quantity(
    *, suggestion: ReorderSuggestion, quantity: int, user: User, confirmed: bool = False
) -> ReorderSuggestion:
    """Change a proposed suggestion's quantity (units), re-rounded up to MOQ and pack size.

    Refuses approved/ordered/dismissed suggestions (``InvalidTransition``), quantities below 1
    and quantities (after rounding) or costs beyond what the columns hold (``InvalidInput``
    ``invalid_quantity`` / ``quantity_out_of_range``). A quantity above
    ``planning.quantity_caps`` (N × the plan's suggested order or order-up-to level) needs
    ``confirmed=True``, else ``InvalidInput`` ``quantity_needs_confirmation`` with the figures
    in ``details``. The cost follows the new quantity.
    """
    quantity = _whole_quantity(quantity)
    locked = ReorderSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != SuggestionStatus.PROPOSED:
        raise InvalidTransition(
            _("The suggestion is %(status)s; its quantity is fixed.")
            % {"status": str(locked.get_status_display()).lower()},
            code="suggestion_not_open",
        )
    rounded, cost = suggestion_quantity_preview(suggestion=locked, quantity=quantity)
    problem = quantity_problem(locked, rounded=rounded, cost=cost, confirmed=confirmed)
    if problem is not None:
        raise problem
    locked.quantity = rounded
    locked.cost = cost
    note = (
        f" · quantity set to {quantity}{' (confirmed)' if confirmed else ''} by {user or 'system'}"
    )
    locked.reason = (locked.reason + note)[:255]
    locked.save(update_fields=["quantity", "cost", "reason"])
    return locked


# --- fulfilment scheme decisions --------------------------------------------------------------


@transaction.atomic
def fulfilment_decision_approve(*, decision: FulfilmentDecision, user: User) -> FulfilmentDecision:
    """Switch the SKU to the recommended scheme and record who approved it and when.

    Locks the decision and the SKU. The SKU's change shows in its history (simple-history)
    with ``user`` as the author. Refuses decisions no longer proposed.
    """
    locked = FulfilmentDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != SuggestionStatus.PROPOSED:
        raise InvalidTransition(
            f"The decision is {locked.get_status_display().lower()} already.",
            code="decision_not_open",
        )
    sku = Sku.objects.select_for_update().get(pk=locked.sku_id)
    sku.scheme = locked.recommended_scheme
    sku._history_user = _user_or_none(user)  # simple-history's hook for the author
    sku._change_reason = f"Fulfilment decision {locked.pk} approved"
    sku.save(update_fields=["scheme"])
    locked.status = SuggestionStatus.APPROVED
    locked.decided_by = _user_or_none(user)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def fulfilment_decision_dismiss(*, decision: FulfilmentDecision, user: User) -> FulfilmentDecision:
    """Keep the current scheme: the decision becomes dismissed (who/when recorded)."""
    return _dismiss(
        FulfilmentDecision,
        decision.pk,
        user=user,
        open_statuses=(SuggestionStatus.PROPOSED,),
        code="decision_not_open",
    )


# --- FBO shipments ----------------------------------------------------------------------------


def _default_source_warehouse(sku_ids: list[int]) -> Warehouse:
    """The active own warehouse holding the most available units of these SKUs."""
    best = (
        StockLevel.objects.filter(
            sku_id__in=sku_ids, warehouse__kind=Warehouse.Kind.OWN, warehouse__is_active=True
        )
        .values("warehouse_id")
        .annotate(units=Sum("on_hand") - Sum("reserved"))
        .order_by("-units", "warehouse_id")
        .first()
    )
    if best is not None:
        return Warehouse.objects.get(pk=best["warehouse_id"])
    fallback = Warehouse.objects.filter(kind=Warehouse.Kind.OWN, is_active=True).first()
    if fallback is None:
        raise InvalidInput("There is no active own warehouse to ship from.", code="no_source")
    return fallback


@transaction.atomic
def fbo_suggestions_to_transfers(
    *,
    suggestions: QuerySet[FboShipmentSuggestion] | Sequence[FboShipmentSuggestion],
    user: User,
    source_warehouse: Warehouse | None = None,
) -> list[Transfer]:
    """One draft transfer per FBO warehouse from ``source_warehouse`` (default: the own
    warehouse holding most of these SKUs). Several suggestions of one SKU for one warehouse
    become one line. The suggestions end ``ordered`` with the transfer linked. Locks the
    suggestions; refuses (nothing written) if any is no longer proposed.
    """
    ids = _ids(suggestions)
    if not ids:
        raise InvalidInput("Select at least one suggestion.", code="nothing_selected")
    locked = _lock_suggestions(FboShipmentSuggestion, ids)
    bad = [
        s for s in locked if s.status not in (SuggestionStatus.PROPOSED, SuggestionStatus.APPROVED)
    ]
    if bad:
        raise InvalidTransition(
            f"{len(bad)} suggestion(s) are already shipped or dismissed.",
            code="suggestion_not_open",
            details={"ids": [s.pk for s in bad]},
        )
    source = source_warehouse or _default_source_warehouse(sorted({s.sku_id for s in locked}))
    destinations = {
        w.pk: w for w in Warehouse.objects.filter(pk__in={s.warehouse_id for s in locked})
    }
    groups: dict[int, list[FboShipmentSuggestion]] = defaultdict(list)
    wanted: dict[int, int] = defaultdict(int)
    for suggestion in locked:
        groups[suggestion.warehouse_id].append(suggestion)
        wanted[suggestion.sku_id] += suggestion.quantity
    # Never a draft above what the source can give: the suggestion may be older than the stock
    # (sold, counted down, reserved since the plan). The rows stay locked until the drafts hold
    # their units (transfer_reserve), so nothing takes them in between.
    levels = inventory_services._lock_levels((sku_id, source.pk) for sku_id in sorted(wanted))
    short = {
        s.sku.code: (wanted[s.sku_id], levels[(s.sku_id, source.pk)].available)
        for s in locked
        if wanted[s.sku_id] > levels[(s.sku_id, source.pk)].available
    }
    if short:
        raise InsufficientStock(
            _(
                "%(warehouse)s has less than these shipments need: %(skus)s. Nothing was "
                "created; dismiss or lower them, or receive the stock first."
            )
            % {
                "warehouse": source.code,
                "skus": ", ".join(
                    _("%(sku)s %(wanted)s wanted, %(available)s available")
                    % {"sku": code, "wanted": need, "available": have}
                    for code, (need, have) in sorted(short.items())
                ),
            },
            details={
                "source": source.code,
                "short": {code: {"wanted": n, "available": a} for code, (n, a) in short.items()},
            },
        )
    now = timezone.now()
    decided_by = _user_or_none(user)
    transfers: list[Transfer] = []
    for warehouse_id, group in sorted(groups.items()):
        per_sku: dict[int, list] = {}
        for s in group:
            per_sku.setdefault(s.sku_id, [s.sku, 0])[1] += s.quantity
        transfer = inventory_services.transfer_create(
            source=source,
            destination=destinations[warehouse_id],
            lines=[(sku, qty) for sku, qty in per_sku.values()],
            user=decided_by,
        )
        inventory_services.transfer_reserve(transfer=transfer)  # the draft holds its units
        FboShipmentSuggestion.objects.filter(pk__in=[s.pk for s in group]).update(
            status=SuggestionStatus.ORDERED,
            transfer=transfer,
            decided_by=decided_by,
            decided_at=now,
        )
        transfers.append(transfer)
    return transfers


@transaction.atomic
def fbo_suggestion_dismiss(
    *, suggestion: FboShipmentSuggestion, user: User
) -> FboShipmentSuggestion:
    """Dismiss an open FBO shipment suggestion."""
    return _dismiss(
        FboShipmentSuggestion,
        suggestion.pk,
        user=user,
        open_statuses=_OPEN_SUGGESTION,
        code="suggestion_not_open",
    )
