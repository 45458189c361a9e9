"""The daily rating import (a django-celery-beat row, editable in the admin)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ozon_rating.import_daily")
def rating_import_task() -> int:
    """Imports Ozon's rating for every enabled account; the number imported."""
    from marketplaces.ozon.client import OzonClient
    from marketplaces.ozon.models import OzonAccount
    from marketplaces.ozon.rating.imports import rating_import

    done = 0
    for account in OzonAccount.objects.filter(is_enabled=True):
        with OzonClient.for_account(account) as client:
            rating_import(account=account, client=client)
        done += 1
    return done
