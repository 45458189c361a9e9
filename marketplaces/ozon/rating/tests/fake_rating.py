"""The fake Ozon with the rating methods (answers validated against the description too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from marketplaces.ozon.tests.fake import FakeOzon, iso


class RatingFakeOzon(FakeOzon):
    """Holds Ozon's error index (percent), its days, thresholds and the postings it counts."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = 0.0
        self.processing_costs = 0.0
        self.warning_threshold = 10.0
        self.danger_threshold = 40.0
        self.index_days: list[dict[str, Any]] = []
        self.index_postings: list[dict[str, Any]] = []
        self.localization = 72

    def add_index_posting(
        self,
        number: str,
        error_type: str,
        error_at: datetime,
        *,
        price: float = 1000.0,
        charge_percent: float = 3.0,
    ) -> None:
        self.index_postings.append(
            {
                "posting_number": number,
                "posting_error_type": error_type,
                "error_at": iso(error_at),
                "delivery_schema": "FBS",
                "index": self.index,
                "product_price": price,
                "product_price_currency_code": "RUB",
                "charge_percent": charge_percent,
                "charge_price": round(price * charge_percent / 100, 2),
                "charge_price_currency_code": "RUB",
                "has_grace_status": False,
            }
        )

    def do_v1_rating_summary(self, body):
        return {
            "groups": [
                {
                    "group_name": "Delivery",
                    "items": [
                        {
                            "rating": "rating_general_indicator_fbs_rfbs",
                            "name": "FBS and rFBS error index",
                            "current_value": self.index,
                            "past_value": self.index,
                            "rating_direction": "LOWER_IS_BETTER",
                            "status": "OK",
                            "value_type": "PERCENT",
                            "change": {"direction": "DIRECTION_NONE", "meaning": "MEANING_NONE"},
                        }
                    ],
                }
            ],
            "localization_index": [
                {"calculation_date": iso(self.now()), "localization_percentage": self.localization}
            ],
            "penalty_score_exceeded": False,
            "premium": False,
            "premium_plus": False,
        }

    def do_v1_rating_history(self, body):
        now = self.now()
        values = [
            {
                "date_from": iso(now - timedelta(days=15)),
                "date_to": iso(now - timedelta(days=1)),
                "value": self.index,
                "status": {
                    "danger": self.index > self.danger_threshold,
                    "warning": self.index > self.warning_threshold,
                    "premium": False,
                },
            }
        ]
        return {
            "ratings": [
                {
                    "rating": name,
                    "danger_threshold": self.danger_threshold,
                    "warning_threshold": self.warning_threshold,
                    "premium_threshold": 0.0,
                    "values": values,
                }
                for name in body["ratings"]
            ],
            "premium_scores": [],
        }

    def do_v1_rating_index_fbs_info(self, body):
        now = self.now()
        return {
            "index": self.index,
            "processing_costs_sum": self.processing_costs,
            "currency_code": "RUB",
            "period_from": (now - timedelta(days=14)).strftime("%Y-%m-%d"),
            "period_to": (now - timedelta(days=1)).strftime("%Y-%m-%d"),
            "defects": self.index_days,
        }

    def do_v1_rating_index_fbs_posting_list(self, body):
        flt = body["filter"]
        lo = datetime.fromisoformat(flt["date_from"].replace("Z", "+00:00"))
        hi = datetime.fromisoformat(flt["date_to"].replace("Z", "+00:00"))
        rows = [
            p
            for p in self.index_postings
            if lo <= datetime.fromisoformat(p["error_at"].replace("Z", "+00:00")) <= hi
        ]
        start = int(body.get("cursor") or 0)
        page = rows[start : start + body["limit"]]
        more = start + len(page) < len(rows)
        return {"errors": page, "cursor": str(start + len(page)) if more else "", "has_next": more}
