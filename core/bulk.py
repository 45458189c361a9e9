"""One bulk-insert helper for the big writers (plan results, demo data, sales imports, syncs).

PostgreSQL gets ``COPY … FROM STDIN`` through psycopg's ``cursor.copy`` (``copy_from``: rows
written with ``write_row``, so psycopg adapts each value, or text and binary chunks that a
writer of millions of rows encodes itself); other databases get one ``executemany``. Rows
that may already exist (``ignore_conflicts``) go through one prepared
``INSERT … ON CONFLICT DO NOTHING`` executed for all rows on both databases, since ``COPY``
cannot skip a row.

``bulk_insert`` takes database-ready values; ``model_insert`` takes the Python values a model
instance would hold, converts them as the fields do and fills every other field with its
default, without building model instances (the ORM's ``bulk_create`` spends ~40 µs of Python
per row on instances and its compiler, several times the cost of writing the row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, models
from django.utils import timezone

_BATCH = 20_000  # rows per executemany: bounded memory for long streams

# Integer, id and text fields: both drivers (psycopg, sqlite3) bind their Python values as they
# are and hand them back as the values a model holds (``core.sql`` reads them without converters).
INTEGER_AND_TEXT_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "ForeignKey",
        "OneToOneField",
    }
)
# Fields whose Python values the drivers bind as they are (booleans too, slugs are text).
_AS_IS = INTEGER_AND_TEXT_FIELDS | {"SlugField", "BooleanField"}


@contextmanager
def copy_from(table: str, columns: Sequence[str], *, binary: bool = False) -> Iterator[Any]:
    """PostgreSQL only: ``COPY table (columns) FROM STDIN`` in the caller's transaction.

    Yields psycopg's ``Copy``: ``write_row(row)`` adapts each value; ``write(chunk)`` takes
    rows the caller encoded itself, tab-separated text lines or, with ``binary``, bytes from
    the ``PGCOPY`` header to the trailer (for millions of rows, where adapting value by value
    costs three times as much). A constraint violation is raised as Django's ``IntegrityError``,
    as the ORM raises it, for callers' handlers.
    """
    import psycopg

    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    if binary:
        statement += " (FORMAT BINARY)"
    try:
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            yield copy
    except psycopg.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc


def bulk_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert ``rows`` (database-ready values for ``columns``, in that order) into ``model``'s
    table and return how many rows were given.

    No model defaults, ``save()`` or signals apply: every column without a database default
    must be given. With ``ignore_conflicts`` a row that clashes with a unique constraint is
    skipped (and still counted). Runs in the caller's transaction (if any).
    """
    count = 0
    if connection.vendor == "postgresql" and not ignore_conflicts:
        with copy_from(model._meta.db_table, columns) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(columns))
        statement = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
        if ignore_conflicts:
            statement += " ON CONFLICT DO NOTHING"
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


def field_adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How to turn a Python value of ``field`` into what the driver binds; ``None``: as it is."""
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return None
    ops = connection.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    return lambda value: field.get_db_prep_save(value, connection)


_TIME_FIELDS = frozenset({"DateTimeField", "DateField", "TimeField"})


def _repeats_cached(field: models.Field, adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A time column's adapter that converts a value given again as the same object (a batch
    stamped with one ``now``: a ledger page, a stock outbox) once, not once a row (SQLite's
    conversion to text is ~5 µs); other values cost one identity check more."""
    if field.get_internal_type() not in _TIME_FIELDS:
        return adapt
    last: list[Any] = [_NOTHING, None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return cached


_NOTHING = object()


def model_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert ``rows`` of Python values for ``fields`` (attribute names: ``sku_id``, not
    ``sku``) into ``model``'s table, as ``bulk_create`` would without building instances.

    Each value is converted as its field converts it (datetimes, JSON, decimals); the
    model's other concrete fields (not the primary key) get their defaults, evaluated once
    for the call (``auto_now`` / ``auto_now_add`` fields: the time of the call). No
    ``save()``, no signals, no ids returned. Returns how many rows were given.
    """
    opts = model._meta
    given = [opts.get_field(name) for name in fields]  # get_field knows attnames too
    given_names = {field.attname for field in given}
    now = timezone.now()
    rest: list[models.Field] = []
    defaults: list[Any] = []
    for field in opts.concrete_fields:
        if field.primary_key or field.attname in given_names:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        adapt = field_adapter(field)
        rest.append(field)
        defaults.append(value if adapt is None else adapt(value))
    tail = tuple(defaults)
    adapters = [
        (i, _repeats_cached(f, a))
        for i, (f, a) in enumerate((f, field_adapter(f)) for f in given)
        if a is not None
    ]

    def prepared() -> Iterable[tuple[Any, ...]]:
        if not adapters:
            for row in rows:
                yield (*row, *tail)
            return
        for row in rows:
            values = list(row)
            for i, adapt in adapters:
                values[i] = adapt(values[i])
            yield (*values, *tail)

    columns = [field.column for field in given] + [field.column for field in rest]
    return bulk_insert(model, columns, prepared(), ignore_conflicts=ignore_conflicts)
