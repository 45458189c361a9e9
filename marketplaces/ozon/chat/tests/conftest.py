import pytest

from marketplaces.ozon.chat.tests.fake_chat import ChatFakeOzon
from marketplaces.ozon.tests.conftest import account, fake_ozon_running, ozon  # noqa: F401


@pytest.fixture
def fake_ozon():
    with fake_ozon_running(ChatFakeOzon) as fake:
        yield fake
