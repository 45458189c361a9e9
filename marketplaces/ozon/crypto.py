"""Encryption at rest for API keys (Fernet: AES-128-CBC with an HMAC).

The key comes from the environment: ``ZAPAS_SECRETS_KEY`` (any passphrase; a Fernet key is
derived from it), else ``SECRET_KEY``. Rotating it makes stored API keys unreadable: enter
them again in the admin.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured key."""


def _fernet() -> Fernet:
    passphrase = settings.ZAPAS_SECRETS_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(("zapas-secrets:" + passphrase).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "The stored API key cannot be decrypted (was ZAPAS_SECRETS_KEY changed?)."
        ) from exc
