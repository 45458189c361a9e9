"""The fake Ozon with the FBO methods: clusters, FBO stock analytics, routes, supply orders.

Answers are validated against the description like every other answer of the fake.
"""

from __future__ import annotations

from typing import Any

from marketplaces.ozon.rating.tests.fake_rating import RatingFakeOzon


class FboFakeOzon(RatingFakeOzon):
    """Holds clusters with their warehouses, FBO stock rows, each FBO posting's route and
    supply orders with their contents."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clusters: dict[int, dict[str, Any]] = {}
        self.fbo_stock: list[dict[str, Any]] = []
        self.routes: dict[str, tuple[str, str]] = {}  # posting → (cluster_from, cluster_to)
        self.supply_orders: dict[int, dict[str, Any]] = {}
        self.bundles: dict[str, list[dict[str, Any]]] = {}

    def add_cluster(self, cluster_id: int, name: str, warehouses: dict[int, str]) -> None:
        self.clusters[cluster_id] = {"name": name, "warehouses": dict(warehouses)}

    def cluster_of(self, warehouse_id: int) -> int:
        return next(c for c, data in self.clusters.items() if warehouse_id in data["warehouses"])

    def add_fbo_stock(
        self,
        sku: int,
        warehouse_id: int,
        *,
        available: int,
        in_transit: int = 0,
        requested: int = 0,
        ads: float = 0.0,
        idc: float = 0.0,
    ) -> None:
        cluster_id = self.cluster_of(warehouse_id)
        product = next(p for p in self.products.values() if p["sku"] == sku)
        self.fbo_stock.append(
            {
                "sku": sku,
                "offer_id": product["offer_id"],
                "name": product["name"],
                "warehouse_id": warehouse_id,
                "warehouse_name": self.clusters[cluster_id]["warehouses"][warehouse_id],
                "macrolocal_cluster_id": cluster_id,
                "cluster_id": cluster_id,
                "cluster_name": self.clusters[cluster_id]["name"],
                "available_stock_count": available,
                "transit_stock_count": in_transit,
                "requested_stock_count": requested,
                "ads": ads,
                "ads_cluster": ads,
                "idc": idc,
                "item_tags": [],
                "turnover_grade": "ACTUAL",
                "turnover_grade_cluster": "ACTUAL",
            }
        )

    def do_v2_cluster_list(self, body):
        return {
            "result": [
                {
                    "macrolocal_cluster_id": cluster_id,
                    "data": {
                        "macrolocal_cluster": {
                            "name": data["name"],
                            "country": {"name": "Russia", "uid": "RU"},
                        },
                        "fulfillments": [
                            {"warehouse_id": wid, "name": name}
                            for wid, name in data["warehouses"].items()
                        ],
                    },
                }
                for cluster_id, data in sorted(self.clusters.items())
            ]
        }

    def do_v1_analytics_stocks(self, body):
        wanted = {int(s) for s in body["skus"]}
        if len(wanted) > 100:
            return self._error(400, 3, "skus: no more than 100 values")
        return {"items": [row for row in self.fbo_stock if row["sku"] in wanted]}

    def do_v3_posting_fbo_list(self, body):
        answer = super().do_v3_posting_fbo_list(body)
        if (body.get("with") or {}).get("financial_data"):
            for posting in answer["postings"]:
                route = self.routes.get(posting["posting_number"])
                if route:
                    posting["financial_data"] = {"cluster_from": route[0], "cluster_to": route[1]}
        return answer

    def add_supply_order(
        self, order_id: int, state: str, supplies: dict[int, tuple[int, dict[int, int]]]
    ) -> None:
        """``supplies``: supply id → (storage warehouse id, {ozon sku: quantity})."""
        rows = []
        for supply_id, (warehouse_id, items) in supplies.items():
            bundle = f"b-{supply_id}"
            self.bundles[bundle] = [
                {"sku": sku, "quantity": quantity, "offer_id": f"offer-{sku}", "name": ""}
                for sku, quantity in items.items()
            ]
            rows.append({"supply_id": supply_id, "warehouse_id": warehouse_id, "bundle": bundle})
        self.supply_orders[order_id] = {"state": state, "supplies": rows}

    def do_v3_supply_order_list(self, body):
        states = set(body["filter"]["states"])
        ids = sorted(i for i, o in self.supply_orders.items() if o["state"] in states)
        start = int(body.get("last_id") or 0)
        page = ids[start : start + body["limit"]]
        more = start + len(page) < len(ids)
        return {
            "order_ids": [str(i) for i in page],
            "last_id": str(start + len(page)) if more else "",
        }

    def do_v3_supply_order_get(self, body):
        orders = []
        for order_id in (int(i) for i in body["order_ids"]):
            order = self.supply_orders.get(order_id)
            if order is None:
                continue
            supplies = []
            for row in order["supplies"]:
                cluster_id = self.cluster_of(row["warehouse_id"])
                supplies.append(
                    {
                        "supply_id": row["supply_id"],
                        "bundle_id": row["bundle"],
                        "state": order["state"],
                        "macrolocal_cluster_id": cluster_id,
                        "storage_warehouse": {
                            "warehouse_id": row["warehouse_id"],
                            "name": self.clusters[cluster_id]["warehouses"][row["warehouse_id"]],
                            "address": "",
                        },
                    }
                )
            orders.append(
                {
                    "order_id": order_id,
                    "order_number": f"SO-{order_id}",
                    "state": order["state"],
                    "created_date": "2026-12-01T09:00:00Z",
                    "state_updated_date": "2026-12-02T09:00:00Z",
                    "supplies": supplies,
                }
            )
        return {"orders": orders}

    def do_v1_supply_order_bundle(self, body):
        items = self.bundles.get(body["bundle_ids"][0], [])
        start = int(body.get("last_id") or 0)
        page = items[start : start + body["limit"]]
        more = start + len(page) < len(items)
        return {
            "items": page,
            "total_count": len(items),
            "has_next": more,
            "last_id": str(start + len(page)) if more else "",
        }
