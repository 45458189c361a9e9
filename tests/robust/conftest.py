import pytest
from rest_framework.test import APIClient

from inventory.tests.factories import StaffUserFactory, WarehouseFactory
from tests.factories import ScannerDeviceFactory


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="MSK1")


@pytest.fixture
def device(warehouse):
    return ScannerDeviceFactory(name="TSD-01", warehouse=warehouse)


@pytest.fixture
def api(device) -> APIClient:
    """A client that authenticates as the scanner device ``device``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
    return client


@pytest.fixture
def staff_api(db) -> APIClient:
    client = APIClient()
    client.force_login(StaffUserFactory())
    return client
