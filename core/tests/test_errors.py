"""Domain errors and the API exception handler share one body shape."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework import exceptions

from core.api import exception_handler
from core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    NotFound,
)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (DomainError, "domain_error", 422),
        (NotFound, "not_found", 404),
        (Conflict, "conflict", 409),
        (InvalidInput, "invalid", 400),
        (Forbidden, "forbidden", 403),
        (InsufficientStock, "insufficient_stock", 409),
        (InvalidTransition, "invalid_transition", 409),
    ],
)
def test_each_error_has_a_stable_code_and_status(error, code, status):
    exc = error("Something is wrong.")

    assert (exc.code, exc.http_status, exc.message) == (code, status, "Something is wrong.")
    assert exc.as_dict() == {"code": code, "message": "Something is wrong.", "details": {}}


def test_a_code_can_be_specialised_per_raise():
    exc = Conflict("Closed.", code="po_closed", details={"status": "received"})

    assert exc.as_dict() == {
        "code": "po_closed",
        "message": "Closed.",
        "details": {"status": "received"},
    }
    assert Conflict.code == "conflict"


def test_handler_maps_domain_errors():
    response = exception_handler(InsufficientStock("Only 2.", details={"available": 2}), {})

    assert response.status_code == 409
    assert response.data == {
        "code": "insufficient_stock",
        "message": "Only 2.",
        "details": {"available": 2},
    }


def test_handler_maps_django_validation_errors():
    response = exception_handler(ValidationError({"code": ["Bad check digit."]}), {})

    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "Bad check digit.",
        "details": {"code": ["Bad check digit."]},
    }


def test_handler_maps_drf_validation_errors():
    response = exception_handler(exceptions.ValidationError({"quantity": ["Required."]}), {})

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["details"] == {"quantity": ["Required."]}


def test_handler_maps_http404():
    response = exception_handler(Http404(), {})

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_handler_answers_unknown_exceptions_with_a_json_500():
    # A bug still answers the one error shape (the scan station retries it with its key).
    response = exception_handler(RuntimeError("boom"), {})
    assert response.status_code == 500
    assert response.data["code"] == "server_error"
    assert set(response.data) == {"code", "message", "details"}
