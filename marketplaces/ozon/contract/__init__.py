"""Ozon's own OpenAPI description as the contract for every body the connector sends or fakes.

``validate_request(path, body)`` checks a request body against the method's schema, and in
*strict* mode also refuses fields the schema does not name (the description never says
``additionalProperties: false``, so a misspelt field would otherwise pass). Responses from
Ozon are parsed tolerantly (real answers differ from the description in places, e.g.
``working_days`` as integers); the tests' fake validates its own answers with
``validate_response``.
"""

from __future__ import annotations

import gzip
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SPEC_FILE = Path(__file__).with_name("seller-api-2026-08-02.json.gz")
_URI = "urn:ozon-seller-api"

# Switched off by Ozon in 2025–2026 (the description's "News"); the replacement in the comment.
SWITCHED_OFF = frozenset(
    {
        "/v3/posting/fbs/list",  # /v4/posting/fbs/list
        "/v3/posting/fbs/unfulfilled/list",  # /v4/posting/fbs/unfulfilled/list
        "/v2/posting/fbo/list",  # /v3/posting/fbo/list
        "/v1/warehouse/list",  # /v2/warehouse/list
        "/v1/product/import/stocks",  # /v2/products/stocks
        "/v2/product/list",  # /v3/product/list
        "/v2/product/info",  # /v3/product/info/list
        "/v3/product/info/stocks",  # /v4/product/info/stocks
        "/v2/analytics/stock_on_warehouses",  # /v1/analytics/stocks
        "/v1/analytics/manage/stocks",  # /v1/analytics/stocks
        "/v2/posting/fbs/act/create",  # /v1/carriage/create + /v1/carriage/approve
        "/v2/chat/list",  # /v3/chat/list
        "/v2/chat/history",  # /v3/chat/history
    }
)


class ContractError(ValueError):
    """A body does not match Ozon's description (or the method is unknown or switched off)."""

    def __init__(self, path: str, message: str, where: str = "") -> None:
        self.path, self.where = path, where
        super().__init__(f"{path}: {message}" + (f" at {where}" if where else ""))


def _drop_hint_patterns(node: Any) -> Any:
    # The description's few ``pattern`` values are hints for people (" YYYY-MM-DDThh:mm:ssZ",
    # "+7(XXX)XXX-XX-XX"), not regular expressions; Ozon itself accepts RFC 3339 times. A few
    # types are misspelt ``"int"`` (``/v2/posting/fbs/act/get-postings``): they mean integer.
    if isinstance(node, dict):
        return {
            k: "integer" if k == "type" and v == "int" else _drop_hint_patterns(v)
            for k, v in node.items()
            if not (k == "pattern" and isinstance(v, str) and ("YYYY" in v or "X" in v))
        }
    if isinstance(node, list):
        return [_drop_hint_patterns(v) for v in node]
    return node


_spec_lock = threading.Lock()


@cache
def spec() -> dict[str, Any]:
    # Read once even when several request threads ask at the same moment (``cache`` alone
    # would let each of them parse the description).
    with _spec_lock:
        return _spec()


@cache
def _spec() -> dict[str, Any]:
    with gzip.open(SPEC_FILE, "rt", encoding="utf-8") as fh:
        return _drop_hint_patterns(json.load(fh))


@cache
def _registry() -> Registry:
    return Registry().with_resource(
        _URI, Resource.from_contents(spec(), default_specification=DRAFT7)
    )


def _operation(path: str) -> dict[str, Any]:
    if path in SWITCHED_OFF:
        raise ContractError(path, "Ozon has switched this method off")
    try:
        return spec()["paths"][path]["post"]
    except KeyError:
        raise ContractError(path, "not a method of the Seller API") from None


def _pointer(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/"):
        return {"$ref": _URI + ref}
    return schema


@cache
def _validator(
    path: str, part: str, status: str = "200", media_type: str = "application/json"
) -> Draft7Validator:
    op = _operation(path)
    if part == "request":
        content = op.get("requestBody", {}).get("content", {})
    else:
        content = op["responses"].get(status, op["responses"].get("default", {})).get("content", {})
    schema = content.get(media_type, {}).get("schema", {"type": "object"})
    return Draft7Validator(_pointer(schema), registry=_registry())


def method_exists(path: str) -> bool:
    """True for a current method of the description (not switched off)."""
    try:
        _operation(path)
    except ContractError:
        return False
    return True


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"].removeprefix(_URI)
        node: Any = spec()
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _unknown_fields(schema: dict[str, Any], value: Any, where: str = "") -> list[str]:
    """Keys of ``value`` the schema does not declare, recursively (the strict check)."""
    schema = _resolve(schema)
    found: list[str] = []
    if isinstance(value, dict):
        props: dict[str, Any] = {}
        for part in [schema, *[_resolve(s) for s in schema.get("allOf", [])]]:
            props.update(part.get("properties", {}))
            # A name the schema requires is declared, even where the description forgot its
            # property (``/v2/products/stocks`` requires ``quant_size`` and defines it nowhere).
            props.update({name: {} for name in part.get("required", []) if name not in props})
        if not props:
            return found
        for key, item in value.items():
            if key not in props:
                found.append(f"{where}/{key}")
            else:
                found += _unknown_fields(props[key], item, f"{where}/{key}")
    elif isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            found += _unknown_fields(schema["items"], item, f"{where}/{n}")
    return found


def _check(path: str, validator: Draft7Validator, body: Any, strict: bool) -> None:
    error: ValidationError | None = next(iter(validator.iter_errors(body)), None)
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise ContractError(path, error.message, where)
    if strict:
        unknown = _unknown_fields(validator.schema, body)
        if unknown:
            raise ContractError(path, "fields the description does not define", ", ".join(unknown))


def validate_request(path: str, body: Any, *, strict: bool = True) -> None:
    """Raise ``ContractError`` unless ``body`` is a valid request body for ``path``."""
    if not isinstance(body, dict):
        raise ContractError(path, "a request body is a JSON object")
    _check(path, _validator(path, "request"), body, strict)


def validate_response(
    path: str,
    body: Any,
    *,
    status: int = 200,
    strict: bool = True,
    media_type: str = "application/json",
) -> None:
    """Raise ``ContractError`` unless ``body`` is a valid ``status`` answer of ``path``.

    ``media_type``: the answer's documented type (files are ``application/pdf`` objects)."""
    _check(path, _validator(path, "response", str(status), media_type), body, strict)
