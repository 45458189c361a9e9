"""Celery tasks for push notifications: thin, ids in, idempotent (rows are claimed)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ozon_push.sync")
def push_sync_task(notification_id: int) -> str:
    from marketplaces.ozon.push.services import push_sync

    return push_sync(notification_id)


@shared_task(name="ozon_push.drain")
def push_drain_task() -> int:
    """Syncs every queued notification (all of them without a broker; any a lost task left)."""
    from marketplaces.ozon.push.services import push_due, push_sync

    return sum(push_sync(pk) == "synced" for pk in push_due())
