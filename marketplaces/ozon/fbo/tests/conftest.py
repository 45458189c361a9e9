import pytest

from marketplaces.ozon import ratelimit
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.fbo.tests.fake_fbo import FboFakeOzon
from marketplaces.ozon.tests.conftest import account  # noqa: F401


@pytest.fixture
def fake_ozon():
    fake = FboFakeOzon().start()
    ratelimit.reset()
    yield fake
    fake.stop()
    assert fake.contract_errors == [], "a body broke Ozon's description"


@pytest.fixture
def ozon(account):  # noqa: F811
    with OzonClient.for_account(account, sleep=lambda seconds: None) as ozon_client:
        yield ozon_client
