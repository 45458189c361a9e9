"""What Ozon really charges, handed to the planner's cost model (``planning.CostObservation``).

- Charge per seller cancellation: the ``charge_price`` of the SELLER_CANCELLATION postings of
  Ozon's error index (imported by ``rating``), averaged per SKU over the postings holding it
  and over all of them for the catalogue; SKUs without one take the catalogue's average, and
  the flat tariff applies while Ozon has charged nothing yet.
- Local share: Ozon's localization index (``localization_percentage`` of the last rating
  import) for SKUs without FBO routes of their own.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount, Posting, ProductLink
from marketplaces.ozon.rating.models import IndexPosting, RatingSnapshot
from marketplaces.ozon.sync.catalogue import StepResult
from planning.fbo_inputs import cost_observations_replace
from planning.fbo_models import CostKind

CENT = Decimal("0.01")


def charges_refresh(*, account: OzonAccount, client: OzonClient | None = None) -> StepResult:
    """Recompute the measured charge per cancellation and local share (module docstring)."""
    result = StepResult()
    charged = dict(
        IndexPosting.objects.filter(
            account=account, error_type="SELLER_CANCELLATION", charge_price__isnull=False
        ).values_list("posting_number", "charge_price")
    )
    skus = dict(ProductLink.objects.filter(account=account).values_list("offer_id", "sku_id"))
    per_sku: dict[int, list[Decimal]] = defaultdict(list)
    for number, products in Posting.objects.filter(
        account=account, posting_number__in=list(charged)
    ).values_list("posting_number", "products"):
        for sku_id in {skus.get(p[1]) for p in products if len(p) > 1} - {None}:
            per_sku[sku_id].append(charged[number])
    values = list(charged.values())
    catalogue = ((sum(values) / len(values)).quantize(CENT), len(values)) if values else None
    result.updated = cost_observations_replace(
        kind=CostKind.CANCEL_CHARGE,
        source=f"ozon:{account.pk}",
        per_sku={
            sku_id: ((sum(v) / len(v)).quantize(CENT), len(v)) for sku_id, v in per_sku.items()
        },
        catalogue=catalogue,
        currency="RUB",
    )
    latest = (
        RatingSnapshot.objects.filter(account=account, localization_percentage__isnull=False)
        .order_by("-day")
        .values_list("localization_percentage", flat=True)
        .first()
    )
    if latest is not None:
        share = min(max(Decimal(latest) / 100, Decimal(0)), Decimal(1))
        cost_observations_replace(
            kind=CostKind.LOCAL_SHARE,
            source=f"ozon:{account.pk}",
            per_sku={},
            catalogue=(share, 1),
        )
        result.updated += 1
    return result
