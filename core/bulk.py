"""One bulk-insert helper for the big writers (plan results, demo data, sales imports).

PostgreSQL gets ``COPY … FROM STDIN`` through psycopg's ``cursor.copy`` (rows written with
``write_row``, so psycopg adapts each value); other databases get one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

_BATCH = 20_000  # rows per executemany: bounded memory for long streams


def bulk_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (database-ready values for ``columns``, in that order) into ``model``'s
    table and return how many were written.

    No model defaults, ``save()`` or signals apply: every column without a database default
    must be given. Runs in the caller's transaction (if any).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            statement = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
            batch: list = []
            for row in rows:
                batch.append(row)
                if len(batch) >= _BATCH:
                    cursor.executemany(statement, batch)
                    count, batch = count + len(batch), []
            if batch:
                cursor.executemany(statement, batch)
                count += len(batch)
    return count
