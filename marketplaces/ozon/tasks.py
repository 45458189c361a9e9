"""Celery tasks: thin, ids in, idempotent. Schedules are django-celery-beat rows (admin)."""

from __future__ import annotations

from celery import shared_task

from marketplaces.ozon.models import OzonAccount


@shared_task(name="ozon.outbox_send")
def outbox_send_task(message_id: int) -> str:
    from marketplaces.ozon.outbox import outbox_send

    return outbox_send(message_id)


@shared_task(name="ozon.outbox_drain")
def outbox_drain_task() -> int:
    """Sends what is due (also rows whose after-commit task was lost)."""
    from marketplaces.ozon.outbox import outbox_due, outbox_send

    return sum(outbox_send(pk) == "sent" for pk in outbox_due())


@shared_task(name="ozon.sync_steps")
def sync_steps_task(steps: list[str], since_days: int | None = None) -> list[bool]:
    """Run some sync steps for every enabled account (the beat schedules name them)."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplaces.ozon.accounts import account_from_environment
    from marketplaces.ozon.sync.runner import sync_run

    account_from_environment()
    since = timezone.now() - timedelta(days=since_days) if since_days else None
    return [
        sync_run(account=account, steps=steps, since=since)[0].ok
        for account in OzonAccount.objects.filter(is_enabled=True)
    ]


@shared_task(name="ozon.stock_push_all")
def stock_push_all_task() -> int:
    """Nightly: every pair is pushed again (the 'stock push' schedule then sends it)."""
    from marketplaces.ozon.outbox import stock_push_all

    return sum(
        stock_push_all(account=a)
        for a in OzonAccount.objects.filter(is_enabled=True, push_stock=True)
    )
