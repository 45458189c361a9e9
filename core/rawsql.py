"""Model columns for SQL written by hand on the hottest paths, read back the way the ORM would.

Compiling an ORM query costs 0.3–0.5 ms of Python on the 2-core bench VM, every time; a
statement written once costs nothing to build. What the ORM still does better is turning raw
values into Python ones (SQLite's naive datetime text, its 0/1 booleans…). ``Column`` keeps that
part: it carries the field's own converters, so values read through it equal the ORM's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models.expressions import Col


@dataclass(frozen=True)
class Column:
    """One model field as a hand-written statement selects it (``alias.column``)."""

    sql: str
    attname: str
    converters: tuple[Callable, ...]
    expression: Col

    def value(self, raw: Any) -> Any:
        for convert in self.converters:
            raw = convert(raw, self.expression, connection)
        return raw


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def columns(
    model: type[models.Model], alias: str, names: Iterable[str] | None = None
) -> list[Column]:
    """``names`` of ``model`` (all concrete fields if ``None``), in the model's field order, so
    that ``instance`` can hand them to ``Model.from_db``, which maps a partial row by it."""
    wanted = {model._meta.get_field(name).attname for name in names or ()}
    found = []
    for field in model._meta.concrete_fields:
        if wanted and field.attname not in wanted:
            continue
        col = field.get_col(alias)
        converters = (*connection.ops.get_db_converters(col), *field.get_db_converters(connection))
        sql = f"{alias}.{connection.ops.quote_name(field.column)}"
        found.append(Column(sql, field.attname, converters, col))
    return found


def column(model: type[models.Model], alias: str, name: str) -> Column:
    return columns(model, alias, [name])[0]


def values(selected: Sequence[Column], row: Sequence) -> list:
    """The Python values of one row of ``selected``."""
    return [col.value(raw) for col, raw in zip(selected, row, strict=True)]


def instance(model: type[models.Model], selected: Sequence[Column], row: Sequence) -> models.Model:
    """A model instance from ``row`` (the values of ``selected``); unselected fields deferred."""
    return model.from_db(connection.alias, [col.attname for col in selected], values(selected, row))
