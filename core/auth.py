"""Authentication and permissions for the API.

Scanner devices send ``Authorization: Token <token>`` (``Bearer`` is accepted too). The token is
looked up by its sha256 (cached: ``core.devices``), so no secret is compared in Python and
timing reveals nothing useful.
A request by a device is authenticated as the device's user, with ``request.auth`` set to the
``ScannerDevice``. Staff may use the session instead. Nothing is anonymous.
"""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from core import throttles
from core.devices import device_by_token_hash, device_seen
from core.errors import Forbidden
from core.models import ScannerDevice, token_hash
from core.throttles import client_address

_KEYWORDS = (b"token", b"bearer")
# Recording every use would turn each read into a write; a minute's precision is plenty.
_LAST_USED_PRECISION = timedelta(minutes=1)


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in _KEYWORDS:
            return None
        # Guessing tokens: an address that sent too many invalid ones waits (429), before any
        # lookup, whatever token it sends now (DRF's throttles run only after authentication).
        address = client_address(request)
        wait = throttles.over("auth_failures", address)
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait, detail=f"Too many invalid tokens from this address; retry in {wait} s."
            )
        try:
            return self._authenticate(header)
        except exceptions.AuthenticationFailed:
            throttles.hit("auth_failures", address)
            raise

    def _authenticate(self, header: list[bytes]) -> tuple:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Token <token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.isprintable() or len(token) > 128:
            raise exceptions.AuthenticationFailed("Invalid token.")
        device = device_by_token_hash(token_hash(token))
        if device is None or not device.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not device.user.is_active:
            raise exceptions.AuthenticationFailed("The device's user is inactive.")
        device_seen(device, precision=_LAST_USED_PRECISION)
        return device.user, device

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.auth.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Scanner device token: `Authorization: Token <token>`.",
        }


def request_device(request: Request) -> ScannerDevice | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ScannerDevice) else None


class IsDeviceOrStaff(permissions.BasePermission):
    """A registered scanner device, or a staff member signed in to the admin."""

    message = "Only scanner devices and staff may use the API."

    def has_permission(self, request, view) -> bool:
        if request_device(request) is not None:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


def _wrong_warehouse(device: ScannerDevice, what: str) -> Forbidden:
    return Forbidden(
        f"Device {device.name} belongs to warehouse {device.warehouse.code}; "
        f"it cannot act on {what}.",
        code="wrong_warehouse",
        details={"device_warehouse": device.warehouse.code},
    )


def check_warehouse(request: Request, warehouse_id: int, *, what: str = "this warehouse") -> None:
    """A device acts only on its own warehouse: ``Forbidden`` (403) otherwise. Staff may act anywhere."""
    device = request_device(request)
    if device is not None and device.warehouse_id != warehouse_id:
        raise _wrong_warehouse(device, what)


def check_warehouse_code(request: Request, code: str | None) -> None:
    """A device that names a warehouse (``?warehouse=``, a body field) may name only its own.

    Any other code is ``Forbidden`` (403) before it is looked up, so a device cannot tell an
    existing code from an unknown one. Nothing to check for staff or when no code is given.
    """
    device = request_device(request)
    if device is not None and code and code != device.warehouse.code:
        raise _wrong_warehouse(device, f"warehouse {code[:32]}")
