"""Names for SQL written by hand on the hottest paths, which then runs through ``Manager.raw()``.

``Manager.raw()`` maps columns to fields and converts values as the ORM does; these helpers
only spell table and column names from the models, so a renamed field cannot drift.
"""

from __future__ import annotations

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str, alias: str | None = None) -> str:
    quoted = connection.ops.quote_name(model._meta.get_field(name).column)
    return f"{alias}.{quoted}" if alias else quoted


def for_update() -> str:
    """`` FOR UPDATE`` where the database locks rows (PostgreSQL), else nothing (SQLite
    serialises writers itself, as the ORM's ``select_for_update()`` assumes there)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""
