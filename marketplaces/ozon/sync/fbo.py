"""FBO postings (``/v3/posting/fbo/list``) become demand history, so the forecast sees FBO sales,
and demand per buyer's cluster (``marketplaces.ozon.fbo.demand``), so FBO supplies follow it.

Ozon ships FBO postings from its own warehouses: Zapas reserves nothing for them. Each posting
is kept (``Posting``, scheme FBO, with its Ozon warehouse) and the demand cells of the SKUs and
days it touches are recomputed from every FBO posting kept for them (source ``fbo``), so a
re-read of an overlapping window changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.fbo.demand import cluster_demand_recompute, posting_routes_record
from marketplaces.ozon.models import OzonAccount, Posting, PostingScheme, ProductLink
from marketplaces.ozon.sync.catalogue import StepResult
from marketplaces.ozon.sync.postings import _price, _time
from planning.demand_external import demand_cells_replace
from planning.models import DemandSource

FIRST_WINDOW = timedelta(days=30)
OVERLAP = timedelta(days=2)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fbo_postings_sync(
    *, account: OzonAccount, client: OzonClient, since: datetime | None = None
) -> StepResult:
    result = StepResult()
    now = timezone.now()
    last = (
        Posting.objects.filter(account=account, scheme=PostingScheme.FBO)
        .order_by("-in_process_at")
        .values_list("in_process_at", flat=True)
        .first()
    )
    start = since or ((last - OVERLAP) if last else now - FIRST_WINDOW)
    body = {
        "filter": {"since": _iso(start), "to": _iso(now)},
        "limit": 100,
        # the warehouse and the route (buyer's cluster) feed the demand per cluster
        "with": {"analytics_data": True, "financial_data": True},
    }
    postings: list[dict[str, Any]] = []
    for page in client.pages("/v3/posting/fbo/list", body, items="postings"):
        postings += page
    known = dict(
        Posting.objects.filter(
            account=account, posting_number__in=[p.get("posting_number") for p in postings]
        ).values_list("posting_number", "status")
    )
    rows = []
    for data in postings:
        number = data.get("posting_number")
        if not number:
            continue
        status = (data.get("status") or "")[:32]
        if known.get(number) == status:
            result.unchanged += 1
            continue
        result.created += number not in known
        result.updated += number in known
        rows.append(
            Posting(
                account=account,
                posting_number=number,
                scheme=PostingScheme.FBO,
                ozon_warehouse_id=(data.get("analytics_data") or {}).get("warehouse_id"),
                status=status,
                substatus=(data.get("substatus") or "")[:48],
                in_process_at=_time(data.get("in_process_at")) or _time(data.get("created_at")),
                products=[
                    [p.get("sku"), p.get("offer_id"), p.get("quantity"), str(_price(p))]
                    for p in data.get("products") or []
                ],
            )
        )
    with transaction.atomic():
        Posting.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["account", "posting_number"],
            update_fields=["status", "substatus", "products", "ozon_warehouse_id"],
        )
        _demand_recompute(account, rows)
        # a posting's day is recounted when its status or its route changed (the first read
        # of routes for postings Zapas already held changes only the route)
        routed = posting_routes_record(account=account, postings=postings)
        moments = [p.in_process_at for p in rows] + [
            _time(d.get("in_process_at")) or _time(d.get("created_at"))
            for d in postings
            if d.get("posting_number") in routed
        ]
        demand = cluster_demand_recompute(
            account=account, days={timezone.localdate(m) for m in moments if m}
        )
    if demand.unmatched:
        named = ", ".join(f"{name!r} {units:,}" for name, units in demand.unmatched.most_common(5))
        result.notes.append(
            f"FBO units to buyer's clusters Zapas does not know, left out of the demand per "
            f"cluster until the clusters are read again (ozon_fbo_import): {named}"
            + (f" and {len(demand.unmatched) - 5} more" if len(demand.unmatched) > 5 else "")
        )
    return result


def _demand_recompute(account: OzonAccount, changed: list[Posting]) -> None:
    skus = dict(ProductLink.objects.filter(account=account).values_list("offer_id", "sku_id"))
    days = {p.in_process_at.date() for p in changed if p.in_process_at}
    if not days:
        return
    tz = timezone.get_current_timezone()
    lo = datetime.combine(min(days) - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(max(days) + timedelta(days=2), datetime.min.time(), tzinfo=tz)
    touched = {
        (skus.get(offer), timezone.localtime(p.in_process_at, tz).date())
        for p in changed
        if p.in_process_at
        for _sku, offer, *_ in p.products
    }
    cells: dict[tuple[int, Any], list] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for posting in Posting.objects.filter(
        account=account, scheme=PostingScheme.FBO, in_process_at__gte=lo, in_process_at__lt=hi
    ):
        day = timezone.localtime(posting.in_process_at, tz).date()
        for _sku, offer, quantity, *price in posting.products:
            key = (skus.get(offer), day)
            if key not in touched or key[0] is None or not isinstance(quantity, int):
                continue
            cell = cells[key]
            if posting.status == "cancelled":
                cell[2] += quantity
            else:
                cell[0] += quantity
                cell[1] += 1
                cell[3] += Decimal(price[0] if price else "0") * quantity
    demand_cells_replace(
        source=DemandSource.FBO,
        cells={key: tuple(cells.get(key, (0, 0, 0, Decimal(0)))) for key in touched if key[0]},
    )
