import pytest

from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    StaffUserFactory,
    WarehouseFactory,
)


@pytest.fixture
def sku():
    return SkuFactory()


@pytest.fixture
def warehouse():
    return WarehouseFactory()


@pytest.fixture
def fbo_warehouse():
    return FboWarehouseFactory()


@pytest.fixture
def staff_user():
    return StaffUserFactory()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
