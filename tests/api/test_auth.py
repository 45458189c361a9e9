"""Device tokens: hashed, revocable, bound to one warehouse; staff by session; nobody anonymous."""

import pytest
from rest_framework.test import APIClient

from core.models import ScannerDevice, token_hash
from core.services import scanner_device_issue_token, scanner_device_revoke
from inventory.tests.factories import SkuFactory, UserFactory, WarehouseFactory, ean13

pytestmark = pytest.mark.django_db


def _client(token: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token}")
    return client


def test_token_is_stored_as_sha256_only(device):
    # given a device whose token was issued
    stored = ScannerDevice.objects.get(pk=device.pk)
    # then the database holds the hash and a short prefix, never the token
    assert stored.token_hash == token_hash(device.token)
    assert device.token not in (stored.token_hash, stored.token_prefix)
    assert stored.token_prefix == device.token[:8]


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_device_token_authenticates_as_the_devices_user(device, keyword):
    response = _client(device.token, keyword).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": device.user.username,
        "device": "TSD-01",
        "warehouse": {"code": "MSK1", "name": device.warehouse.name, "kind": "own"},
        "warehouses": [{"code": "MSK1", "name": device.warehouse.name, "kind": "own"}],
    }


def test_anonymous_request_gets_401_with_error_body(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b", "Bearer \u00e9\u00e9"])
def test_bad_token_gets_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoked_token_gets_401(device):
    # given a device whose token worked a moment ago (so it is cached), then was revoked
    assert _client(device.token).get("/api/v1/me/").status_code == 200
    scanner_device_revoke(device=device)
    # when it calls the API with the old token
    response = _client(device.token).get("/api/v1/me/")
    # then it is refused
    assert response.status_code == 401


def test_reissued_token_replaces_the_old_one(device):
    assert _client(device.token).get("/api/v1/me/").status_code == 200  # cached now
    new = scanner_device_issue_token(device=device)
    assert _client(device.token).get("/api/v1/me/").status_code == 401
    assert _client(new).get("/api/v1/me/").status_code == 200


def test_inactive_device_or_user_gets_401(device):
    # given a device that worked a moment ago (so it is cached)
    assert _client(device.token).get("/api/v1/me/").status_code == 200
    stored = ScannerDevice.objects.get(pk=device.pk)
    stored.is_active = False
    stored.save()  # as the admin's change form does
    assert _client(device.token).get("/api/v1/me/").status_code == 401
    stored.is_active = True
    stored.save()
    user = type(device.user).objects.get(pk=device.user.pk)
    user.is_active = False
    user.save()
    assert _client(device.token).get("/api/v1/me/").status_code == 401


def test_non_staff_session_user_gets_403(db):
    client = APIClient()
    client.force_login(UserFactory())
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_staff_session_may_act_on_any_warehouse(staff_api):
    # given a SKU and a warehouse nobody's device belongs to
    SkuFactory(barcode=ean13(7))
    WarehouseFactory(code="SPB1")
    # when staff look it up there
    response = staff_api.get(f"/api/v1/barcodes/{ean13(7)}/?warehouse=SPB1")
    # then they may
    assert response.status_code == 200
    assert response.json()["warehouse"] == "SPB1"


def test_staff_must_name_the_warehouse(staff_api):
    SkuFactory(barcode=ean13(7))
    response = staff_api.get(f"/api/v1/barcodes/{ean13(7)}/")
    assert response.status_code == 400
    assert response.json()["code"] == "warehouse_required"


def test_device_cannot_act_on_another_warehouse(api):
    # given another warehouse
    SkuFactory(barcode=ean13(7))
    WarehouseFactory(code="SPB1")
    # when the MSK1 device asks about it
    response = api.get(f"/api/v1/barcodes/{ean13(7)}/?warehouse=SPB1")
    # then 403 with a message naming its own warehouse
    assert response.status_code == 403
    assert response.json() == {
        "code": "wrong_warehouse",
        "message": "Device TSD-01 belongs to warehouse MSK1; it cannot act on warehouse SPB1.",
        "details": {"device_warehouse": "MSK1"},
    }


def test_a_known_token_costs_no_device_query_once_cached(device, django_assert_num_queries):
    # given one request that read the device (and recorded its use)
    assert _client(device.token).get("/api/v1/me/").status_code == 200
    # when the same token comes again
    with django_assert_num_queries(0):
        response = _client(device.token).get("/api/v1/me/")
    # then it is served from the cache
    assert response.status_code == 200


def test_revocation_is_immediate_inside_a_transaction_too(
    device, django_capture_on_commit_callbacks
):
    # given a cached device
    assert _client(device.token).get("/api/v1/me/").status_code == 200
    # when it is revoked and the cache is checked before the commit's callbacks ran
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scanner_device_revoke(device=device)
        refused = _client(device.token).get("/api/v1/me/").status_code
    # then it was already refused, and the commit drops the entry once more
    assert refused == 401
    assert len(callbacks) == 1


def test_token_lookup_gives_the_orm_instances(device):
    # given a device used an hour ago (a stored datetime) by a staff user
    from datetime import timedelta

    from django.utils import timezone

    from core.devices import device_by_token_hash
    from inventory.models import Warehouse

    used = timezone.now() - timedelta(hours=1)
    ScannerDevice.objects.filter(pk=device.pk).update(last_used_at=used)
    type(device.user).objects.filter(pk=device.user_id).update(is_staff=True)
    # when its token is looked up (from the database, then from the cache)
    for found in (device_by_token_hash(token_hash(device.token)) for _ in range(2)):
        # then device, user and warehouse carry the ORM's values and types
        orm = ScannerDevice.objects.select_related("user", "warehouse").get(pk=device.pk)
        for name in ("id", "name", "warehouse_id", "user_id", "is_active"):
            assert getattr(found, name) == getattr(orm, name)
        assert found.last_used_at == used and found.last_used_at.utcoffset() == timedelta(0)
        for name in ("id", "username", "is_active", "is_staff", "is_superuser"):
            assert getattr(found.user, name) == getattr(orm.user, name)
            assert type(getattr(found.user, name)) is type(getattr(orm.user, name))
        assert found.user.is_staff is True
        for field in Warehouse._meta.concrete_fields:
            assert getattr(found.warehouse, field.attname) == getattr(orm.warehouse, field.attname)
        # and a column it leaves out still loads on demand
        assert found.user.email == orm.user.email
    assert device_by_token_hash(token_hash("not-a-token")) is None
