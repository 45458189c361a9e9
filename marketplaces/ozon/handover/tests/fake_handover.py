"""The fake Ozon with package labels and carriages (answers validated against the description)."""

from __future__ import annotations

import base64
import json
from typing import Any

from werkzeug import Response

from marketplaces.ozon import contract
from marketplaces.ozon.handover.pdf import pdf_merge
from marketplaces.ozon.tests.fake import FakeOzon


def label_pdf(text: str) -> bytes:
    """A one-page PDF (100 × 150 mm) whose only text is ``text``: a stand-in for Ozon's label."""
    content = f"BT /F1 14 Tf 20 380 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 283 425]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class HandoverFakeOzon(FakeOzon):
    """Labels for packed postings (≤ 20 a request) and carriages with their act.

    ``label_as_json`` answers the label as the description's object (``file_content`` in
    base64) instead of the PDF bytes Ozon sends; ``not_ready`` holds postings whose label
    Ozon has not made yet.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label_as_json = False
        self.not_ready: set[str] = set()
        self.delivery_methods: dict[int, dict[str, Any]] = {}  # id -> {warehouse_id, name}
        self.carriages: dict[int, dict[str, Any]] = {}
        self.containers_per_carriage = 0  # package units Ozon counts for each new carriage

    def _file(self, path: str, name: str, content: bytes) -> Response | dict[str, Any]:
        if not self.label_as_json:
            return Response(content, status=200, content_type="application/pdf")
        answer = {
            "content_type": "application/pdf",
            "file_name": name,
            "file_content": base64.b64encode(content).decode(),
        }
        try:
            contract.validate_response(path, answer, media_type="application/pdf")
        except contract.ContractError as exc:
            self.contract_errors.append("response " + str(exc))
        return Response(json.dumps(answer), status=200, content_type="application/json")

    def do_v2_posting_fbs_package_label(self, body):
        numbers = body["posting_number"]
        if not numbers or len(numbers) > 20:
            return self._error(400, 3, "posting_number: from 1 to 20 postings a request")
        for number in numbers:
            posting = self.postings.get(number)
            if posting is None:
                return self._error(404, 5, f"posting {number} not found")
            if posting.status != "awaiting_deliver":
                return self._error(400, 3, f"POSTING_NOT_PACKED: {number} is {posting.status}")
        late = [n for n in numbers if n in self.not_ready]
        if late:
            return self._error(400, 3, "The next postings aren't ready: " + ", ".join(late))
        pages = [label_pdf(f"LABEL {number}") for number in numbers]
        content = pages[0] if len(pages) == 1 else pdf_merge(pages)
        return self._file("/v2/posting/fbs/package-label", "ticket.pdf", content)

    # --- carriages ----------------------------------------------------------------------------

    def add_delivery_method(self, method_id: int, warehouse_id: int, name: str = "Ozon courier"):
        self.delivery_methods[method_id] = {"warehouse_id": warehouse_id, "name": name}

    def _awaiting(self, method_id: int) -> list[str]:
        warehouse = self.delivery_methods[method_id]["warehouse_id"]
        taken = {n for c in self.carriages.values() for n in c["postings"]}
        return sorted(
            p.posting_number
            for p in self._fbs()
            if p.warehouse_id == warehouse
            and p.status == "awaiting_deliver"
            and p.posting_number not in taken
        )

    def do_v2_carriage_delivery_list(self, body):
        wanted = body.get("filter", {})
        day = wanted.get("departure_date", "")
        methods = []
        for method_id, method in sorted(self.delivery_methods.items()):
            if wanted.get("delivery_method_id") not in (None, method_id):
                continue
            count = len(self._awaiting(method_id))
            carriages = [
                {"id": carriage_id, "status": c["status"], "postings_count": len(c["postings"])}
                for carriage_id, c in sorted(self.carriages.items())
                if c["method"] == method_id and str(c["departure_date"]).startswith(day)
            ]
            if not count and not carriages:
                continue  # Ozon leaves out methods without shipments
            methods.append(
                {
                    "delivery_method_id": method_id,
                    "delivery_method_name": method["name"],
                    "warehouse_id": method["warehouse_id"],
                    "warehouse_name": self.warehouses.get(method["warehouse_id"], {}).get(
                        "name", ""
                    ),
                    "mandatory_postings_count": count,
                    "carriage_postings_count": sum(c["postings_count"] for c in carriages),
                    "carriages": carriages,
                    "departure_date": day,
                }
            )
        return {"methods": methods, "cursor": "", "has_next": False}

    def do_v1_carriage_create(self, body):
        method_id = body.get("delivery_method_id")
        if method_id not in self.delivery_methods:
            return self._error(400, 3, "delivery method not found")
        postings = self._awaiting(method_id)
        if not postings:
            return self._error(400, 3, "NO_POSTINGS_FOR_CARRIAGE")
        carriage_id = 900_000_000 + len(self.carriages) + 1
        self.carriages[carriage_id] = {
            "method": method_id,
            "postings": postings,
            "status": "new",
            "departure_date": body.get("departure_date"),
            "containers": self.containers_per_carriage,
        }
        return {"carriage_id": carriage_id}

    def do_v1_carriage_get(self, body):
        carriage = self.carriages.get(body["carriage_id"])
        if carriage is None:
            return self._error(404, 5, "carriage not found")
        return {
            "carriage_id": body["carriage_id"],
            "delivery_method_id": carriage["method"],
            "status": carriage["status"],
            "containers_count": carriage["containers"],
            "departure_date": carriage["departure_date"],
        }

    def do_v2_posting_fbs_act_get_container_labels(self, body):
        carriage = self.carriages.get(body["id"])
        if carriage is None:
            return self._error(404, 5, "carriage not found")
        if not carriage["containers"]:
            return self._error(400, 3, "carriage has no containers")
        pages = [
            label_pdf(f"CONTAINER {body['id']}-{n}") for n in range(1, carriage["containers"] + 1)
        ]
        content = pages[0] if len(pages) == 1 else pdf_merge(pages)
        return self._file(
            "/v2/posting/fbs/act/get-container-labels",
            f"carriage-containers-{body['id']}.pdf",
            content,
        )

    def do_v1_carriage_approve(self, body):
        carriage = self.carriages.get(body["carriage_id"])
        if carriage is None:
            return self._error(404, 5, "carriage not found")
        carriage["status"] = "FORMED"
        return {}

    def do_v2_posting_fbs_act_get_postings(self, body):
        carriage = self.carriages.get(body["id"])
        if carriage is None:
            return self._error(404, 5, "carriage not found")
        return {
            "result": [
                {
                    "id": n,
                    "posting_number": number,
                    "status": "awaiting_deliver",
                    "multi_box_qty": 1,
                }
                for n, number in enumerate(carriage["postings"], 1)
            ]
        }

    def do_v2_posting_fbs_act_get_pdf(self, body):
        carriage = self.carriages.get(body["id"])
        if carriage is None:
            return self._error(404, 5, "carriage not found")
        if carriage["status"] != "FORMED":
            return self._error(400, 3, "act is not formed: approve the carriage first")
        content = label_pdf(f"ACT {body['id']}: " + " ".join(carriage["postings"]))
        return self._file("/v2/posting/fbs/act/get-pdf", f"{body['id']}.pdf", content)
