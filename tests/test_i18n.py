"""The interface in Russian, English and Simplified Chinese.

The catalogues live in locale/ with their compiled .mo files (a fresh clone needs no GNU
gettext); the language comes from the browser or from the switch in the header, which
remembers the choice in a cookie.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from core.i18n import catalogue_problems, po_files
from inventory.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_catalogues_are_complete_and_compiled():
    # Every ru and zh-hans entry translated, nothing fuzzy, each .mo the Babel compilation of
    # its .po: what a fresh clone loads is what the catalogue says.
    paths = po_files()
    assert {path.parent.parent.name for path in paths} == {"en", "ru", "zh_Hans"}
    assert {path.name for path in paths} == {"django.po", "djangojs.po"}
    assert [problem for path in paths for problem in catalogue_problems(path)] == []
    call_command("compile_catalogues", "--check")


def test_a_stale_catalogue_is_reported(tmp_path, settings):
    po = tmp_path / "ru" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Pack"\nmsgstr "Упаковка"\n\nmsgid "Ship"\nmsgstr ""\n',
        encoding="utf-8",
    )
    settings.LOCALE_PATHS = [tmp_path]
    assert catalogue_problems(po) == [
        f"{po.with_suffix('.mo')}: missing (run manage.py compile_catalogues)",
        f"{po}: untranslated 'Ship'",
    ]
    call_command("compile_catalogues")
    assert catalogue_problems(po) == [f"{po}: untranslated 'Ship'"]


def test_languages_offered():
    assert [code for code, _name in settings.LANGUAGES] == ["ru", "en", "zh-hans"]


@pytest.fixture
def admin_client_user(client):
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "expected", "lang_attribute"),
    [
        ("ru", "Запасы, заказы и планы", 'lang="ru"'),
        ("zh-hans", "库存、订单与计划", 'lang="zh-hans"'),
        ("en", "Stock, orders and plans", 'lang="en"'),
    ],
)
def test_the_dashboard_speaks_the_browsers_language(
    admin_client_user, language, expected, lang_attribute
):
    response = admin_client_user.get("/admin/", headers={"accept-language": language})
    page = response.content.decode()
    assert response.status_code == 200
    assert expected in page
    assert lang_attribute in page


def test_the_switch_remembers_the_choice(admin_client_user):
    # Given a Russian browser, when the user picks Chinese in the header's switch,
    response = admin_client_user.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 60 * 60 * 24 * 365
    # then later pages are Chinese although the browser still asks for Russian.
    page = admin_client_user.get("/admin/", headers={"accept-language": "ru"}).content.decode()
    assert "库存、订单与计划" in page
    assert 'name="language"' in page
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page


def test_the_sign_in_page_has_the_switch_too(client):
    page = client.get("/admin/login/", headers={"accept-language": "ru"}).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert "Русский" in page


def test_the_scan_station_in_russian(client):
    page = client.get("/scan/", headers={"accept-language": "ru"}).content.decode()
    assert "Станция сканирования" in page
    assert "Приёмка" in page
    catalogue = client.get("/jsi18n/", headers={"accept-language": "ru"}).content.decode()
    assert "\\u0420\\u0435\\u0436\\u0438\\u043c" in catalogue or "Режим приёмки" in catalogue


@pytest.mark.parametrize(
    ("group", "sees_link"), [("Warehouse", True), ("Buyer", False), ("Planner", False)]
)
def test_warehouse_staff_see_the_scan_station_link(client, group, sees_link):
    user = UserFactory(username=f"u-{group}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    assert ('id="scan-station-link"' in page) is sees_link
    assert ('href="/scan/"' in page) is sees_link


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "03.12.2026 · 1234,5"),
        ("en", "12/03/2026 · 1234.5"),
        ("zh-hans", "2026年12月3日 · 1234.5"),
    ],
)
def test_dates_and_numbers_follow_the_locale(language, expected):
    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }} · {{ number }}')
    with translation.override(language):
        rendered = template.render(Context({"day": date(2026, 12, 3), "number": 1234.5}))
    assert rendered == expected


def test_model_labels_module_is_current():
    # The labels Django derives from names are listed for the catalogue: run
    # `manage.py model_labels` (or `make messages`) after adding a field.
    from core.i18n import LABELS_MODULE, model_labels_source

    assert LABELS_MODULE.read_text(encoding="utf-8") == model_labels_source()


def test_derived_field_labels_and_choices_are_translated(admin_client_user):
    from inventory.models import StockLevel
    from inventory.tests.factories import stock_level

    stock_level(on_hand=5)
    field = StockLevel._meta.get_field("on_hand")
    with translation.override("ru"):
        assert str(field.verbose_name) == "в наличии"
        assert str(StockLevel._meta.verbose_name) == "остаток"
    page = admin_client_user.get(
        "/admin/inventory/stocklevel/", headers={"accept-language": "ru"}
    ).content.decode()
    assert "В наличии" in page
    page = admin_client_user.get(
        "/admin/fulfilment/order/", headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "待打包" in page  # the status filter's "Awaiting packaging"


def test_orders_say_short_or_reserved_in_words_not_icons(admin_client_user):
    # Given a fully reserved order and one short of stock
    from fulfilment.tests.factories import order
    from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

    warehouse = WarehouseFactory()
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    order(warehouse=warehouse, lines=[(sku, 1)], number="RESERVED-1")
    order(warehouse=warehouse, lines=[(sku, 3)], number="SHORT-1")

    # when the order list is shown in Russian
    page = admin_client_user.get(
        "/admin/fulfilment/order/", headers={"accept-language": "ru"}
    ).content.decode()

    # then the stock column says which in words, with no ✓/✗ icon that reads the other way
    assert "icon-no.svg" not in page and "icon-yes.svg" not in page
    assert page.count(">не хватает</span>") == 1
    assert "зарезервировано" in page
    assert "К отгрузке сегодня" in page  # the list's own links are translated too


def test_the_planning_dashboard_in_chinese(admin_client_user):
    page = admin_client_user.get("/admin/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "订单与卖家指标" in page  # the fulfilment panel
    assert "最近一次计划运行" in page  # the planning panel


def test_order_list_shows_the_ship_by_in_the_warehouses_time_with_its_zone(admin_client_user):
    from datetime import UTC, datetime

    from fulfilment.tests.factories import order
    from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

    warehouse = WarehouseFactory(time_zone="Asia/Yekaterinburg")
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    order(
        warehouse=warehouse,
        lines=[(sku, 1)],
        number="EKB-1",
        ship_by=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
    )
    page = admin_client_user.get(
        "/admin/fulfilment/order/", headers={"accept-language": "ru"}
    ).content.decode()
    # 09:00 UTC is 14:00 in Yekaterinburg (+05), in Russian's short date-time format
    assert '04.12.2026 14:00 <small class="quiet">+05</small>' in page


def test_a_packers_error_comes_in_the_request_language():
    from core.errors import Conflict
    from fulfilment.services import order_pack_scan
    from fulfilment.tests.factories import order
    from inventory.services import SYSTEM
    from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

    warehouse = WarehouseFactory()
    mug, jar = SkuFactory(code="MUG"), SkuFactory(code="JAR")
    stock_level(sku=mug, warehouse=warehouse, on_hand=1)
    placed = order(warehouse=warehouse, lines=[(mug, 1)], number="P-1")
    with translation.override("ru"), pytest.raises(Conflict) as error:
        order_pack_scan(order=placed, sku=jar, quantity=1, actor=SYSTEM)
    assert error.value.message.startswith("JAR нет в заказе P-1. Осталось упаковать:")
