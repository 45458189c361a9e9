"""Ozon's macrolocal clusters and their FBO warehouses (``/v2/cluster/list``), daily.

Each cluster becomes an ``inventory.FboCluster`` (code ``ozon-<id>``) and each of its
warehouses a Zapas warehouse of kind FBO (code ``OZF-<warehouse_id>``) in that cluster.
Idempotent: a re-read changes nothing; a renamed cluster or a warehouse moved to another
cluster is updated; a cluster Ozon no longer lists is marked inactive (its history stays).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from inventory.models import FboCluster, Warehouse
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.contract import ContractError
from marketplaces.ozon.fbo.demand import cluster_demand_rebuild
from marketplaces.ozon.fbo.models import ClusterLink, FboWarehouseLink
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.sync.catalogue import StepResult

PATH = "/v2/cluster/list"


def _id(value: Any, path: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ContractError(path, f"an identifier is missing or not a number: {value!r}", where)
    try:
        number = int(value)
    except ValueError:
        raise ContractError(path, f"an identifier is not a number: {value!r}", where) from None
    if number <= 0:
        raise ContractError(path, f"an identifier must be positive: {value!r}", where)
    return number


def warehouse_link(
    *, account: OzonAccount, ozon_warehouse_id: int, name: str, cluster: ClusterLink | None
) -> FboWarehouseLink:
    """The link of an Ozon FBO warehouse, created with its Zapas warehouse when new."""
    link = (
        FboWarehouseLink.objects.filter(account=account, ozon_warehouse_id=ozon_warehouse_id)
        .select_related("warehouse")
        .first()
    )
    name = (name or f"Ozon FBO {ozon_warehouse_id}")[:200]
    if link is None:
        warehouse, _ = Warehouse.objects.get_or_create(
            code=f"OZF-{ozon_warehouse_id}"[:32],
            defaults={"name": name, "kind": Warehouse.Kind.FBO},
        )
        link = FboWarehouseLink(
            account=account, ozon_warehouse_id=ozon_warehouse_id, warehouse=warehouse
        )
    changed = link.pk is None or link.name != name
    link.name = name
    if cluster is not None and link.cluster_link_id != cluster.pk:
        link.cluster_link, changed = cluster, True
    if changed:
        link.save()
    if cluster is not None and link.warehouse.cluster_id != cluster.cluster_id:
        Warehouse.objects.filter(pk=link.warehouse_id).update(cluster_id=cluster.cluster_id)
    return link


def _parse(answer: dict[str, Any]) -> list[tuple[int, str, str, list[tuple[int, str]]]]:
    rows = answer.get("result")
    if not isinstance(rows, list):
        raise ContractError(PATH, "the answer has no cluster list", "/result")
    parsed = []
    for n, row in enumerate(rows):
        where = f"/result/{n}"
        if not isinstance(row, dict):
            raise ContractError(PATH, "a cluster is not an object", where)
        cluster_id = _id(row.get("macrolocal_cluster_id"), PATH, where + "/macrolocal_cluster_id")
        data = row.get("data") or {}
        info = data.get("macrolocal_cluster") or {}
        name = str(info.get("name") or f"Cluster {cluster_id}")[:200]
        country = str((info.get("country") or {}).get("name") or "")[:100]
        warehouses = [
            (
                _id(w.get("warehouse_id"), PATH, f"{where}/data/fulfillments/{k}"),
                str(w.get("name") or ""),
            )
            for k, w in enumerate(data.get("fulfillments") or [])
            if isinstance(w, dict)
        ]
        parsed.append((cluster_id, name, country, warehouses))
    return parsed


def clusters_sync(*, account: OzonAccount, client: OzonClient) -> StepResult:
    """Import the clusters and their warehouses (module docstring); one transaction."""
    result = StepResult()
    parsed = _parse(client.call(PATH, {}))
    with transaction.atomic():
        seen: list[int] = []
        for cluster_id, name, country, warehouses in parsed:
            seen.append(cluster_id)
            zapas, made = FboCluster.objects.get_or_create(
                code=f"ozon-{cluster_id}", defaults={"name": name}
            )
            if not made and (zapas.name != name or not zapas.is_active):
                FboCluster.objects.filter(pk=zapas.pk).update(name=name, is_active=True)
            link = ClusterLink.objects.filter(account=account, ozon_cluster_id=cluster_id).first()
            if link is None:
                link = ClusterLink.objects.create(
                    account=account,
                    ozon_cluster_id=cluster_id,
                    name=name,
                    country=country,
                    cluster=zapas,
                )
                result.created += 1
            elif (link.name, link.country) != (name, country):
                link.name, link.country = name, country
                link.save(update_fields=["name", "country", "updated_at"])
                result.updated += 1
            else:
                result.unchanged += 1
            for warehouse_id, warehouse_name in warehouses:
                warehouse_link(
                    account=account,
                    ozon_warehouse_id=warehouse_id,
                    name=warehouse_name,
                    cluster=link,
                )
        gone = ClusterLink.objects.filter(account=account).exclude(ozon_cluster_id__in=seen)
        FboCluster.objects.filter(pk__in=gone.values("cluster_id")).update(is_active=False)
        if gone.exists():
            result.notes.append(f"{gone.count()} clusters no longer listed by Ozon")
        if result.created:  # postings that named a cluster unknown until now count from now
            cluster_demand_rebuild(account=account)
    return result
