"""CompiledQuery: the ORM's own SQL and instances, compiled once, on SQLite and PostgreSQL."""

import re
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, models, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from core.compiled import CompiledQuery, Param
from fulfilment.models import Order, OrderLine
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import SkuFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

LINES_WITH_SKU = CompiledQuery(
    lambda p: (
        OrderLine.objects.select_related("sku", "order__warehouse")
        .filter(order_id=p.order_id)
        .order_by("pk")
    )
)
LIGHT_ORDERS = CompiledQuery(
    lambda p: (
        Order.objects.filter(external_number=p.number)
        .order_by()
        .only("id", "external_number", "status")[:2]
    )
)
DUE_BEFORE = CompiledQuery(
    lambda p: Order.objects.filter(
        warehouse_id=p.warehouse_id, ship_by__lt=Param("before", models.DateTimeField())
    ).order_by("ship_by", "pk")
)
DUE_BEFORE_UNTYPED = CompiledQuery(
    lambda p: Order.objects.filter(warehouse_id=p.warehouse_id, ship_by__lt=p.before).order_by(
        "ship_by", "pk"
    )
)
LOCKED_ORDER = CompiledQuery(lambda p: Order.objects.select_for_update().filter(pk=p.pk))


def fields(instance: models.Model) -> dict:
    return {k: v for k, v in vars(instance).items() if k != "_state"}


@pytest.fixture
def orders():
    warehouse = WarehouseFactory()
    mug, cup = SkuFactory(code="MUG"), SkuFactory(code="CUP")
    first = make_order(warehouse=warehouse, lines=[(mug, 2), (cup, 1)], number="C-1")
    second = make_order(warehouse=warehouse, lines=[(cup, 3)], number="C-2")
    return warehouse, first, second


def test_instances_equal_the_orm_ones_with_related_objects_loaded(orders):
    # given an order with two lines
    _, first, _ = orders
    expected = list(
        OrderLine.objects.select_related("sku", "order__warehouse")
        .filter(order_id=first.pk)
        .order_by("pk")
    )
    # when the compiled query runs
    found = LINES_WITH_SKU.all(order_id=first.pk)
    # then every value, and every joined object, equals the ORM's
    assert [fields(line) for line in found] == [fields(line) for line in expected]
    assert [fields(line.sku) for line in found] == [fields(line.sku) for line in expected]
    with CaptureQueriesContext(connection) as ctx:
        assert {line.order.warehouse.code for line in found} == {first.warehouse.code}
    assert len(ctx.captured_queries) == 0


def test_it_sends_the_orms_sql_and_compiles_only_once(orders):
    _, first, second = orders
    queryset = (
        OrderLine.objects.select_related("sku", "order__warehouse")
        .filter(order_id=second.pk)
        .order_by("pk")
    )
    LINES_WITH_SKU.all(order_id=first.pk)  # compiled here at the latest
    with CaptureQueriesContext(connection) as orm:
        list(queryset)
    # when it runs again with another value, nothing is compiled and the same SQL goes out
    with (
        mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")),
        CaptureQueriesContext(connection) as compiled,
    ):
        found = LINES_WITH_SKU.all(order_id=second.pk)
    # (a placeholder is an expression, which the ORM puts in brackets: "= (7)" for "= 7")
    sent = [re.sub(r"= \((\d+)\)", r"= \1", q["sql"]) for q in compiled.captured_queries]
    assert sent == [q["sql"] for q in orm.captured_queries]
    assert [line.quantity for line in found] == [3]


def test_only_and_slicing_give_the_orms_deferred_instances(orders):
    _, first, _ = orders
    (found,) = LIGHT_ORDERS.all(number="C-1")
    (expected,) = Order.objects.filter(external_number="C-1").only(
        "id", "external_number", "status"
    )
    assert fields(found) == fields(expected)
    assert found.get_deferred_fields() == expected.get_deferred_fields()
    assert found.warehouse_id == first.warehouse_id  # a deferred field still loads on access
    assert LIGHT_ORDERS.all(number="nope") == []


def test_parameters_are_prepared_for_the_database(orders):
    # given orders due at 20:00 and 22:00 UTC, and a bound of 00:30 the next day in Moscow
    # (21:30 UTC): SQLite stores datetimes as UTC text, so an unprepared bound compares wrong
    warehouse, first, second = orders
    utc = ZoneInfo("UTC")
    Order.objects.filter(pk=first.pk).update(ship_by=datetime(2026, 3, 2, 20, tzinfo=utc))
    Order.objects.filter(pk=second.pk).update(ship_by=datetime(2026, 3, 2, 22, tzinfo=utc))
    before = datetime(2026, 3, 3, 0, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    expected = list(
        Order.objects.filter(warehouse_id=warehouse.pk, ship_by__lt=before).order_by(
            "ship_by", "pk"
        )
    )
    assert [o.pk for o in expected] == [first.pk]
    # then a declared type and one taken from the compared field both give the ORM's answer
    found = DUE_BEFORE.all(warehouse_id=warehouse.pk, before=before)
    assert [fields(o) for o in found] == [fields(o) for o in expected]
    found = DUE_BEFORE_UNTYPED.all(warehouse_id=str(warehouse.pk), before=before)
    assert [fields(o) for o in found] == [fields(o) for o in expected]


def test_get_raises_the_models_own_errors(orders):
    _, first, _ = orders
    assert LIGHT_ORDERS.get(number="C-1").pk == first.pk
    with pytest.raises(Order.DoesNotExist):
        LIGHT_ORDERS.get(number="nope")
    multiple = CompiledQuery(lambda p: Order.objects.filter(warehouse_id=p.warehouse_id))
    with pytest.raises(Order.MultipleObjectsReturned):
        multiple.get(warehouse_id=first.warehouse_id)


def test_a_missing_or_none_value_is_refused(orders):
    with pytest.raises(TypeError, match="No value given for 'order_id'"):
        LINES_WITH_SKU.all()
    # "= NULL" would silently match nothing where the ORM writes "IS NULL"
    with pytest.raises(TypeError, match="__isnull"):
        LINES_WITH_SKU.all(order_id=None)


@pytest.mark.parametrize(
    "build",
    [
        lambda p: Order.objects.filter(pk=p.pk).values("pk"),
        lambda p: Order.objects.filter(pk=p.pk).annotate(n=models.Count("lines")),
        lambda p: Order.objects.filter(pk=p.pk).prefetch_related("lines"),
        lambda p: Order.objects.filter(pk=p.pk).extra(select={"one": "1"}),
        lambda p: Order.objects.filter(pk=p.pk).union(Order.objects.filter(pk=p.pk)),
        lambda p: Order.objects.get(external_number="C-1").lines.filter(pk=p.pk),
    ],
    ids=["values", "annotate", "prefetch_related", "extra", "union", "related_manager"],
)
def test_what_it_could_not_reproduce_is_refused(orders, build):
    with pytest.raises(TypeError, match="plain model querysets only"):
        CompiledQuery(build).all(pk=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_select_for_update_needs_a_transaction_on_every_call(orders):
    _, first, _ = orders
    with pytest.raises(TransactionManagementError):
        LOCKED_ORDER.get(pk=first.pk)  # first call: the compiler refuses
    with transaction.atomic():
        assert LOCKED_ORDER.get(pk=first.pk).pk == first.pk
    with pytest.raises(TransactionManagementError):
        LOCKED_ORDER.get(pk=first.pk)  # compiled by now: the check is repeated
