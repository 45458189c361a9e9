"""The SKU plan page's figures in labelled sections, in the user's language and number format.

Engine codes (method, demand class, distribution, scheme reasons) are shown as words
(``planning.labels``); the Stock section shows every unit the stock-out date counts, the
units at the marketplace's (FBO) warehouses included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from core.money import base_currency, money_format
from planning.admin_selectors import sku_plan_fbo_units
from planning.labels import demand_class_label, distribution_label, method_label, reasons_label
from planning.models import SkuPlan


@dataclass(frozen=True)
class FigureRow:
    label: str
    value: str
    help: str = ""


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return number_format(value, digits, use_l10n=True, force_grouping=True)


def _units(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return _("%(n)s units") % {"n": _fmt(value, digits)}


def _pct(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{_fmt(value * 100, 1)} %"


def sku_plan_figures(sku_plan: SkuPlan) -> list[tuple[str, list[FigureRow]]]:
    """The plan's figures in labelled sections, formatted for the SKU plan page."""
    p = sku_plan
    fbo_units = sku_plan_fbo_units(p)
    per_day = _("%(n)s units/day")
    return [
        (
            _("Demand and forecast"),
            [
                FigureRow(
                    _("Demand class"),
                    demand_class_label(p.demand_class),
                    f"ADI {_fmt(p.adi, 2)}, CV² {_fmt(p.cv2, 2)}",
                ),
                FigureRow(
                    _("ABC class"),
                    p.abc_class,
                    _("revenue %(amount)s") % {"amount": money_format(p.revenue, base_currency())},
                ),
                FigureRow(_("Method"), method_label(p.method)),
                FigureRow(_("Forecast"), per_day % {"n": _fmt(p.forecast_mean, 2)}),
                FigureRow(_("Forecast error sd"), per_day % {"n": _fmt(p.forecast_sd, 2)}),
                FigureRow(
                    _("Holdout MASE / RMSSE"),
                    f"{_fmt(p.holdout_mase, 2)} / {_fmt(p.holdout_rmsse, 2)}",
                ),
                FigureRow(
                    _("Holdout bias"), _fmt(p.holdout_bias, 2), _("positive = over-forecast")
                ),
            ],
        ),
        (
            _("Policy"),
            [
                FigureRow(_("Service level target"), _pct(p.service_level)),
                FigureRow(
                    _("Lead time + review"),
                    _("%(lead)s + %(review)s days")
                    % {"lead": _fmt(p.lead_time_days), "review": _fmt(p.review_days)},
                ),
                FigureRow(
                    _("Lead-time demand"),
                    _("%(mean)s ± %(sd)s units")
                    % {"mean": _fmt(p.lead_time_demand_mean), "sd": _fmt(p.lead_time_demand_sd)},
                    distribution_label(p.distribution),
                ),
                FigureRow(_("Safety stock"), _units(p.safety_stock)),
                FigureRow(_("Reorder point"), _units(p.reorder_point)),
                FigureRow(_("Order up to"), _units(p.order_up_to)),
                FigureRow(
                    _("Suggested order"), _units(p.suggested_order), _("rounded to MOQ and pack")
                ),
            ],
        ),
        (
            _("Stock"),
            [
                FigureRow(
                    _("Available"), _units(p.available), _("on hand − reserved, own warehouses")
                ),
                FigureRow(
                    _("At Ozon warehouses (FBO)"),
                    _units(fbo_units),
                    _("sellable there; counted in the stock-out date and days of cover"),
                ),
                FigureRow(_("On order"), _units(p.on_order)),
                FigureRow(_("In transit"), _units(p.in_transit)),
                FigureRow(
                    _("Inventory position"),
                    _units(p.inventory_position),
                    _("available + at Ozon + on order + in transit"),
                ),
                FigureRow(_("Days of cover"), _fmt(p.days_of_cover)),
                FigureRow(
                    _("Stock-out date"),
                    date_format(p.stockout_date, "SHORT_DATE_FORMAT") if p.stockout_date else "—",
                    _("first day whose demand cannot be met in full"),
                ),
            ],
        ),
        (
            _("Risk and fulfilment"),
            [
                FigureRow(_("Risk horizon"), _("%(n)s days") % {"n": _fmt(p.risk_horizon_days)}),
                FigureRow(_("Stock-out probability"), _pct(p.stockout_probability)),
                FigureRow(_("Expected units short"), _fmt(p.expected_units_short)),
                FigureRow(_("Expected cancelled orders"), _fmt(p.expected_cancelled_orders, 2)),
                FigureRow(
                    _("FBO / FBS monthly cost"),
                    f"{money_format(p.fbo_monthly_cost, base_currency(), digits=0)} / "
                    f"{money_format(p.fbs_monthly_cost, base_currency(), digits=0)}",
                ),
                FigureRow(
                    _("Scheme"),
                    f"{p.current_scheme.upper()} → {p.recommended_scheme.upper()}",
                    reasons_label(p.reasons),
                ),
            ],
        ),
    ]
