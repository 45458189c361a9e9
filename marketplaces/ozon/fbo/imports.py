"""The daily FBO import (a django-celery-beat row, editable; ``manage.py ozon_fbo_import``).

Steps in order, each with its own summary in a ``SyncRun`` like the main cycle: clusters
(their warehouses first, so the stock rows find them), FBO stock, and Ozon's real charges
for the cost model (after the rating import of the morning), and supply orders as transfers.
"""

from __future__ import annotations

from marketplaces.ozon.fbo.charges import charges_refresh
from marketplaces.ozon.fbo.clusters import clusters_sync
from marketplaces.ozon.fbo.stocks import fbo_stocks_sync
from marketplaces.ozon.fbo.supplies import supply_orders_sync
from marketplaces.ozon.models import OzonAccount, SyncRun
from marketplaces.ozon.sync.runner import Step, StepSummary, sync_run

FBO_STEPS: dict[str, Step] = {
    "FBO clusters": lambda a, c, s: clusters_sync(account=a, client=c),
    "FBO stock": lambda a, c, s: fbo_stocks_sync(account=a, client=c),
    "Ozon charges": lambda a, c, s: charges_refresh(account=a, client=c),
    "supply orders": lambda a, c, s: supply_orders_sync(account=a, client=c),
}


def fbo_import(
    *, account: OzonAccount, client=None, progress=None
) -> tuple[SyncRun, list[StepSummary]]:
    """Run the FBO steps for ``account`` now; a failed step spoils no other."""
    return sync_run(account=account, client=client, progress=progress, registry=FBO_STEPS)
