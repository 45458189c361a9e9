import pytest

from marketplaces.ozon.fbo.tests.fake_fbo import FboFakeOzon
from marketplaces.ozon.tests.conftest import account, fake_ozon_running, ozon  # noqa: F401


@pytest.fixture
def fake_ozon():
    with fake_ozon_running(FboFakeOzon) as fake:
        yield fake
