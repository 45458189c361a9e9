"""A stateful fake Ozon Seller API on 127.0.0.1, for the tests and ``bench/ozon_sync.py``.

It holds warehouses, products, stock and postings, answers the methods the connector uses with
cursor pagination, and can be told to misbehave: HTTP 429 with ``Retry-After``, 5xx, "Circle is
open", per-item ``TOO_MANY_REQUESTS`` (one stock update per pair per 30 s, as Ozon), a
``ship_failed`` substatus after a pack call, split postings and out-of-order changes.

Every request it receives is validated strictly against Ozon's description and every answer
it gives is validated too (``validate_responses``), so neither side can drift from the
contract; violations are kept in ``contract_errors`` and answered with HTTP 400.
"""

from __future__ import annotations

import json
import operator
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from marketplaces.ozon import contract

CLIENT_ID = "123456"
API_KEY = "fake-api-key-0123456789"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_BY_CHANGE = operator.attrgetter("changed_at", "posting_number")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class FakePosting:
    posting_number: str
    warehouse_id: int
    products: list[dict[str, Any]]  # {"sku", "offer_id", "name", "quantity", "price"}
    status: str = "awaiting_packaging"
    substatus: str = "posting_created"
    in_process_at: datetime | None = None
    shipment_date: datetime | None = None
    parent_posting_number: str = ""
    cancellation: dict[str, Any] | None = None
    changed_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    scheme: str = "fbs"
    order_id: int = 0


class FakeOzon:
    """The state and the request handler; ``start()`` serves it on 127.0.0.1."""

    def __init__(
        self,
        *,
        validate_responses: bool = True,
        enforce_limits: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.validate_responses = validate_responses
        self.enforce_limits = enforce_limits
        self.now = now
        self.warehouses: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}  # product_id -> product
        self.stock: dict[
            tuple[int, int], dict[str, int]
        ] = {}  # (product_id, wh) -> present/reserved
        self.postings: dict[str, FakePosting] = {}
        self.faults: dict[str, deque[tuple]] = defaultdict(deque)
        self.ship_fails: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_times: list[float] = []  # time.monotonic() of each call, as ``calls``
        self.stock_updates: list[tuple[float, int, int, int]] = []  # (time, product, wh, stock)
        self.contract_errors: list[str] = []
        self.cancel_reasons = [{"id": 352, "type_id": "seller"}, {"id": 402, "type_id": "seller"}]
        self._last_pair_update: dict[tuple[int, int], float] = {}
        self.limited = 0  # requests answered 429 because the limits were exceeded
        self._second: deque[float] = deque()
        self._stock_minute: deque[float] = deque()
        self._lock = threading.RLock()
        self.server: HTTPServer | None = None
        self.key_expires_at = datetime.now(UTC) + timedelta(days=90)

    # --- building state --------------------------------------------------------------------

    def add_warehouse(self, warehouse_id: int, name: str, **extra: Any) -> None:
        self.warehouses[warehouse_id] = {
            "warehouse_id": warehouse_id,
            "name": name,
            "status": "created",
            "is_rfbs": False,
            "working_days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
            "cut_in_time": 14 * 60,
            "address_info": {"address": f"{name} street 1", "utc": "UTC+03:00"},
            **extra,
        }

    def add_product(
        self,
        product_id: int,
        offer_id: str,
        *,
        sku: int | None = None,
        name: str = "",
        barcodes: list[str] | None = None,
        archived: bool = False,
        price: str = "100.00",
    ) -> None:
        self.products[product_id] = {
            "product_id": product_id,
            "offer_id": offer_id,
            "sku": sku or product_id + 1_000_000,
            "name": name or f"Product {offer_id}",
            "barcodes": barcodes or [],
            "archived": archived,
            "price": price,
        }

    def set_stock(self, product_id: int, warehouse_id: int, present: int, reserved: int = 0):
        self.stock[(product_id, warehouse_id)] = {"present": present, "reserved": reserved}

    def add_posting(self, posting: FakePosting) -> FakePosting:
        if posting.in_process_at is None and posting.status != "awaiting_registration":
            posting.in_process_at = self.now() - timedelta(hours=1)
        if posting.shipment_date is None:
            posting.shipment_date = self.now() + timedelta(days=1)
        posting.order_id = posting.order_id or len(self.postings) + 1
        posting.changed_at = self.now()
        self.postings[posting.posting_number] = posting
        return posting

    def change(self, posting_number: str, *, status: str, substatus: str = "", **fields) -> None:
        posting = self.postings[posting_number]
        posting.status = status
        posting.substatus = substatus or f"posting_{status}"
        for key, value in fields.items():
            setattr(posting, key, value)
        posting.changed_at = self.now()

    def cancel_by_customer(self, posting_number: str) -> None:
        self.change(
            posting_number,
            status="cancelled",
            substatus="posting_canceled",
            cancellation={
                "cancel_reason_id": 506,
                "cancel_reason": "The customer changed their mind",
                "cancellation_type": "client",
                "cancellation_initiator": "Client",
                "affect_cancellation_rating": False,
                "cancelled_after_ship": False,
            },
        )

    def split(self, posting_number: str, child_number: str, moved: dict[int, int]) -> FakePosting:
        """Split ``moved`` ({sku: quantity}) off a posting into ``child_number``, as Ozon does:
        the parent keeps its number and the rest, the child names it as its parent."""
        parent = self.postings[posting_number]
        kept, taken = [], []
        for product in parent.products:
            quantity = moved.get(product["sku"], 0)
            if quantity:
                taken.append({**product, "quantity": quantity})
            if product["quantity"] > quantity:
                kept.append({**product, "quantity": product["quantity"] - quantity})
        parent.products = kept
        parent.changed_at = self.now()
        child = FakePosting(
            child_number,
            parent.warehouse_id,
            taken,
            status=parent.status,
            substatus=parent.substatus,
            in_process_at=parent.in_process_at,
            shipment_date=parent.shipment_date,
            parent_posting_number=posting_number,
            order_id=parent.order_id,
        )
        return self.add_posting(child)

    def fail_next(
        self, path: str, kind: str, *, times: int = 1, retry_after: int = 1, after: int = 0
    ) -> None:
        """Queue faults for ``path``: ``"429"``, ``"500"``, ``"circle"``.

        ``after`` lets that many calls to ``path`` pass first (a fault mid-pagination).
        """
        for n in range(times):
            self.faults[path].append((kind, retry_after, after if n == 0 else 0))

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [body for called, body in self.calls if called == path]

    # --- serving -----------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeOzon:
        self.server = HTTPServer(host="127.0.0.1", port=port, threaded=True)
        self.server.expect_request(
            __import__("re").compile(r"^/.*"), method="POST"
        ).respond_with_handler(self.handle)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.clear()
            if self.server.is_running():
                self.server.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def handle(self, request: Request) -> Response:
        path = request.path
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return self._error(400, 3, "proto syntax error")
        with self._lock:
            self.calls.append((path, body))
            self.call_times.append(time.monotonic())
            if (
                request.headers.get("Client-Id") != CLIENT_ID
                or request.headers.get("Api-Key") != API_KEY
            ):
                return self._error(403, 7, "Invalid Api-Key, please contact support")
            if self.enforce_limits and (limited := self._rate_limited(path)):
                return limited
            if self.faults[path]:
                kind, retry_after, after = self.faults[path][0]
                if after:
                    self.faults[path][0] = (kind, retry_after, after - 1)
                else:
                    self.faults[path].popleft()
                    return self._fault(kind, retry_after)
            try:
                contract.validate_request(path, body)
            except contract.ContractError as exc:
                self.contract_errors.append(str(exc))
                return self._error(400, 3, str(exc))
            handler = getattr(
                self, "do_" + path.strip("/").replace("/", "_").replace("-", "_"), None
            )
            if handler is None:
                return self._error(404, 5, f"{path} is not served by the fake")
            answer = handler(body)
        if isinstance(answer, Response):
            return answer
        if self.validate_responses:
            try:
                contract.validate_response(path, answer)
            except contract.ContractError as exc:
                self.contract_errors.append("response " + str(exc))
                return self._error(500, 13, str(exc))
        return Response(json.dumps(answer), status=200, content_type="application/json")

    def _error(self, status: int, code: int, message: str, headers=None) -> Response:
        return Response(
            json.dumps({"code": code, "message": message, "details": []}),
            status=status,
            content_type="application/json",
            headers=headers,
        )

    def _fault(self, kind: str, retry_after: int) -> Response:
        if kind == "429":
            return self._error(
                429,
                8,
                "You have reached request rate limit per second",
                {"Retry-After": str(retry_after)},
            )
        if kind == "circle":
            return self._error(503, 14, "Circle is open")
        return self._error(500, 13, "Internal error")

    def _rate_limited(self, path: str) -> Response | None:
        now = time.monotonic()
        while self._second and now - self._second[0] >= 1.0:
            self._second.popleft()
        if len(self._second) >= 50:
            self.limited += 1
            return self._error(
                429, 8, "You have reached request rate limit per second", {"Retry-After": "1"}
            )
        if path == "/v2/products/stocks":
            while self._stock_minute and now - self._stock_minute[0] >= 60.0:
                self._stock_minute.popleft()
            if len(self._stock_minute) >= 80:
                self.limited += 1
                wait = int(60 - (now - self._stock_minute[0])) + 1
                return self._error(
                    429,
                    8,
                    "You have reached request rate limit per minute",
                    {"Retry-After": str(wait)},
                )
            self._stock_minute.append(now)
        self._second.append(now)
        return None

    # --- methods ------------------------------------------------------------------------------

    def do_v1_roles(self, body):
        return {
            "expires_at": iso(self.key_expires_at),
            "roles": [{"name": "Admin", "methods": ["/v2/warehouse/list"]}],
        }

    def do_v2_warehouse_list(self, body):
        ids = sorted(self.warehouses)
        start = int(body.get("cursor") or 0)
        page = ids[start : start + body["limit"]]
        more = start + len(page) < len(ids)
        return {
            "warehouses": [self.warehouses[i] for i in page],
            "cursor": str(start + len(page)) if more else "",
            "has_next": more,
        }

    def do_v3_product_list(self, body):
        ids = sorted(self.products)
        after = int(body.get("last_id") or 0)
        limit = body.get("limit") or 1000
        page = [i for i in ids if i > after][:limit]
        items = [
            {
                "product_id": i,
                "offer_id": self.products[i]["offer_id"],
                "sku": self.products[i]["sku"],
                "archived": self.products[i]["archived"],
                "has_fbo_stocks": False,
                "has_fbs_stocks": True,
                "is_discounted": False,
                "quants": [],
            }
            for i in page
        ]
        return {
            "result": {
                "items": items,
                "total": len(ids),
                "last_id": str(page[-1]) if len(page) == limit else "",
            }
        }

    def do_v3_product_info_list(self, body):
        wanted = {int(p) for p in body.get("product_id", [])}
        offers = set(body.get("offer_id", []))
        items = []
        for product in self.products.values():
            if product["product_id"] in wanted or product["offer_id"] in offers:
                items.append(
                    {
                        "id": product["product_id"],
                        "offer_id": product["offer_id"],
                        "sku": product["sku"],
                        "name": product["name"],
                        "barcodes": product["barcodes"],
                        "is_archived": product["archived"],
                        "is_autoarchived": False,
                        "price": product["price"],
                        "currency_code": "RUB",
                    }
                )
        return {"items": items}

    def do_v2_product_info_stocks_by_warehouse_fbs(self, body):
        offers, skus = set(body.get("offer_id", [])), set(body.get("sku", []))
        wanted = {
            pid
            for pid, p in self.products.items()
            if p["offer_id"] in offers or (skus and str(p["sku"]) in skus)
        }
        rows = sorted(key for key in self.stock if not wanted or key[0] in wanted)
        start = int(body.get("cursor") or 0)
        page = rows[start : start + body["limit"]]
        more = start + len(page) < len(rows)
        products = []
        for product_id, warehouse_id in page:
            product, level = self.products[product_id], self.stock[(product_id, warehouse_id)]
            products.append(
                {
                    "product_id": product_id,
                    "offer_id": product["offer_id"],
                    "sku": product["sku"],
                    "warehouse_id": warehouse_id,
                    "warehouse_name": self.warehouses[warehouse_id]["name"],
                    "present": level["present"],
                    "reserved": level["reserved"],
                    "free_stock": level["present"] - level["reserved"],
                }
            )
        return {
            "products": products,
            "cursor": str(start + len(page)) if more else "",
            "has_next": more,
        }

    def _list_posting(self, posting: FakePosting) -> dict[str, Any]:
        answer = {
            "posting_number": posting.posting_number,
            "order_id": posting.order_id,
            "order_number": posting.posting_number.rsplit("-", 1)[0],
            "status": posting.status,
            "substatus": posting.substatus,
            "in_process_at": iso(posting.in_process_at),
            "shipment_date": iso(posting.shipment_date),
            "parent_posting_number": posting.parent_posting_number,
            "delivery_method": {"warehouse_id": posting.warehouse_id, "name": "Courier"},
            "products": [
                {
                    "sku": p["sku"],
                    "offer_id": p["offer_id"],
                    "name": p.get("name", ""),
                    "quantity": p["quantity"],
                    "price": {"amount": p.get("price", "100.00"), "currency": "RUB"},
                }
                for p in posting.products
            ],
        }
        if answer["in_process_at"] is None:
            del answer["in_process_at"]
        if posting.cancellation:
            answer["cancellation"] = posting.cancellation
        return answer

    def _fbs(self) -> list[FakePosting]:
        return [p for p in self.postings.values() if p.scheme == "fbs"]

    def _paged(self, postings: list[FakePosting], body) -> dict[str, Any]:
        postings.sort(key=_BY_CHANGE)
        start = int(body.get("cursor") or 0)
        page = postings[start : start + body["limit"]]
        more = start + len(page) < len(postings)
        return {
            "postings": [self._list_posting(p) for p in page],
            "cursor": str(start + len(page)) if more else "",
            "has_next": more,
        }

    def do_v4_posting_fbs_unfulfilled_list(self, body):
        flt = body.get("filter") or {}
        statuses = set(flt.get("statuses") or ["awaiting_packaging", "awaiting_deliver"])
        if "cutoff_from" in flt:  # one pass over the postings (the bench holds 10,000)
            lo, hi = _parse(flt["cutoff_from"]), _parse(flt["cutoff_to"])
            chosen = [
                p
                for p in self.postings.values()
                if p.scheme == "fbs" and p.status in statuses and lo <= p.shipment_date <= hi
            ]
        else:
            chosen = [p for p in self._fbs() if p.status in statuses]
        if flt.get("warehouse_ids"):
            wanted = {int(w) for w in flt["warehouse_ids"]}
            chosen = [p for p in chosen if p.warehouse_id in wanted]
        answer = self._paged(chosen, body)
        answer["count"] = len(answer["postings"])
        return answer

    def do_v4_posting_fbs_list(self, body):
        flt = body["filter"]
        changed = flt.get("last_changed_status_date")
        if changed:
            lo, hi = _parse(changed["from"]), _parse(changed["to"])
            chosen = [p for p in self._fbs() if lo <= p.changed_at <= hi]
        else:
            lo, hi = _parse(flt["since"]), _parse(flt["to"])
            chosen = [p for p in self._fbs() if p.in_process_at and lo <= p.in_process_at <= hi]
        if flt.get("statuses"):
            chosen = [p for p in chosen if p.status in set(flt["statuses"])]
        return self._paged(chosen, body)

    def do_v3_posting_fbs_get(self, body):
        posting = self.postings.get(body["posting_number"])
        if posting is None:
            return {"result": {}}
        answer = self._list_posting(posting)
        for product in answer["products"]:
            product["price"] = product["price"]["amount"]
        answer["related_postings"] = {
            "related_posting_numbers": [
                p.posting_number
                for p in self.postings.values()
                if p.parent_posting_number == posting.posting_number
            ]
        }
        return {"result": answer}

    def do_v4_posting_fbs_ship(self, body):
        posting = self.postings.get(body["posting_number"])
        if posting is None:
            return {"result": []}
        if posting.status not in ("awaiting_packaging",):
            # Ozon refuses to pack a posting twice; the connector counts this as done.
            return self._error(400, 3, "POSTING_ALREADY_SHIPPED")
        if posting.posting_number in self.ship_fails:
            self.ship_fails.discard(posting.posting_number)
            posting.substatus = "ship_failed"
        else:
            self.change(
                posting.posting_number,
                status="awaiting_deliver",
                substatus="posting_awaiting_passport_data",
            )
        return {"result": [posting.posting_number]}

    def do_v2_posting_fbs_cancel(self, body):
        posting = self.postings.get(body["posting_number"])
        if posting is None or posting.status not in ("awaiting_packaging", "awaiting_deliver"):
            return {"result": False}
        self.change(
            posting.posting_number,
            status="cancelled",
            substatus="posting_canceled",
            cancellation={
                "cancel_reason_id": body["cancel_reason_id"],
                "cancel_reason": "Cancelled by the seller",
                "cancellation_type": "seller",
                "cancellation_initiator": "Seller",
                "affect_cancellation_rating": True,
                "cancelled_after_ship": False,
            },
        )
        return {"result": True}

    def do_v1_posting_fbs_cancel_reason(self, body):
        return {
            "result": [
                {"posting_number": number, "reasons": self.cancel_reasons}
                for number in body["related_posting_numbers"]
            ]
        }

    def do_v2_products_stocks(self, body):
        now = time.monotonic()
        result = []
        for item in body["stocks"]:
            key = (item["product_id"], item["warehouse_id"])
            row = {"product_id": item["product_id"], "warehouse_id": item["warehouse_id"]}
            if item.get("offer_id"):
                row["offer_id"] = item["offer_id"]
            last = self._last_pair_update.get(key)
            if last is not None and now - last < 30:
                row.update(
                    updated=False,
                    errors=[{"code": "TOO_MANY_REQUESTS", "message": "too many requests"}],
                )
            elif item["product_id"] not in self.products:
                row.update(updated=False, errors=[{"code": "NOT_FOUND", "message": "not found"}])
            else:
                self._last_pair_update[key] = now
                self.stock_updates.append((now, *key, item["stock"]))
                level = self.stock.setdefault(key, {"present": 0, "reserved": 0})
                level["present"] = item["stock"] + level["reserved"]
                row.update(updated=True, errors=[])
            result.append(row)
        return {"result": result}

    def do_v3_posting_fbo_list(self, body):
        flt = body.get("filter") or {}
        chosen = [p for p in self.postings.values() if p.scheme == "fbo"]
        if flt.get("since"):
            lo, hi = _parse(flt["since"]), _parse(flt["to"])
            chosen = [p for p in chosen if p.in_process_at and lo <= p.in_process_at <= hi]
        chosen.sort(key=lambda p: p.posting_number)
        start = int(body.get("cursor") or 0)
        limit = body.get("limit") or 100
        page = chosen[start : start + limit]
        more = start + len(page) < len(chosen)
        postings = [
            {
                "posting_number": p.posting_number,
                "order_id": p.order_id,
                "status": p.status,
                "in_process_at": iso(p.in_process_at),
                "created_at": iso(p.in_process_at),
                "analytics_data": {
                    "warehouse_id": p.warehouse_id,
                    "warehouse_name": f"FBO {p.warehouse_id}",
                },
                "products": [
                    {
                        "sku": x["sku"],
                        "offer_id": x["offer_id"],
                        "name": x.get("name", ""),
                        "quantity": x["quantity"],
                        "price": {"amount": x.get("price", "100.00"), "currency": "RUB"},
                    }
                    for x in p.products
                ],
            }
            for p in page
        ]
        return {
            "postings": postings,
            "cursor": str(start + len(page)) if more else "",
            "has_next": more,
        }
