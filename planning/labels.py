"""Words for the engine's codes: what people read instead of ``ses_weekly`` or ``high_velocity``.

The engine (``planning.engine.schema``) names its methods, demand classes, distributions and
scheme reasons with stable codes, which the database stores. Pages show these labels, in the
user's language; an unknown code (an engine newer than this table) shows as itself.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from planning.engine.schema import (
    DEMAND_CLASS_NAMES,
    DISTRIBUTION_NAMES,
    METHOD_NAMES,
    REASON_NAMES,
)

METHOD_LABELS = {
    "ses": _("exponential smoothing"),
    "holt_damped": _("damped trend"),
    "holt_winters": _("trend and weekly season"),
    "croston": _("Croston (intermittent)"),
    "sba": _("Syntetos–Boylan (intermittent)"),
    "tsb": _("TSB (intermittent, fading)"),
    "ses_weekly": _("exponential smoothing with weekly pattern"),
    "sba_weekly": _("Syntetos–Boylan with weekly pattern"),
    "tsb_weekly": _("TSB with weekly pattern"),
    "combo": _("blend of methods"),
    "combo_weekly": _("blend of methods with weekly pattern"),
}

DEMAND_CLASS_LABELS = {
    "smooth": _("smooth"),
    "erratic": _("erratic"),
    "intermittent": _("intermittent"),
    "lumpy": _("lumpy"),
    "none": _("no demand"),
}

DISTRIBUTION_LABELS = {
    "normal": _("normal distribution"),
    "poisson": _("Poisson distribution"),
    "negative_binomial": _("negative binomial distribution"),
    "empirical": _("from past errors (empirical)"),
}

REASON_LABELS = {
    "fbo_cheaper": _("FBO is cheaper"),
    "fbs_cheaper": _("FBS is cheaper"),
    "high_velocity": _("sells fast"),
    "low_velocity": _("sells slowly"),
    "no_demand": _("no demand"),
    "fbs_cancel_risk": _("FBS cancellation risk"),
    "fbo_stranded_risk": _("stock would strand at FBO"),
    "bulky": _("bulky"),
}

# A new engine code needs its words here (checked at import, so a test run fails at once).
assert set(METHOD_LABELS) == set(METHOD_NAMES)
assert set(DEMAND_CLASS_LABELS) == set(DEMAND_CLASS_NAMES)
assert set(DISTRIBUTION_LABELS) == set(DISTRIBUTION_NAMES)
assert set(REASON_LABELS) == set(REASON_NAMES)


def method_label(code: str) -> str:
    """The forecasting method in words (``ses_weekly`` → "exponential smoothing with …")."""
    return str(METHOD_LABELS.get(code, code))


def demand_class_label(code: str) -> str:
    return str(DEMAND_CLASS_LABELS.get(code, code))


def distribution_label(code: str) -> str:
    return str(DISTRIBUTION_LABELS.get(code, code))


def reasons_label(codes: list[str] | tuple[str, ...]) -> str:
    """Scheme reasons in words, comma-separated."""
    return ", ".join(str(REASON_LABELS.get(c, c)) for c in codes or [])
