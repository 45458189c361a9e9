"""Handlers registered on the lower apps' hooks (``OzonConfig.ready()``)."""

from __future__ import annotations


def register() -> None:
    """Nothing yet: outbound handlers are registered here."""
