import pytest

from marketplaces.ozon import ratelimit
from marketplaces.ozon.chat.tests.fake_chat import ChatFakeOzon
from marketplaces.ozon.tests.conftest import account  # noqa: F401


@pytest.fixture
def fake_ozon():
    fake = ChatFakeOzon().start()
    ratelimit.reset()
    yield fake
    fake.stop()
    assert fake.contract_errors == [], "a body broke Ozon's description"
