"""Schemathesis against the live schema, in-process (WSGI), bounded so each stays well under a
minute (issue 14, standing tests; .ci/run runs them on SQLite and on PostgreSQL):

- positive data: no input gives a 500, every response matches what the schema documents;
- negative data (values the schema forbids): each is refused with a 4xx, never accepted;
- stateful: chains of calls following the links schemathesis infers from the schema (a
  transfer dispatched, then received), with every default check, schema-valid requests
  included (the server accepts what its schema admits).
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, response_schema_conformance

from inventory import services
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    WarehouseFactory,
    ean13,
    purchase_order,
    stock_level,
)
from tests.factories import ScannerDeviceFactory

COVERAGE = bool(os.environ.get("ZAPAS_FUZZ_COVERAGE"))  # the full boundary sweep, ~1.5 min

_raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
# The coverage phase alone sends hundreds of boundary cases per operation; the fuzzing phase
# with a fixed example budget keeps this under a minute.
_config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
schema = schemathesis.openapi.from_dict(_raw, config=_config)
schema.app = get_wsgi_application()
_negative_config = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "negative"}}
)
negative_schema = schemathesis.openapi.from_dict(_raw, config=_negative_config)
negative_schema.app = schema.app
BOUNDED = settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def _keep_test_connection():
    """Like Django's test client: requests must not close the connection that holds the test's
    transaction (``close_old_connections`` would, on PostgreSQL with CONN_MAX_AGE)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, _keep_test_connection) -> str:
    """A device at MSK1 with some stock, a PO and a transfer to find (when the fuzzer guesses)."""
    warehouse = WarehouseFactory(code="MSK1")
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    purchase_order(lines=[(sku, 3)], warehouse=warehouse)
    services.transfer_create(source=warehouse, destination=FboWarehouseFactory(), lines=[(sku, 1)])
    return ScannerDeviceFactory(warehouse=warehouse).token


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@BOUNDED
def test_api_never_errors_and_matches_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


@pytest.mark.filterwarnings("ignore")
@negative_schema.parametrize()
@BOUNDED
def test_api_refuses_what_its_schema_forbids(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, negative_data_rejection],
    )


@pytest.mark.filterwarnings("ignore")
def test_api_call_chains_along_the_schema_links(token):
    machine = schema.as_state_machine()
    assert any("dispatch" in name and "receive" in name for name in vars(machine)), (
        "no link inferred: the stateful run would test single calls only"
    )

    class Workflow(machine):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {token}"}}

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=20,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
