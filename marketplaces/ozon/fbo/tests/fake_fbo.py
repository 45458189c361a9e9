"""The fake Ozon with the FBO methods: clusters, FBO stock analytics, routes, supply orders.

Answers are validated against the description like every other answer of the fake.
"""

from __future__ import annotations

from typing import Any

from marketplaces.ozon.rating.tests.fake_rating import RatingFakeOzon


class FboFakeOzon(RatingFakeOzon):
    """Holds clusters with their warehouses, FBO stock rows and each FBO posting's route."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clusters: dict[int, dict[str, Any]] = {}
        self.fbo_stock: list[dict[str, Any]] = []
        self.routes: dict[str, tuple[str, str]] = {}  # posting → (cluster_from, cluster_to)

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
