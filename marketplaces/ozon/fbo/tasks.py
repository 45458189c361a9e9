"""The daily FBO import (a django-celery-beat row, editable in the admin)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ozon_fbo.import_daily")
def fbo_import_task() -> int:
    """Imports Ozon's clusters, FBO stock and supplies for every enabled account."""
    from marketplaces.ozon.fbo.imports import fbo_import
    from marketplaces.ozon.models import OzonAccount

    done = 0
    for account in OzonAccount.objects.filter(is_enabled=True):
        fbo_import(account=account)
        done += 1
    return done
