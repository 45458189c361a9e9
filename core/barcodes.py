"""Barcode symbology detection and check-digit validation (GS1 mod-10)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

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
