import pytest

from marketplaces.ozon.rating.tests.fake_rating import RatingFakeOzon
from marketplaces.ozon.rating.tests.test_history import orders as zapas_orders  # noqa: F401
from marketplaces.ozon.tests.conftest import account, fake_ozon_running, ozon  # noqa: F401


@pytest.fixture
def fake_ozon():
    with fake_ozon_running(RatingFakeOzon) as fake:
        yield fake
