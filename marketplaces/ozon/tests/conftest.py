"""The fake Ozon on 127.0.0.1 and an account pointing at it."""

from __future__ import annotations

import pytest

from marketplaces.ozon import ratelimit
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.tests.fake import API_KEY, CLIENT_ID, FakeOzon


@pytest.fixture
def fake_ozon():
    fake = FakeOzon().start()
    ratelimit.reset()
    yield fake
    fake.stop()
    assert fake.contract_errors == [], "a body broke Ozon's description"


@pytest.fixture
def ozon_env(fake_ozon, settings):
    """The environment's default account (OZON_CLIENT_ID, OZON_API_KEY, OZON_API_URL) at the fake."""
    settings.OZON = {
        **settings.OZON,
        "CLIENT_ID": CLIENT_ID,
        "API_KEY": API_KEY,
        "API_URL": fake_ozon.url,
    }
    return fake_ozon


@pytest.fixture
def account(db, fake_ozon) -> OzonAccount:
    account = OzonAccount(name="Test store", client_id=CLIENT_ID, base_url=fake_ozon.url)
    account.set_api_key(API_KEY)
    account.save()
    return account


@pytest.fixture
def client(account):
    slept: list[float] = []
    with OzonClient.for_account(account, sleep=slept.append) as client:
        client.slept = slept
        yield client
