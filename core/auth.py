"""Authentication and permissions for the API.

Scanner devices send ``Authorization: Token <token>`` (``Bearer`` is accepted too). The token is
looked up by its sha256, so no secret is compared in Python and timing reveals nothing useful.
A request by a device is authenticated as the device's user, with ``request.auth`` set to the
``ScannerDevice``. Staff may use the session instead. Nothing is anonymous.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from core import rawsql
from core.errors import Forbidden
from core.models import ScannerDevice, token_hash

_KEYWORDS = (b"token", b"bearer")
# Recording every use would turn each read into a write; a minute's precision is plenty.
_LAST_USED_PRECISION = timedelta(minutes=1)


# What a request reads of the device, its user and its warehouse. The user's password hash,
# names and dates stay deferred (reading one still works, with one more query).
_DEVICE_FIELDS = ("id", "name", "warehouse", "user", "is_active", "last_used_at")
_USER_FIELDS = ("id", "username", "is_active", "is_staff", "is_superuser")


@cache
def _device_statement() -> tuple[str, list[tuple]]:
    """The token lookup as one SQL statement, and the columns of each model it reads.

    It runs on every API request. Built through the ORM it cost 0.8 ms of Python per request on
    the 2-core bench VM, nearly all of it compiling the same query again; written once here
    (and prepared by PostgreSQL after five runs) it costs under 0.1 ms. ``core.rawsql`` reads
    the values back through the ORM's converters (``test_auth`` compares the instances).
    """
    User = get_user_model()
    # The warehouse model through the relation: core sits below inventory and never imports it.
    Warehouse = ScannerDevice._meta.get_field("warehouse").related_model
    selected = [
        (ScannerDevice, rawsql.columns(ScannerDevice, "d", _DEVICE_FIELDS)),
        (User, rawsql.columns(User, "u", _USER_FIELDS)),
        (Warehouse, rawsql.columns(Warehouse, "w")),  # all of it: views act on it
    ]

    def ref(model, alias: str, name: str) -> str:
        return rawsql.column(model, alias, name).sql

    sql = (
        f"SELECT {', '.join(col.sql for _, cols in selected for col in cols)}"
        f" FROM {rawsql.table(ScannerDevice)} d"
        f" JOIN {rawsql.table(User)} u"
        f" ON {ref(User, 'u', User._meta.pk.name)} = {ref(ScannerDevice, 'd', 'user')}"
        f" JOIN {rawsql.table(Warehouse)} w"
        f" ON {ref(Warehouse, 'w', 'id')} = {ref(ScannerDevice, 'd', 'warehouse')}"
        f" WHERE {ref(ScannerDevice, 'd', 'token_hash')} = %s"
    )
    return sql, selected


def _device_by_token_hash(digest: str) -> ScannerDevice | None:
    """The device holding this token, with its user and warehouse: one indexed query."""
    sql, selected = _device_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, cols in selected:
        instances.append(rawsql.instance(model, cols, row[start : start + len(cols)]))
        start += len(cols)
    device, device.user, device.warehouse = instances
    return device


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in _KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Token <token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.isprintable() or len(token) > 128:
            raise exceptions.AuthenticationFailed("Invalid token.")
        device = _device_by_token_hash(token_hash(token))
        if device is None or not device.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not device.user.is_active:
            raise exceptions.AuthenticationFailed("The device's user is inactive.")
        now = timezone.now()
        if device.last_used_at is None or now - device.last_used_at > _LAST_USED_PRECISION:
            ScannerDevice.objects.filter(pk=device.pk).update(last_used_at=now)
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


def check_warehouse(request: Request, warehouse_id: int, *, what: str = "this warehouse") -> None:
    """A device acts only on its own warehouse: ``Forbidden`` (403) otherwise. Staff may act anywhere."""
    device = request_device(request)
    if device is not None and device.warehouse_id != warehouse_id:
        raise Forbidden(
            f"Device {device.name} belongs to warehouse {device.warehouse.code}; "
            f"it cannot act on {what}.",
            code="wrong_warehouse",
            details={"device_warehouse": device.warehouse.code},
        )
