"""The engine's parameters as the installation sets them (planning.params)."""

import pytest
from django.conf import settings

from planning.engine import PlanParams
from planning.params import plan_params


def test_default_lots_are_the_eoq_at_the_house_order_cost():
    # the service's default (config/settings.py, ZAPAS_ORDER_COST unset): lots are the
    # economic order quantity at 100 an order line; the engine's own default stays R·d lots
    params = plan_params()
    assert params.use_eoq is True and params.order_cost == 100.0
    assert PlanParams().use_eoq is False and PlanParams().order_cost == 0.0
    # with them the reorder point is raised by half a lot; the engine's default raises nothing
    assert params.reorder_lift == 0.5 and PlanParams().reorder_lift == 0.0


@pytest.mark.parametrize(
    ("overrides", "eoq", "cost"),
    [({}, False, 0.0), ({"allocation": "cancellations"}, False, 0.0)],
)
def test_plan_params_replaces_the_whole_dict(monkeypatch, overrides, eoq, cost):
    # setting PLAN_PARAMS (as ZAPAS_ORDER_COST=0 does) leaves the engine's defaults
    monkeypatch.setattr(settings, "ZAPAS", {**settings.ZAPAS, "PLAN_PARAMS": overrides})
    params = plan_params()
    assert params.use_eoq is eoq and params.order_cost == cost
    assert params.reorder_lift == 0.0  # no lift without EOQ lots
