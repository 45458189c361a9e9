"""SQL written by hand on the hottest paths, with names spelled from the models.

Statements that read model instances run through ``Manager.raw()`` (which maps columns and
converts values as the ORM does) or, for plain integer and text columns that need no
converting, through ``select``/``loader`` and the documented ``Model.from_db()``; writes go
through ``update_row``/``update_many``/``insert``. A renamed field cannot drift: every table
and column name comes from the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import timezone

from core.bulk import INTEGER_AND_TEXT_FIELDS, field_adapter


# Names are fixed for the life of the process (one database), and every hand-over spells a
# few dozen of them: looked up and quoted once.
@cache
def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def column(model: type[models.Model], name: str, alias: str | None = None) -> str:
    quoted = connection.ops.quote_name(model._meta.get_field(name).column)
    return f"{alias}.{quoted}" if alias else quoted


def for_update() -> str:
    """`` FOR UPDATE`` where the database locks rows (PostgreSQL), else nothing (SQLite
    serialises writers itself, as the ORM's ``select_for_update()`` assumes there)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def update_row(model: type[models.Model], pk: object, values: dict[str, object]) -> int:
    """``UPDATE … SET field = value, … WHERE id = pk``: one row, one statement written here
    (a model's ``save(update_fields=…)`` or a queryset's ``update()`` builds and compiles it on
    every call). Values are converted as ``update_many`` converts them; no ``save()``, no
    signals. Returns the number of rows changed (0 or 1)."""
    fields = list(values)
    adapters = [field_adapter(model._meta.get_field(name)) for name in fields]
    params = [
        value if adapt is None else adapt(value)
        for adapt, value in zip(adapters, values.values(), strict=True)
    ]
    assignments = ", ".join(f"{column(model, name)} = %s" for name in fields)
    statement = f"UPDATE {table(model)} SET {assignments} WHERE {column(model, 'id')} = %s"
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, pk])
        return cursor.rowcount


def update_many(
    model: type[models.Model], fields: list[str], rows: list[tuple[object, ...]]
) -> None:
    """``UPDATE … SET field = value, … WHERE id = pk`` for every ``(value, …, pk)`` of ``rows``.

    One statement, prepared once and executed for each row (``executemany``). The ORM's
    ``bulk_update`` builds a ``CASE WHEN`` per field over every row instead, and that
    expression costs far more Python than the statements themselves (a page of a hundred
    orders: 50 ms against 1 ms). Values are converted as the fields convert them
    (``core.bulk.field_adapter``: plain ints and strings as they are).
    """
    if not rows:
        return
    adapters = [field_adapter(model._meta.get_field(name)) for name in fields]
    assignments = ", ".join(f"{column(model, name)} = %s" for name in fields)
    statement = f"UPDATE {table(model)} SET {assignments} WHERE {column(model, 'id')} = %s"
    if any(adapters):
        rows = [
            [
                *(
                    value if adapt is None else adapt(value)
                    for adapt, value in zip(adapters, row[:-1], strict=True)
                ),
                row[-1],
            ]
            for row in rows
        ]
    with connection.cursor() as cursor:
        if len(rows) == 1:  # psycopg's executemany costs a pipeline round of its own
            cursor.execute(statement, rows[0])
        else:
            cursor.executemany(statement, rows)


# Field types whose values both drivers (psycopg, sqlite3) hand back as the Python values a model
# holds, so rows of them need no converter: integers, ids and text. Anything else (datetimes,
# decimals, booleans on SQLite, JSON) is read through ``Manager.raw()``, which converts.
_READ_AS_IS = INTEGER_AND_TEXT_FIELDS


@cache
def _loader(
    model: type[models.Model], fields: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    opts = model._meta
    wanted = {opts.get_field(name).attname for name in fields}
    chosen = [field for field in opts.concrete_fields if field.attname in wanted]
    if len(chosen) != len(wanted):
        raise ValueError(f"{model.__name__}: not concrete fields: {sorted(wanted)}")
    for field in chosen:
        if field.get_internal_type() not in _READ_AS_IS:
            raise ValueError(
                f"{model.__name__}.{field.name} needs a converter: read it through Manager.raw()"
            )
    # ``from_db`` takes the values in the model's field order.
    return tuple(field.column for field in chosen), tuple(field.attname for field in chosen)


def loader(
    model: type[models.Model], fields: Sequence[str], alias: str | None = None
) -> tuple[str, Callable[[Sequence[Any]], models.Model]]:
    """The column list to SELECT for ``fields`` (plain integers, ids and text only) and a
    function turning a row of them into a model instance through the documented
    ``Model.from_db()``, the other fields deferred (loaded on access), as ``Manager.raw()``
    would give it — without the per-call column mapping that costs ``raw()`` a third of a
    statement's Python. The row's first values must be these columns, in the returned order."""
    columns, attnames = _loader(model, tuple(fields))
    quote = connection.ops.quote_name
    listed = ", ".join(f"{alias}.{quote(c)}" if alias else quote(c) for c in columns)
    width, db = len(attnames), connection.alias

    def load(row: Sequence[Any]) -> models.Model:
        return model.from_db(db, attnames, row[:width] if len(row) != width else row)

    return listed, load


def select(
    model: type[models.Model], fields: Sequence[str], tail: str, params: Sequence[Any]
) -> list[models.Model]:
    """``SELECT fields FROM model's table {tail}`` (a WHERE, an ORDER BY, a lock written by the
    caller) as model instances: ``loader`` run over the rows."""
    listed, load = loader(model, fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {listed} FROM {table(model)} {tail}", params)
        return [load(row) for row in cursor.fetchall()]


@cache
def _insert_plan(model: type[models.Model]) -> tuple[str, tuple[models.Field, ...]]:
    opts = model._meta
    fields = tuple(field for field in opts.concrete_fields if not field.primary_key)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return f"INSERT INTO {table(model)} ({names}) VALUES ", fields


def insert(objs: Sequence[models.Model]) -> None:
    """Write new instances of one model in one ``INSERT … RETURNING id`` written here and give
    them their ids, as ``bulk_create`` does on PostgreSQL and SQLite, without its compiler
    (four times the statement's own Python for a ledger row). Every concrete field but the
    primary key is written, converted as ``update_many`` converts values; ``auto_now`` /
    ``auto_now_add`` fields get the time of the call. No ``save()``, no signals."""
    if not objs:
        return
    model = type(objs[0])
    head, fields = _insert_plan(model)
    adapters = [field_adapter(field) for field in fields]
    stamped = [
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    now = timezone.now()
    params: list[Any] = []
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
        for field, adapt in zip(fields, adapters, strict=True):
            value = getattr(obj, field.attname)
            params.append(value if adapt is None else adapt(value))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = model._meta.pk
    statement = f"{head}{', '.join([row] * len(objs))} RETURNING {column(model, pk.name)}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        ids = [found for (found,) in cursor.fetchall()]
    db = connection.alias
    for obj, found in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, found)
        obj._state.adding = False
        obj._state.db = db
