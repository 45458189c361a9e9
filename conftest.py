"""Suite-wide test set-up: database-dependent skips and hypothesis profiles."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "zapas", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "zapas")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories set passwords; PBKDF2's deliberate slowness costs ~1 s a user in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_device_cache():
    # Cached devices outlive a test's database rollback in this process: start empty.
    from django.core.cache import caches

    caches["devices"].clear()
    caches["throttle"].clear()  # and the API's request counts (core.throttles)


@pytest.fixture(autouse=True)
def _default_language():
    # Each test starts in the default language, whatever the one before it activated (the
    # middleware and the tasks give the thread its language back: tests/test_language_leak.py).
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    if _is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL row locks; run with DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
