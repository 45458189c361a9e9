"""The connector speaks only Ozon's current, described methods, with bodies that fit them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplaces.ozon import contract
from marketplaces.ozon.client import OzonClient

PACKAGE = Path(contract.__file__).resolve().parent.parent


def _called_paths() -> set[str]:
    """Every Seller API path literal in the connector's production code."""
    found = set()
    for source in PACKAGE.rglob("*.py"):
        if {"tests", "migrations", "contract"} & set(source.parts):
            continue
        found |= set(re.findall(r'"(/v\d/[a-z0-9_/-]+)"', source.read_text()))
    return found


def test_the_connector_names_only_current_methods_of_the_description():
    paths = _called_paths()
    assert "/v2/warehouse/list" in paths  # the scan does see the client's calls
    assert paths & contract.SWITCHED_OFF == set()
    assert [p for p in sorted(paths) if not contract.method_exists(p)] == []


@pytest.mark.parametrize("path", sorted(contract.SWITCHED_OFF))
def test_the_client_refuses_every_switched_off_method_before_sending(path, client, fake_ozon):
    with pytest.raises(contract.ContractError, match="switched this method off"):
        client.call(path, {})
    assert fake_ozon.calls == []


def test_a_body_that_breaks_the_description_is_refused_before_sending(client, fake_ozon):
    with pytest.raises(contract.ContractError, match="greater than the maximum of 200"):
        client.call("/v2/warehouse/list", {"limit": 500})
    with pytest.raises(contract.ContractError, match="does not define at /limits"):
        client.call("/v2/warehouse/list", {"limit": 10, "limits": 10})
    with pytest.raises(contract.ContractError, match="'quantity' is a required property"):
        client.call(
            "/v4/posting/fbs/ship",
            {"posting_number": "1-1-1", "packages": [{"products": [{"product_id": 1}]}]},
        )
    assert fake_ozon.calls == []


def test_answers_are_checked_against_the_description_too():
    contract.validate_response("/v2/warehouse/list", {"warehouses": [], "has_next": False})
    # The description's own example says "has_next": "string": an example is no fixture.
    with pytest.raises(contract.ContractError, match="is not of type 'boolean'"):
        contract.validate_response("/v2/warehouse/list", {"has_next": "string"})


def test_unknown_methods_are_not_methods():
    assert contract.method_exists("/v2/products/stocks")
    assert not contract.method_exists("/v9/nothing/here")
    assert not contract.method_exists("/v1/warehouse/list")


def test_client_class_has_no_path_of_its_own():
    # All calls go through ``OzonClient.call``: the contract check cannot be bypassed.
    assert [n for n in vars(OzonClient) if n.startswith("post")] == []
