"""Barcode symbology detection and check-digit validation (GS1 mod-10)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import NotFound

EAN13 = "ean13"
EAN8 = "ean8"
UPCA = "upca"
OTHER = "other"


def gs1_check_digit(body: str) -> int:
    """Check digit for a GS1 number without its last digit (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def detect_symbology(code: str) -> str:
    """EAN-13, EAN-8 or UPC-A by length for all-digit codes; anything else is free text."""
    if code.isdigit():
        return {13: EAN13, 8: EAN8, 12: UPCA}.get(len(code), OTHER)
    return OTHER


def validate_barcode(code: str, symbology: str | None = None) -> str:
    """Return the symbology of ``code`` or raise ``ValidationError`` with a clear message."""
    code = code.strip()
    if not code:
        raise ValidationError("A barcode cannot be empty.", code="barcode_empty")
    if any(ch.isspace() for ch in code) or len(code) > 64:
        raise ValidationError(
            "A barcode is at most 64 characters without spaces.", code="barcode_format"
        )
    detected = detect_symbology(code)
    symbology = symbology or detected
    if symbology in (EAN13, EAN8, UPCA):
        expected_len = {EAN13: 13, EAN8: 8, UPCA: 12}[symbology]
        if not code.isdigit() or len(code) != expected_len:
            raise ValidationError(
                f"{symbology.upper()} must be {expected_len} digits, got {code!r}.",
                code="barcode_length",
            )
        expected = gs1_check_digit(code[:-1])
        if int(code[-1]) != expected:
            raise ValidationError(
                f"Barcode {code} has check digit {code[-1]}, expected {expected}.",
                code="barcode_check_digit",
            )
    return symbology


# GS1 numbers a scanner reads (EAN-8, UPC-A, EAN-13, GTIN-14): a wrong last digit means the
# scanner misread the label, not that the item is unknown.
GS1_LENGTHS = (8, 12, 13, 14)


def misread_check_digit(code: str) -> int | None:
    """The expected check digit when ``code`` looks like a GS1 number whose check digit is
    wrong (a mis-scan), else ``None``."""
    code = (code or "").strip()
    if not code.isascii() or not code.isdigit() or len(code) not in GS1_LENGTHS:
        return None
    expected = gs1_check_digit(code[:-1])
    return None if int(code[-1]) == expected else expected


def unknown_barcode_error(code: str) -> NotFound:
    """The error for a scanned code that matches no SKU: ``misscan`` when it is a GS1 number
    with a wrong check digit (scan it again), else ``unknown_barcode``. Both are 404."""
    code = (code or "").strip()
    expected = misread_check_digit(code)
    if expected is not None:
        return NotFound(
            _(
                "Mis-scan: %(code)s has a wrong check digit (%(digit)s, expected %(expected)s). "
                "Scan it again."
            )
            % {"code": code, "digit": code[-1], "expected": expected},
            code="misscan",
            details={"barcode": code, "expected_check_digit": expected},
        )
    return NotFound(
        _("No SKU has barcode %(code)s.") % {"code": repr(code)},
        code="unknown_barcode",
        details={"barcode": code},
    )
