"""The engine's parameters as this installation sets them."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from planning.engine.schema import PlanParams, Tariffs


def plan_params() -> PlanParams:
    """Engine parameters: the house defaults, overridden by ``ZAPAS["PLAN_PARAMS"]``."""
    overrides = dict(settings.ZAPAS.get("PLAN_PARAMS", {}))
    tariffs = overrides.pop("tariffs", None)
    params = PlanParams(**overrides)
    if tariffs:
        params = replace(params, tariffs=Tariffs(**tariffs))
    return params
