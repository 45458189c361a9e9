"""Ranges that every value from outside (files, API, admin) is checked against before it
reaches the database, so that PostgreSQL never wraps, truncates or refuses it mid-write.

The ranges are the columns' own (``integer`` is 32-bit on PostgreSQL, 64-bit on SQLite: we use
the smaller everywhere, so both databases accept and refuse the same input), plus a horizon for
dates that a typo or a placeholder (2099, 9999-12-31) would otherwise turn into real data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)
# Dates further ahead than this are refused (an order accepted "in 2099" is a typo).
FUTURE_HORIZON = timedelta(days=366)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip().replace("\u00a0", "").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    # NaN, infinity and fractions are not counts; the exponent check keeps 1e999999 cheap.
    if not number.is_finite() or number.adjusted() > 30 or number != number.to_integral_value():
        return None
    return int(number)


def checked_int(
    value: Any, *, what: str, minimum: int = 0, maximum: int = INT32_MAX, code: str = "bad_number"
) -> int:
    """``value`` as a whole number within [minimum, maximum], or ``InvalidInput`` saying why."""
    number = _whole(value)
    if number is None:
        raise InvalidInput(
            _("%(what)s %(value)r is not a whole number.") % {"what": what, "value": value},
            code=code,
        )
    if not minimum <= number <= maximum:
        raise InvalidInput(
            _("%(what)s %(value)s is out of range (%(min)s to %(max)s).")
            % {"what": what, "value": number, "min": minimum, "max": maximum},
            code=code,
        )
    return number


def checked_decimal(
    value: Any, *, what: str, max_digits: int, decimal_places: int, code: str = "bad_amount"
) -> Decimal:
    """``value`` as a non-negative ``Decimal`` that fits ``DecimalField(max_digits,
    decimal_places)`` (rounded to its places), or ``InvalidInput``: NaN, ∞ and 1e30 are refused."""
    try:
        amount = Decimal(str(value).strip().replace("\u00a0", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(what)s %(value)r is not a number.") % {"what": what, "value": value}, code=code
        ) from None
    limit = Decimal(10) ** (max_digits - decimal_places)
    if not amount.is_finite() or amount < 0 or amount >= limit:
        raise InvalidInput(
            _("%(what)s %(value)r is not an amount from 0 to %(limit)s.")
            % {"what": what, "value": value, "limit": limit - 1},
            code=code,
        )
    return amount.quantize(Decimal(1).scaleb(-decimal_places))


def checked_text(value: Any, *, what: str, max_length: int, code: str = "bad_text") -> str:
    """``value`` as stripped text without NUL bytes, at most ``max_length`` characters."""
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        raise InvalidInput(_("%(what)s contains a NUL byte.") % {"what": what}, code=code)
    if len(text) > max_length:
        raise InvalidInput(
            _("%(what)s is %(length)s characters long; at most %(max)s are allowed.")
            % {"what": what, "length": len(text), "max": max_length},
            code=code,
        )
    return text


def checked_instant(value: datetime, *, what: str, code: str = "bad_datetime") -> datetime:
    """Refuse instants before 2000 or more than ``FUTURE_HORIZON`` ahead of now."""
    if value < EARLIEST or value > timezone.now() + FUTURE_HORIZON:
        raise InvalidInput(
            _("%(what)s %(value)s is outside the accepted range (2000 to a year from now).")
            % {"what": what, "value": value.isoformat()},
            code=code,
        )
    return value
