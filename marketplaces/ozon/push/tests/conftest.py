import pytest

from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.tests.conftest import account, fake_ozon  # noqa: F401


@pytest.fixture
def ozon(account):  # noqa: F811  (``client`` stays Django's test client here)
    with OzonClient.for_account(account, sleep=lambda seconds: None) as ozon_client:
        yield ozon_client
