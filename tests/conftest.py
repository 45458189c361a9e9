import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories set passwords; PBKDF2's deliberate slowness costs ~1 s a user in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
