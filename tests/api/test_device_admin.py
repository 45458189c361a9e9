"""The admin registers devices, issues a token shown once, and revokes it."""

import re

import pytest

from core.models import ScannerDevice, token_hash
from inventory.tests.factories import StaffUserFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def test_issue_token_action_shows_the_token_once_and_stores_its_hash(client):
    # given a registered device without a token
    client.force_login(StaffUserFactory())
    device = ScannerDevice.objects.create(
        name="TSD-09", warehouse=WarehouseFactory(), user=UserFactory()
    )
    # when staff run "issue a new token"
    response = client.post(
        "/admin/core/scannerdevice/",
        {"action": "issue_token", "_selected_action": [device.pk]},
        follow=True,
    )
    # then the page shows the token, a QR code to scan and the link it holds, never cached
    html = response.content.decode()
    token = re.search(r"<code[^>]*>([^<]+)</code>", html).group(1)
    assert 'src="data:image/svg+xml' in html
    assert f"http://testserver/scan/#token={token}" in html
    assert "no-store" in response["Cache-Control"]
    # and only its hash is stored
    device.refresh_from_db()
    assert device.token_hash == token_hash(token)
    assert device.token_prefix == token[:8]
    # and the next page no longer shows it
    assert token not in client.get("/admin/core/scannerdevice/").content.decode()
    # when revoked, the token is gone
    client.post(
        "/admin/core/scannerdevice/", {"action": "revoke_token", "_selected_action": [device.pk]}
    )
    device.refresh_from_db()
    assert (device.token_hash, device.is_active) == (None, False)


def test_device_changelist_costs_constant_queries(client, django_assert_max_num_queries):
    client.force_login(StaffUserFactory())
    for n in range(5):
        ScannerDevice.objects.create(
            name=f"T-{n}", warehouse=WarehouseFactory(), user=UserFactory()
        )
    with django_assert_max_num_queries(8):
        assert client.get("/admin/core/scannerdevice/").status_code == 200
