"""Substitutes for short orders: the notice offers one in stock, its compensation rule, the
admin list of savable short orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.urls import reverse

from fulfilment.models import CompensationKind, NoticeKind
from fulfilment.notices.compensation import compensation_for
from fulfilment.notices.outbox import notice_queue
from fulfilment.services import CustomerInfo
from fulfilment.substitutes import savable_short_orders, substitute_offers
from fulfilment.tests.factories import order as make_order
from inventory.models import SkuSubstitute
from inventory.tests.factories import SkuFactory, UserFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    wh = WarehouseFactory(code="MSK")
    mug = SkuFactory(code="MUG-RED", name="Red mug")
    blue = SkuFactory(code="MUG-BLUE", name="Blue mug")
    pack = SkuFactory(code="MUG-2PK", name="Two red mugs")
    stock_level(sku=mug, warehouse=wh, on_hand=1)
    stock_level(sku=blue, warehouse=wh, on_hand=2)
    stock_level(sku=pack, warehouse=wh, on_hand=9)
    # the pack is preferred but the blue one is offered first by priority
    SkuSubstitute.objects.create(sku=mug, substitute=blue, kind="colour", priority=1)
    SkuSubstitute.objects.create(sku=mug, substitute=pack, kind="pack", priority=2)
    return wh, mug, blue, pack


def _short(wh, mug, qty, language="en"):
    return make_order(
        warehouse=wh,
        lines=[(mug, qty)],
        customer=CustomerInfo(name="Ann", contact="ann@example.com", language=language),
    )


def test_first_substitute_with_enough_free_stock_is_offered(shop):
    wh, mug, blue, pack = shop
    two_short = _short(wh, mug, 3)  # 1 reserved, 2 missing: blue has 2 free
    (offer,) = substitute_offers(two_short)
    assert (offer.missing_code, offer.missing_units, offer.code, offer.available) == (
        "MUG-RED",
        2,
        "MUG-BLUE",
        2,
    )
    # the next order misses 5: blue (2 free) is not enough, the pack (9) is
    (offer,) = substitute_offers(_short(wh, mug, 5))
    assert (offer.code, offer.missing_units) == ("MUG-2PK", 5)
    assert substitute_offers(_short(wh, mug, 20)) == []  # nothing has 20 free


def test_notice_offers_the_substitute_with_its_compensation(shop):
    wh, mug, *_ = shop
    order = _short(wh, mug, 3)
    notice = order.notices.get(kind=NoticeKind.SHORT)
    assert "we can send instead Blue mug (MUG-BLUE) in place of Red mug" in notice.body
    assert notice.compensation_kind == CompensationKind.FREE_DELIVERY_UPGRADE
    # the first order holds the last red mug: the next misses 3, more than blue's 2
    ru = _short(wh, mug, 3, language="ru")
    body = ru.notices.get(kind=NoticeKind.SHORT).body
    assert "отправить Two red mugs (MUG-2PK) вместо «Red mug»" in body


def test_without_a_substitute_the_notice_is_as_before(shop):
    wh, *_ = shop
    lonely = SkuFactory(code="LONELY")
    order = _short(wh, lonely, 2)
    notice = order.notices.get(kind=NoticeKind.SHORT)
    assert "instead" not in notice.body
    assert notice.compensation_kind != CompensationKind.FREE_DELIVERY_UPGRADE
    again = notice_queue(order=order, kind=NoticeKind.SHORT, event_key="other")
    assert "instead" not in again.body


def test_compensation_rule_on_substitute():
    rules = [
        {"event": "short", "substitute": True, "kind": "gift"},
        {"event": "*", "kind": "coupon", "value": 5},
    ]
    kw = dict(kind="short", delay_days=3, order_total=Decimal("10"), rules=rules)
    assert compensation_for(substitute_offered=True, **kw).kind == "gift"
    assert compensation_for(substitute_offered=False, **kw).kind == "coupon"


def test_a_sku_cannot_substitute_itself(shop):
    _, mug, *_ = shop
    with pytest.raises(IntegrityError):
        SkuSubstitute.objects.create(sku=mug, substitute=mug)


def test_admin_lists_short_orders_a_substitute_could_save(
    shop, client, django_assert_max_num_queries
):
    wh, mug, *_ = shop
    savable = [_short(wh, mug, 3), _short(wh, mug, 4)]
    lost = _short(wh, mug, 50)
    assert set(savable_short_orders()) >= set(savable)
    assert lost not in set(savable_short_orders())
    planner = UserFactory(username="planner", is_staff=True)
    planner.groups.add(Group.objects.get(name="Planner"))  # made by the roles migration
    client.force_login(planner)
    url = reverse("admin:fulfilment_savableshortorder_changelist")
    body = client.get(url).content.decode()
    assert "2 × MUG-RED → MUG-BLUE (2 free)" in body
    assert lost.external_number not in body
