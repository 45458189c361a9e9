"""Names for SQL written by hand on the hottest paths, which then runs through ``Manager.raw()``.

``Manager.raw()`` maps columns to fields and converts values as the ORM does; these helpers
only spell table and column names from the models, so a renamed field cannot drift.
"""

from __future__ import annotations

from django.db import connection, models

from core.bulk import field_adapter


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str, alias: str | None = None) -> str:
    quoted = connection.ops.quote_name(model._meta.get_field(name).column)
    return f"{alias}.{quoted}" if alias else quoted


def for_update() -> str:
    """`` FOR UPDATE`` where the database locks rows (PostgreSQL), else nothing (SQLite
    serialises writers itself, as the ORM's ``select_for_update()`` assumes there)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def datetime_value(value):
    """A datetime as the database binds it, converted as a ``DateTimeField`` converts it."""
    return connection.ops.adapt_datetimefield_value(value)


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
