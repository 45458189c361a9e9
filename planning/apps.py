from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core.jobs import job_register
        from fulfilment import hooks as fulfilment_hooks
        from planning.demand_feed import demand_feed_on_order_closed
        from planning.jobs import plan_job, plan_job_result_url
        from planning.sales_jobs import JOB_NAME, sales_import_job, sales_import_result_url

        # Hand-overs and cancellations feed the demand history (fulfilment sits below planning).
        fulfilment_hooks.on_order_shipped(demand_feed_on_order_closed)
        fulfilment_hooks.on_order_cancelled(demand_feed_on_order_closed)
        job_register("plan", _("Planning run"), plan_job, result_url=plan_job_result_url)
        job_register(
            JOB_NAME,
            _("Sales import"),
            sales_import_job,
            result_url=sales_import_result_url,
            listed=False,
        )
