import pytest

from marketplaces.ozon import ratelimit
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.rating.tests.fake_rating import RatingFakeOzon
from marketplaces.ozon.rating.tests.test_history import orders as zapas_orders  # noqa: F401
from marketplaces.ozon.tests.conftest import account  # noqa: F401


@pytest.fixture
def fake_ozon():
    fake = RatingFakeOzon().start()
    ratelimit.reset()
    yield fake
    fake.stop()
    assert fake.contract_errors == [], "a body broke Ozon's description"


@pytest.fixture
def ozon(account):  # noqa: F811
    with OzonClient.for_account(account, sleep=lambda seconds: None) as ozon_client:
        yield ozon_client
