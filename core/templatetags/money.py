"""``{{ amount|money:currency }}`` and ``{{ totals|money_totals }}`` (``core.money``)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from core.money import MoneyTotals, base_currency, money_format

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    return money_format(amount, currency or base_currency())


@register.filter
def money0(amount, currency: str = "") -> str:
    return money_format(amount, currency or base_currency(), digits=0)


@register.filter
def money_totals(totals: MoneyTotals) -> str:
    """Each currency apart, then (if every rate is known) the converted total and its rates."""
    if not totals:
        return money_format(0, base_currency(), digits=0)
    parts = format_html_join(
        " · ",
        '<span class="money" data-currency="{}">{}</span>',
        ((code, money_format(amount, code, digits=0)) for code, amount in totals.items()),
    )
    if len(totals.amounts) == 1:
        return parts
    conversion = totals.converted()
    if conversion is None:
        return format_html(
            '{} <small class="help">({})</small>', parts, _("no exchange rate to add them up")
        )
    rates = "; ".join(
        _("1 %(code)s = %(rate)s from %(day)s")
        % {"code": code, "rate": money_format(rate, conversion.currency, digits=4), "day": day}
        for code, rate, day in conversion.rates
    )
    return format_html(
        '{} <small class="help converted">≈ {} ({})</small>',
        parts,
        money_format(conversion.amount, conversion.currency, digits=0),
        rates,
    )
