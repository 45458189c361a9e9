from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core.jobs import job_register
        from fulfilment import services
        from fulfilment.jobs import deadline_watch_job
        from fulfilment.order_jobs import JOB_NAME, orders_import_job
        from inventory import hooks as inventory_hooks

        # Receipts, counts and releases offer the units to short orders first, inside the
        # stock transaction (inventory cannot import fulfilment: it sits below it).
        inventory_hooks.on_stock_freed(services.short_orders_on_stock_freed)
        job_register("deadline_watch", _("Deadline watch"), deadline_watch_job)
        job_register(JOB_NAME, _("Order import"), orders_import_job, listed=False)
