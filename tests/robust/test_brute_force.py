"""Brute force and floods (issue 14, item 7).

The admin login locks out after ``AXES_FAILURE_LIMIT`` failures per user name and per address
(django-axes) until the cool-off passes; the API throttles per device, per address, and invalid
tokens per address, answering 429 with ``Retry-After`` and the usual JSON error body.
"""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.tests.factories import StaffUserFactory, WarehouseFactory
from tests.factories import ScannerDeviceFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def boss(db):
    user = StaffUserFactory(username="boss")
    user.password = make_password("right-password")
    user.save(update_fields=["password"])
    return user


def _login(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


# --- admin login (django-axes) ----------------------------------------------------------------


def test_the_right_password_works_before_the_limit(client, boss, settings):
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "boss", "wrong", "10.0.0.1").status_code == 200  # the form again
    assert _login(client, "boss", "right-password", "10.0.0.1").status_code == 302
    assert _signed_in(client)


def test_a_user_name_is_locked_out_whatever_the_address(client, boss, settings):
    # given failures for "boss" from many addresses, up to the limit
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "boss", "wrong", f"10.0.1.{n}")
    # when the right password comes from yet another address
    response = _login(client, "boss", "right-password", "10.0.2.1")
    # then it is refused with 429 and a Retry-After of the cool-off, and nobody is signed in
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Too many failed sign-ins" in response.content.decode()
    assert not _signed_in(client)


def test_an_address_is_locked_out_whatever_the_user_name(client, boss, settings):
    # given failures for many user names from one address
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{n}", "wrong", "10.0.3.1")
    # then even the right password for a real user is refused from there...
    assert _login(client, "boss", "right-password", "10.0.3.1").status_code == 429
    assert not _signed_in(client)
    # ...but not from another address
    assert _login(client, "boss", "right-password", "10.0.3.2").status_code == 302
    assert _signed_in(client)


def test_the_lockout_ends_after_the_cool_off(client, boss, settings):
    for _n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "boss", "wrong", "10.0.4.1")
    assert _login(client, "boss", "right-password", "10.0.4.1").status_code == 429
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert _login(client, "boss", "right-password", "10.0.4.1").status_code == 302


def test_a_lockout_does_not_hash_passwords(client, boss, settings, monkeypatch):
    # Six clients looping on wrong passwords made the API slow: once locked out, a sign-in
    # attempt must not reach the password hasher at all.
    for _n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "boss", "wrong", "10.0.5.1")
    checked = []
    monkeypatch.setattr(
        "django.contrib.auth.base_user.AbstractBaseUser.check_password",
        lambda self, raw: checked.append(raw) or False,
    )
    for _ in range(5):
        assert _login(client, "boss", "wrong", "10.0.5.1").status_code == 429
    assert checked == []


# --- API throttling ---------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        throttle = {"device": "", "address": "", "auth_failures": "", **rates}
        settings.ZAPAS = {**settings.ZAPAS, "API_THROTTLE": throttle}

    return set_rates


def _device_client(device, address="10.1.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
    return client


def _assert_throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled"
    assert set(body) == {"code", "message", "details"}
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_device_is_throttled_on_its_own(rates):
    rates(device="3/min")
    warehouse = WarehouseFactory(code="MSK1")
    busy, quiet = (ScannerDeviceFactory(warehouse=warehouse) for _ in range(2))
    client = _device_client(busy)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    _assert_throttled(client.get("/api/v1/me/"))
    # another device behind the same address is not affected
    assert _device_client(quiet).get("/api/v1/me/").status_code == 200


def test_the_window_ends(rates):
    rates(device="2/min")
    client = _device_client(ScannerDeviceFactory())
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.get("/api/v1/me/")
        client.get("/api/v1/me/")
        response = client.get("/api/v1/me/")
        _assert_throttled(response)
        clock.shift(timedelta(seconds=int(response["Retry-After"])))
        assert client.get("/api/v1/me/").status_code == 200


def test_an_address_is_throttled_across_devices(rates):
    rates(address="4/min")
    warehouse = WarehouseFactory(code="MSK1")
    devices = [ScannerDeviceFactory(warehouse=warehouse) for _ in range(2)]
    codes = [_device_client(devices[n % 2]).get("/api/v1/me/").status_code for n in range(4)]
    assert codes == [200] * 4
    _assert_throttled(_device_client(devices[0]).get("/api/v1/me/"))
    assert _device_client(devices[0], address="10.1.0.2").get("/api/v1/me/").status_code == 200


def test_staff_sessions_are_throttled_per_user(rates):
    rates(device="2/min")
    client = APIClient(REMOTE_ADDR="10.1.0.9")
    client.force_login(StaffUserFactory())
    assert [client.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    _assert_throttled(client.get("/api/v1/me/"))


def test_guessing_tokens_is_throttled_per_address(rates):
    # given a real device, and an address that sends wrong tokens up to the limit
    rates(auth_failures="3/min")
    device = ScannerDeviceFactory()
    guesser = APIClient(REMOTE_ADDR="10.2.0.1")
    for n in range(3):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token guess-{n}")
        assert guesser.get("/api/v1/me/").status_code == 401
    # then that address gets 429 even with the right token, and the lookup is never reached
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
    _assert_throttled(guesser.get("/api/v1/me/"))
    # while the device from its own address works
    assert _device_client(device, address="10.2.0.2").get("/api/v1/me/").status_code == 200


def test_a_throttled_write_changes_nothing_and_is_not_stored_under_its_key(rates):
    from core.models import IdempotencyRecord

    rates(device="1/min")
    client = _device_client(ScannerDeviceFactory())
    client.get("/api/v1/me/")
    response = client.post(
        "/api/v1/counts/",
        {"barcode": "4600000000011", "counted": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    _assert_throttled(response)
    assert not IdempotencyRecord.objects.exists()


def test_default_rates_are_on(settings):
    from core.throttles import rate_for

    assert rate_for("device").limit >= 600  # a scanner at full speed never meets it
    assert rate_for("address").limit >= rate_for("device").limit
    assert rate_for("auth_failures").limit <= 60


# --- the address django-axes stores -----------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"REMOTE_ADDR": "10.1.2.3"}, "10.1.2.3"),
        ({"REMOTE_ADDR": "2001:db8::1"}, "2001:db8::1"),
        ({}, None),  # force_login's bare request
        ({"REMOTE_ADDR": "not-an-address"}, None),
    ],
)
def test_login_address_is_an_ip_address_or_none(meta, expected):
    from django.http import HttpRequest

    from core.throttles import login_address

    request = HttpRequest()
    request.META.update(meta)
    assert login_address(request) == expected


def test_a_sign_in_without_an_address_is_logged_on_every_database(client, boss):
    # force_login sends no REMOTE_ADDR; PostgreSQL's inet column refused the old "unknown"
    from axes.models import AccessLog

    client.force_login(boss)
    assert _signed_in(client)
    assert AccessLog.objects.filter(username="boss", ip_address=None).exists()
