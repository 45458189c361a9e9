import pytest
from django.core.exceptions import ValidationError

from core.barcodes import (
    detect_symbology,
    gs1_check_digit,
    misread_check_digit,
    unknown_barcode_error,
    validate_barcode,
)


@pytest.mark.parametrize(
    ("code", "symbology"),
    [
        ("4006381333931", "ean13"),
        ("5901234123457", "ean13"),
        ("96385074", "ean8"),
        ("73513537", "ean8"),
        ("036000291452", "upca"),
        ("012345678905", "upca"),
        ("ABC-123", "other"),
        ("12345", "other"),
    ],
)
def test_valid_codes_give_their_symbology(code, symbology):
    assert validate_barcode(code) == symbology


@pytest.mark.parametrize(
    "code", ["4006381333932", "5901234123450", "96385075", "036000291453", "012345678900"]
)
def test_wrong_check_digit_is_refused_with_the_expected_digit(code):
    with pytest.raises(ValidationError) as exc:
        validate_barcode(code)

    assert exc.value.code == "barcode_check_digit"
    assert f"expected {gs1_check_digit(code[:-1])}" in exc.value.message


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("", "barcode_empty"),
        ("   ", "barcode_empty"),
        ("ABC 123", "barcode_format"),
        ("X" * 65, "barcode_format"),
    ],
)
def test_malformed_codes_are_refused(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_barcode(code)

    assert exc.value.code == error


def test_a_declared_symbology_must_match_the_length():
    with pytest.raises(ValidationError) as exc:
        validate_barcode("96385074", "ean13")

    assert exc.value.code == "barcode_length"


def test_free_text_is_accepted_as_other():
    assert validate_barcode(" OZN-123456 ") == "other"


def test_check_digit_examples():
    assert gs1_check_digit("400638133393") == 1
    assert gs1_check_digit("9638507") == 4
    assert gs1_check_digit("03600029145") == 2


def test_detect_symbology_by_length():
    assert [detect_symbology(c) for c in ("1" * 13, "1" * 8, "1" * 12, "1" * 14)] == [
        "ean13",
        "ean8",
        "upca",
        "other",
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("4006381333932", 1),  # EAN-13
        ("96385075", 4),  # EAN-8
        ("036000291453", 2),  # UPC-A
        ("10012345678900", 2),  # GTIN-14
    ],
)
def test_a_gs1_number_with_a_wrong_check_digit_is_a_misread(code, expected):
    assert misread_check_digit(code) == expected
    error = unknown_barcode_error(code)
    assert (error.code, error.http_status) == ("misscan", 404)
    assert error.details == {"barcode": code, "expected_check_digit": expected}


@pytest.mark.parametrize(
    "code", ["4006381333931", "96385074", "036000291452", "12345", "ABC-123", "400638133"]
)
def test_a_valid_or_free_text_code_is_not_a_misread(code):
    assert misread_check_digit(code) is None
    assert unknown_barcode_error(code).code == "unknown_barcode"
