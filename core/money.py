"""Money with its currency: formatting, ISO 4217 codes, totals that never add currencies.

Amounts are stored as ``Decimal`` next to a currency code (a supplier's ``currency`` for what
it sells; the base currency ``ZAPAS["CURRENCY"]`` for SKU prices, costs and margins). Sums are
kept per currency (``MoneyTotals``); converting them into the base currency needs a dated
``ExchangeRate`` for each currency, and the conversion says which rates it used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from babel.numbers import format_currency, list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


def base_currency() -> str:
    """The seller's own currency: SKU prices and costs, margins, fulfilment costs."""
    return settings.ZAPAS.get("CURRENCY", "RUB")


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_validate(code: str) -> None:
    """Model-field validator: an ISO 4217 code such as RUB, CNY, TRY."""
    if code not in _known_currencies():
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code (e.g. RUB, CNY, TRY)."),
            code="invalid_currency",
            params={"code": code},
        )


def _locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def money_format(amount: Decimal | float | int | None, currency: str, *, digits: int = 2) -> str:
    """``1 234,50 RUB`` in the active language's number format, always with the ISO code."""
    if amount is None:
        return "—"
    decimals = "." + "0" * digits if digits else ""
    pattern = f"#,##0{decimals}\u00a0¤¤"
    return format_currency(
        Decimal(str(amount)), currency, format=pattern, locale=_locale(), currency_digits=False
    )


def latest_rates(currencies: Iterable[str], *, on: date) -> dict[str, tuple[Decimal, date | None]]:
    """``{currency: (rate to the base currency, valid from)}`` for the rates valid on ``on``
    (one query); the base currency is 1; a currency without a rate yet is left out."""
    from core.models import ExchangeRate

    base = base_currency()
    wanted = set(currencies)
    rates: dict[str, tuple[Decimal, date | None]] = (
        {base: (Decimal(1), None)} if base in wanted else {}
    )
    for currency, rate, valid_from in (
        ExchangeRate.objects.filter(currency__in=wanted - {base}, valid_from__lte=on)
        .order_by("currency", "-valid_from")
        .values_list("currency", "rate", "valid_from")
    ):
        rates.setdefault(currency, (rate, valid_from))
    return rates


@dataclass(frozen=True)
class Conversion:
    """A sum converted into ``currency`` with the rates used (currency → rate, valid from)."""

    amount: Decimal
    currency: str
    rates: tuple[tuple[str, Decimal, date], ...]


@dataclass
class MoneyTotals:
    """Sums per currency. Different currencies are never added together."""

    amounts: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, Decimal | None]]) -> MoneyTotals:
        totals = cls()
        for currency, amount in pairs:
            totals.add(currency, amount)
        return totals

    def add(self, currency: str, amount: Decimal | None) -> None:
        if amount is None:
            return
        self.amounts[currency] = self.amounts.get(currency, Decimal(0)) + Decimal(amount)

    def items(self) -> list[tuple[str, Decimal]]:
        """(currency, amount) pairs, the base currency first, then by code."""
        base = base_currency()
        return sorted(
            ((c, a.quantize(CENT)) for c, a in self.amounts.items()),
            key=lambda pair: (pair[0] != base, pair[0]),
        )

    def __bool__(self) -> bool:
        return bool(self.amounts)

    def __str__(self) -> str:
        return " · ".join(money_format(amount, code, digits=0) for code, amount in self.items())

    def converted(self, *, on: date | None = None) -> Conversion | None:
        """The total in the base currency at the latest rates valid on ``on`` (today), or
        ``None`` when a currency has no rate yet (then only the per-currency sums stand)."""
        from core.models import ExchangeRate

        base = base_currency()
        day = on or timezone.localdate()
        total = Decimal(0)
        used = []
        for currency, amount in self.amounts.items():
            if currency == base:
                total += amount
                continue
            rate = (
                ExchangeRate.objects.filter(currency=currency, valid_from__lte=day)
                .order_by("-valid_from")
                .first()
            )
            if rate is None:
                return None
            total += amount * rate.rate
            used.append((currency, rate.rate, rate.valid_from))
        return Conversion(amount=total.quantize(CENT), currency=base, rates=tuple(sorted(used)))
