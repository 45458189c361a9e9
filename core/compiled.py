"""ORM reads compiled once: the ORM writes the SQL, later calls only bind new values.

Building and compiling a queryset costs 0.2–0.45 ms of Python on the 2-core bench VM, every
time, even when only a primary key changes; running the statement costs under 0.1 ms. The
locks taken by every order and stock change (the order row, its lines, the stock rows) run on
each scan, so they are declared once as a ``CompiledQuery``::

    LOCKED_ORDER = CompiledQuery(
        lambda p: Order.objects.select_for_update(of=("self",)).filter(pk=p.pk)
    )
    order = LOCKED_ORDER.get(pk=42)

The queryset is built with ``Param`` placeholders and compiled on first use for each database;
later calls send the same SQL with the new values and build instances as the ORM's own
iterator does (``only()`` and ``select_related()`` included), so results equal the plain
queryset's. ``core/tests/test_compiled.py`` checks that on both databases, and that the SQL
is the ORM's (the ORM only puts each placeholder in brackets). The ORM's per-call check that
``select_for_update`` runs inside a transaction is repeated here.

Use it for hot reads of model instances whose shape is fixed (``CompiledQueries`` when the
condition has one term per item). ``core.rawsql`` serves the two
statements written by hand (the device-token and barcode lookups).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models.expressions import Expression
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError


class Param(Expression):
    """A placeholder for a value given when the compiled query runs."""

    def __init__(self, name: str, output_field: models.Field | None = None) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        return "%s", [self]

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    # Two placeholders are the same only if they are the same object (Expression compares by
    # constructor arguments, which would merge two uses of a name into one).
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


class _Params:
    """``p.name`` is ``Param("name")``: what a builder receives."""

    def __getattr__(self, name: str) -> Param:
        if name.startswith("_"):
            raise AttributeError(name)
        return Param(name)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple  # constants, and Param where a value is bound at run time
    fields: dict[str, models.Field]  # Param name → the field it is compared with
    model: type[models.Model]
    db: str
    init_list: tuple[str, ...]
    fields_slice: slice
    related_populators: tuple
    converters: tuple  # (position, (converter functions, expression)) as the compiler has them
    for_update: bool


class CompiledQuery:
    """A model queryset compiled once per database; ``all(**values)`` / ``get(**values)``.

    ``build`` receives a namespace whose attributes are ``Param`` placeholders and returns the
    queryset. It must select model instances (``only()`` and ``select_related()`` are fine;
    ``values()`` and ``annotate()`` are not), and nothing in it may depend on the values.
    """

    def __init__(self, build: Callable[[_Params], models.QuerySet], *, using: str = "default"):
        self._build = build
        self._using = using
        self._plans: dict[tuple[str, str], _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, connection) -> _Plan:
        key = (self._using, connection.vendor)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._compile(connection)
                self._plans[key] = plan
        return plan

    def _compile(self, connection) -> _Plan:
        queryset = self._build(_Params())
        query = queryset.query
        if (
            queryset._iterable_class is not ModelIterable
            or query.annotations
            or query.extra
            or query.combinator
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            raise TypeError(
                "CompiledQuery runs plain model querysets only: no values(), annotate(), "
                "extra(), union(), prefetch_related() or related managers."
            )
        compiler = query.get_compiler(using=self._using)
        # Outside a transaction the compiler itself refuses FOR UPDATE, as the ORM would; later
        # calls repeat that check without compiling.
        sql, params = compiler.as_sql()
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql,
            params=tuple(params),
            fields=_compared_fields(query.where),
            model=klass_info["model"],
            db=self._using,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            fields_slice=slice(start, end),
            related_populators=tuple(get_related_populators(klass_info, select, self._using)),
            converters=tuple(
                compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items()
            ),
            for_update=query.select_for_update and connection.features.has_select_for_update,
        )

    def all(self, **values: Any) -> list[models.Model]:
        connection = connections[self._using]
        plan = self._plan(connection)
        if plan.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = [
            _bound(p, plan, values, connection) if isinstance(p, Param) else p for p in plan.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        objects = []
        for row in rows:
            if plan.converters:  # as SQLCompiler.apply_converters, with this thread's connection
                row = list(row)
                for position, (functions, expression) in plan.converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            obj = plan.model.from_db(plan.db, plan.init_list, row[plan.fields_slice])
            for populator in plan.related_populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def get(self, **values: Any) -> models.Model:
        """The one instance, or the model's ``DoesNotExist`` / ``MultipleObjectsReturned``."""
        found = self.all(**values)
        if len(found) == 1:
            return found[0]
        model = self._plan(connections[self._using]).model
        if not found:
            raise model.DoesNotExist(f"No {model._meta.object_name} matches {values}.")
        raise model.MultipleObjectsReturned(f"{len(found)} rows match {values}; expected one.")


class CompiledQueries:
    """A query whose condition grows with the number of items (``build(p, size)``), e.g. one
    ``OR`` term per stock row: one ``CompiledQuery`` per size, kept for sizes up to ``keep``
    (the common few); a larger size is compiled for its call, as the ORM would."""

    def __init__(self, build: Callable[[_Params, int], models.QuerySet], *, keep: int = 16) -> None:
        self._build = build
        self._kept = {size: self._query(size) for size in range(1, keep + 1)}

    def _query(self, size: int) -> CompiledQuery:
        return CompiledQuery(lambda p: self._build(p, size))

    def all(self, size: int, **values: Any) -> list[models.Model]:
        query = self._kept.get(size) or self._query(size)
        return query.all(**values)


def _compared_fields(node: Any) -> dict[str, models.Field]:
    """Param name → the field its lookup compares it with, found in the WHERE tree: a value is
    prepared for the database as that field prepares it (a datetime on SQLite, an id)."""
    found: dict[str, models.Field] = {}
    for child in getattr(node, "children", ()):
        found.update(_compared_fields(child))
    rhs = getattr(node, "rhs", None)
    for value in rhs if isinstance(rhs, list | tuple) else [rhs]:
        if isinstance(value, Param) and value.name not in found:
            found[value.name] = value._output_field_or_none or node.lhs.output_field
    return found


def _bound(param: Param, plan: _Plan, values: dict[str, Any], connection) -> Any:
    try:
        value = values[param.name]
    except KeyError:
        raise TypeError(f"No value given for {param.name!r}.") from None
    if value is None:
        # "= NULL" matches nothing, where the ORM would have written "IS NULL".
        raise TypeError(f"{param.name!r} is None; filter with __isnull in the queryset instead.")
    field = plan.fields.get(param.name)
    return value if field is None else field.get_db_prep_value(value, connection)
