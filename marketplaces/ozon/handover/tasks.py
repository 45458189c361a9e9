"""Celery tasks: ids in, idempotent (the claim makes a second run a no-op)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ozon_handover.carriage_send")
def carriage_send_task(carriage_id: int) -> str:
    from marketplaces.ozon.handover.carriage import carriage_send

    return carriage_send(carriage_id)


@shared_task(name="ozon_handover.carriages_drain")
def carriages_drain_task() -> int:
    """Sends what is due (also carriages whose after-commit task was lost)."""
    from marketplaces.ozon.handover.carriage import carriage_send, carriages_due

    return sum(carriage_send(pk) == "approved" for pk in carriages_due())
