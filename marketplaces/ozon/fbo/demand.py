"""FBO demand per buyer's cluster from FBO postings (``financial_data.cluster_to``).

The hourly FBO postings step keeps each posting's route (``PostingRoute``) and recomputes the
``planning.ClusterDemand`` of the days it touched from every FBO posting kept for them, so a
re-read changes nothing. Ozon names clusters by a string: matched to the account's clusters
by identifier or by name, compared as words in Latin letters (case, script, punctuation and
spacing aside: "Москва, МО и Дальние регионы" is Ozon's "Moskva, MO i Dal`nie regiony`"); a posting whose cluster is
unknown is left out until the clusters are imported (which recomputes the last weeks), and the
FBO postings step names it with its units, so no demand goes missing unseen. A posting shipped
from another cluster than the buyer's counts as non-local (Ozon's surcharge applies to it).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from marketplaces.ozon.fbo.models import ClusterLink, PostingRoute
from marketplaces.ozon.models import OzonAccount, Posting, PostingScheme, ProductLink
from planning.fbo_inputs import cluster_demand_replace

REBUILD_DAYS = 56
_NOT_A_WORD = re.compile(r"[\W_]+")
# Ozon's own examples name one cluster in Cyrillic, in Latin letters ("Moskva, MO i Dal`nie
# regiony`": soft signs as backticks) and by id: keys are compared in Latin letters.
_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"ю": "yu", "я": "ya", "ь": None, "ъ": None, "`": None, "'": None, "’": None},
    }
)


def cluster_key(name: str) -> str:
    """A cluster's name or id as words in Latin letters: case, script ("Москва" is "Moskva"),
    punctuation and spacing do not matter."""
    return " ".join(_NOT_A_WORD.sub(" ", name.casefold().translate(_LATIN)).split())


@dataclass
class ClusterDemandResult:
    rows: int = 0
    # buyer's clusters Ozon named that match none of the account's: name → units left out
    unmatched: Counter[str] = field(default_factory=Counter)


def posting_routes_record(*, account: OzonAccount, postings: list[dict[str, Any]]) -> set[str]:
    """Upsert the route of every posting that has ``financial_data``; the numbers of the
    postings whose route is new or changed (their days need recounting)."""
    routes = []
    for data in postings:
        money = data.get("financial_data") or {}
        number = data.get("posting_number")
        if not number or not isinstance(money, dict):
            continue
        routes.append(
            PostingRoute(
                account=account,
                posting_number=number,
                cluster_from=str(money.get("cluster_from") or "")[:200],
                cluster_to=str(money.get("cluster_to") or "")[:200],
            )
        )
    known = {
        number: (origin, to)
        for number, origin, to in PostingRoute.objects.filter(
            account=account, posting_number__in=[r.posting_number for r in routes]
        ).values_list("posting_number", "cluster_from", "cluster_to")
    }
    changed = {
        r.posting_number
        for r in routes
        if known.get(r.posting_number) != (r.cluster_from, r.cluster_to)
    }
    PostingRoute.objects.bulk_create(
        routes,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["account", "posting_number"],
        update_fields=["cluster_from", "cluster_to"],
    )
    return changed


def _cluster_lookup(account: OzonAccount) -> dict[str, int]:
    found: dict[str, int] = {}
    for link in ClusterLink.objects.filter(account=account):
        found[str(link.ozon_cluster_id)] = link.cluster_id
        found[cluster_key(link.name)] = link.cluster_id
    return found


def cluster_demand_recompute(*, account: OzonAccount, days: set[date]) -> ClusterDemandResult:
    """Recompute the account's cluster demand of ``days`` (local dates): the rows written and
    the units of postings whose buyer's cluster is unknown (left out)."""
    result = ClusterDemandResult()
    if not days:
        return result
    tz = timezone.get_current_timezone()
    lo = datetime.combine(min(days), datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(max(days) + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    skus = dict(ProductLink.objects.filter(account=account).values_list("offer_id", "sku_id"))
    clusters = _cluster_lookup(account)
    postings = list(
        Posting.objects.filter(
            account=account, scheme=PostingScheme.FBO, in_process_at__gte=lo, in_process_at__lt=hi
        ).exclude(status="cancelled")
    )
    routes = {
        r.posting_number: r
        for r in PostingRoute.objects.filter(
            account=account, posting_number__in=[p.posting_number for p in postings]
        )
    }
    cells: dict[tuple[int, int, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for posting in postings:
        day = timezone.localtime(posting.in_process_at, tz).date()
        route = routes.get(posting.posting_number)
        if day not in days or route is None:
            continue
        to = clusters.get(cluster_key(route.cluster_to))
        origin = cluster_key(route.cluster_from)
        away = bool(origin) and clusters.get(origin, origin) != to
        for _sku, offer, quantity, *_price in posting.products:
            sku_id = skus.get(offer)
            if sku_id is None or not isinstance(quantity, int) or quantity <= 0:
                continue
            if to is None:
                result.unmatched[route.cluster_to.strip() or "(none)"] += quantity
                continue
            cell = cells[(sku_id, to, day)]
            cell[0] += quantity
            cell[1] += 1
            cell[2] += quantity if away else 0
    result.rows = cluster_demand_replace(
        source=f"ozon:{account.pk}",
        days=days,
        cells={key: tuple(value) for key, value in cells.items()},
    )
    return result


def cluster_demand_rebuild(
    *, account: OzonAccount, days: int = REBUILD_DAYS
) -> ClusterDemandResult:
    """Recompute the last ``days`` days (after the clusters changed)."""
    today = timezone.localdate()
    return cluster_demand_recompute(
        account=account, days={today - timedelta(days=k) for k in range(days + 1)}
    )
