from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"

    def ready(self) -> None:
        from fulfilment import hooks as fulfilment_hooks
        from planning.demand_feed import demand_feed_on_order_closed

        # Hand-overs and cancellations feed the demand history (fulfilment sits below planning).
        fulfilment_hooks.on_order_shipped(demand_feed_on_order_closed)
        fulfilment_hooks.on_order_cancelled(demand_feed_on_order_closed)
