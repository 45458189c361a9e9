"""Warehouses and products from Ozon become linked Zapas warehouses and SKUs."""

from __future__ import annotations

from datetime import time

from inventory.models import Barcode, Sku, Warehouse
from inventory.tests.factories import SkuFactory
from marketplaces.ozon.accounts import account_from_environment, key_expiry_refresh
from marketplaces.ozon.models import OzonAccount, ProductLink, StockPush, WarehouseLink
from marketplaces.ozon.sync.catalogue import (
    products_sync,
    time_zone_from_ozon,
    warehouses_sync,
    working_days_from_ozon,
)
from marketplaces.ozon.tests.fake import API_KEY


def test_ozon_fields_map_to_warehouse_calendar_values():
    assert time_zone_from_ozon("UTC+03:00") == "Etc/GMT-3"
    assert time_zone_from_ozon("UTC-05:00") == "Etc/GMT+5"
    assert time_zone_from_ozon("UTC+00:00") == "UTC"
    assert time_zone_from_ozon("Asia/Yekaterinburg") == "Asia/Yekaterinburg"
    assert time_zone_from_ozon("UTC+05:30") is None
    assert working_days_from_ozon(["MONDAY", "FRIDAY", "TUESDAY"]) == "125"
    assert working_days_from_ozon([6, 7]) == "67"  # real answers sometimes carry integers
    assert working_days_from_ozon([]) is None


def test_warehouses_are_created_once_and_follow_ozon(account, client, fake_ozon):
    fake_ozon.add_warehouse(
        1001, "Kazan FBS", working_days=["MONDAY", "WEDNESDAY"], cut_in_time=13 * 60 + 30
    )
    fake_ozon.add_warehouse(1002, "Ekb FBS", address_info={"utc": "UTC+05:00"})
    first = warehouses_sync(account=account, client=client)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    kazan = WarehouseLink.objects.get(ozon_warehouse_id=1001).warehouse
    assert (kazan.code, kazan.name, kazan.kind) == ("OZ-1001", "Kazan FBS", Warehouse.Kind.OWN)
    assert (kazan.time_zone, kazan.working_days, kazan.cutoff_time) == (
        "Etc/GMT-3",
        "13",
        time(13, 30),
    )
    assert Warehouse.objects.get(code="OZ-1002").time_zone == "Etc/GMT-5"

    again = warehouses_sync(account=account, client=client)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    fake_ozon.warehouses[1001]["working_days"] = ["SATURDAY"]
    changed = warehouses_sync(account=account, client=client)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    kazan.refresh_from_db()
    assert kazan.working_days == "6"
    assert Warehouse.objects.count() == 2


def test_products_link_to_skus_by_offer_id(account, client, fake_ozon):
    known = SkuFactory(code="CUP-1", name="Our cup", barcode=False)
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501, barcodes=["4006381333931"])
    fake_ozon.add_product(502, "NEW-2", name="New thing", price="250.50")
    fake_ozon.add_product(503, "OLD-3", archived=True, barcodes=["not a gs1 code", "12345"])
    warehouses_sync(account=account, client=client)

    first = products_sync(account=account, client=client)

    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    cup = ProductLink.objects.get(offer_id="CUP-1")
    assert (cup.sku_id, cup.product_id, cup.ozon_sku, cup.is_archived) == (
        known.pk,
        501,
        9501,
        False,
    )
    assert list(Barcode.objects.filter(sku=known).values_list("code", flat=True)) == [
        "4006381333931"
    ]
    new = Sku.objects.get(code="NEW-2")
    assert (new.name, str(new.sale_price)) == ("New thing", "250.50")
    assert ProductLink.objects.get(offer_id="OLD-3").is_archived is True
    # Stock-outbox rows for every live product and linked warehouse (archived ones are not pushed).
    assert StockPush.objects.count() == 2

    again = products_sync(account=account, client=client)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Sku.objects.count() == 3

    fake_ozon.products[502]["archived"] = True
    changed = products_sync(account=account, client=client)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)


def test_unknown_offers_are_skipped_when_sku_creation_is_off(account, client, fake_ozon):
    account.create_unknown_skus = False
    account.save()
    fake_ozon.add_product(502, "NEW-2")
    result = products_sync(account=account, client=client)
    assert (result.created, result.skipped) == (0, 1)
    assert not Sku.objects.exists()


def test_the_environment_defines_a_default_account(db, settings):
    settings.OZON = {
        **settings.OZON,
        "CLIENT_ID": "777",
        "API_KEY": "env-key",
        "API_URL": "http://127.0.0.1:9",
        "PUSH_STOCK": True,
    }
    account = account_from_environment()
    assert (account.client_id, account.api_key, account.base_url, account.push_stock) == (
        "777",
        "env-key",
        "http://127.0.0.1:9",
        True,
    )
    settings.OZON = {**settings.OZON, "API_KEY": "rotated"}
    assert account_from_environment().pk == account.pk
    assert OzonAccount.objects.get().api_key == "rotated"
    settings.OZON = {**settings.OZON, "CLIENT_ID": ""}
    assert account_from_environment() is None


def test_key_expiry_is_read_from_roles(account, client, fake_ozon):
    expires = key_expiry_refresh(account=account, client=client)
    assert expires is not None
    account.refresh_from_db()
    assert abs((account.key_expires_at - fake_ozon.key_expires_at).total_seconds()) < 1


def test_the_admin_never_shows_the_api_key_back(admin_client, account):
    page = admin_client.get(f"/admin/ozon/ozonaccount/{account.pk}/change/")
    assert page.status_code == 200
    assert API_KEY.encode() not in page.content
    assert account.api_key_encrypted.encode() not in page.content
    # Saving without a key keeps the stored one; a new key replaces it.
    form = {
        "name": "Renamed",
        "client_id": account.client_id,
        "api_key": "",
        "base_url": account.base_url,
        "is_enabled": "on",
        "stock_buffer": "2",
        "create_unknown_skus": "on",
    }
    assert (
        admin_client.post(f"/admin/ozon/ozonaccount/{account.pk}/change/", form).status_code == 302
    )
    account.refresh_from_db()
    assert (account.name, account.stock_buffer, account.api_key) == ("Renamed", 2, API_KEY)
    form["api_key"] = "new-secret"
    admin_client.post(f"/admin/ozon/ozonaccount/{account.pk}/change/", form)
    account.refresh_from_db()
    assert account.api_key == "new-secret"
    new = admin_client.post(
        "/admin/ozon/ozonaccount/add/", {**form, "client_id": "999", "api_key": ""}
    )
    assert new.status_code == 200 and b"An account needs its API key." in new.content


def test_the_dashboard_warns_14_days_before_the_key_expires(admin_client, account):
    from datetime import timedelta

    from django.utils import timezone

    account.key_expires_at = timezone.now() + timedelta(days=20)
    account.save()
    assert b"ozon-dashboard" not in admin_client.get("/admin/").content
    account.key_expires_at = timezone.now() + timedelta(days=13)
    account.save()
    page = admin_client.get("/admin/").content.decode()
    assert "The API key of Test store expires on" in page
