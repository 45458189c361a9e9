"""The fake Ozon on 127.0.0.1 and an account pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from marketplaces.ozon import ratelimit
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.tests.fake import API_KEY, CLIENT_ID, FakeOzon


@contextmanager
def fake_ozon_running(fake_class: type[FakeOzon] = FakeOzon) -> Iterator[FakeOzon]:
    """A started fake (rate limits reset); afterwards stopped, and no body broke the contract.
    Each sub-app's ``fake_ozon`` fixture runs its own subclass through this."""
    fake = fake_class().start()
    ratelimit.reset()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.contract_errors == [], "a body broke Ozon's description"


@pytest.fixture
def fake_ozon():
    with fake_ozon_running() as fake:
        yield fake


@pytest.fixture
def ozon(account):
    """A client of ``account`` that does not sleep between retries."""
    with OzonClient.for_account(account, sleep=lambda seconds: None) as ozon_client:
        yield ozon_client


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
