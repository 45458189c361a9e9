"""Bulk writes for the demo data: COPY on PostgreSQL (psycopg 3), executemany elsewhere.

These skip model instances and ``save()`` on purpose (millions of rows); callers own the
invariants the services would otherwise keep.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import connection, models

from core.bulk import bulk_insert, copy_from
from planning.models import DemandHistory, DemandSource


def drop_indexes(model: type[models.Model]) -> list[str]:
    """PostgreSQL bulk load: drop ``model``'s indexes, primary key, unique and FK constraints.

    Returns the statements that put them back (``restore_indexes``). Loading first and
    indexing after is several times faster than maintaining three B-trees and queueing one
    deferred FK check per row. DDL is transactional in PostgreSQL: if the load fails, the
    rollback restores the schema too. Holds an exclusive lock on the table (and on the
    referenced tables) until commit.
    """
    table = model._meta.db_table
    qn = connection.ops.quote_name
    restore: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
            "AND c.conrelid = x.indrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _, definition in constraints:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            restore.append(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        for name, definition in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
            restore.insert(0, definition)
    return restore


def restore_indexes(model: type[models.Model], statements: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


DEMAND_COLUMNS = ("sku_id", "date", "source", "units", "orders", "returned_units",
                   "cancelled_units", "lost_units", "revenue", "stocked_out")  # fmt: skip
_PG_EPOCH = date(2000, 1, 1).toordinal()


class DemandWriter:
    """Streams demand rows to the database: binary COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, start: date, days: int, *, with_ids: bool = False) -> None:
        self.start = start
        self.days = days
        self.table = DemandHistory._meta.db_table
        self.source = DemandSource.DEMO.value.encode()
        self.postgres = connection.vendor == "postgresql"
        self._copy_cm = self._copy = None
        self.next_id = None
        if self.postgres:
            self._cursor = connection.cursor()
            columns = DEMAND_COLUMNS
            if with_ids:
                # The table is locked exclusively (bulk load): take ids from the sequence in one
                # go instead of a nextval() per row; close() moves the sequence past them.
                self._cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                self.sequence = self._cursor.fetchone()[0]
                self._cursor.execute("SELECT nextval(%s)", [self.sequence])
                self.next_id = self._cursor.fetchone()[0]
                columns = ("id", *columns)
            self._copy_cm = copy_from(self.table, columns, binary=True)
            self._copy = self._copy_cm.__enter__()
            self._copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        else:
            self.dates = [str(start + timedelta(days=d)) for d in range(days)]

    def write(self, *, sku_id, day, units, orders, returned, cancelled, lost, revenue_cents,
              stocked_out) -> None:  # fmt: skip
        if not len(units):
            return
        if self.postgres:
            self._copy.write(
                self._binary_rows(sku_id, day, units, orders, returned, cancelled, lost,
                                  revenue_cents, stocked_out)
            )  # fmt: skip
            return
        dates = self.dates
        revenue = (revenue_cents / 100).tolist()
        rows = zip(
            sku_id.tolist(),
            (dates[d] for d in day.tolist()),
            ("demo" for _ in range(len(units))),
            units.tolist(),
            orders.tolist(),
            returned.tolist(),
            cancelled.tolist(),
            lost.tolist(),
            revenue,
            stocked_out.tolist(),
            strict=False,
        )
        bulk_insert(DemandHistory, DEMAND_COLUMNS, rows)

    def _binary_rows(self, sku_id, day, units, orders, returned, cancelled, lost, revenue_cents,
                     stocked_out) -> bytes:  # fmt: skip
        """PostgreSQL binary COPY tuples as one numpy record array (no Python loop per row)."""
        src = len(self.source)
        spec = [("nfields", ">i2")]
        if self.next_id is not None:
            spec += [("l_id", ">i4"), ("id", ">i8")]
        spec += [("l_sku", ">i4"), ("sku", ">i8"), ("l_date", ">i4"), ("date", ">i4"),
                 ("l_src", ">i4"), ("src", f"S{src}")]  # fmt: skip
        for name in ("units", "orders", "returned", "cancelled", "lost"):
            spec += [(f"l_{name}", ">i4"), (name, ">i4")]
        # numeric(14,2) as four base-10000 digits with weight 2: 10^8s, 10^4s, units, cents×100.
        spec += [("l_rev", ">i4"), ("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"),
                 ("dscale", ">i2"), ("digits", ">i2", (4,)), ("l_flag", ">i4"), ("flag", "u1")]  # fmt: skip
        rec = np.empty(len(units), dtype=np.dtype(spec))
        rec["nfields"] = len(DEMAND_COLUMNS) + (self.next_id is not None)
        if self.next_id is not None:
            rec["l_id"], rec["id"] = 8, np.arange(self.next_id, self.next_id + len(units))
            self.next_id += len(units)
        rec["l_sku"], rec["sku"] = 8, sku_id
        rec["l_date"], rec["date"] = 4, day + (self.start.toordinal() - _PG_EPOCH)
        rec["l_src"], rec["src"] = src, self.source
        for name, values in (("units", units), ("orders", orders), ("returned", returned),
                             ("cancelled", cancelled), ("lost", lost)):  # fmt: skip
            rec[f"l_{name}"], rec[name] = 4, values
        whole, cents = np.divmod(revenue_cents, 100)
        rec["l_rev"], rec["ndigits"], rec["weight"], rec["sign"], rec["dscale"] = 16, 4, 2, 0, 2
        rec["digits"] = np.stack(
            [whole // 10**8, (whole // 10**4) % 10**4, whole % 10**4, cents * 100], axis=1
        )
        rec["l_flag"], rec["flag"] = 1, stocked_out
        return rec.tobytes()

    def close(self) -> None:
        if self._copy is not None:
            self._copy.write(struct.pack(">h", -1))
            self._copy_cm.__exit__(None, None, None)
            if self.next_id is not None:
                self._cursor.execute("SELECT setval(%s, %s)", [self.sequence, self.next_id])
            self._cursor.close()


# --- bulk insert helpers ------------------------------------------------------------------------


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert plain tuples (Python values) into ``model``'s table: COPY or executemany.

    Skips model instances and ``save()`` on purpose (tens of thousands of rows); callers own
    the invariants the services would otherwise keep.
    """
    opts = model._meta
    columns = [opts.get_field(name.removesuffix("_id")).column if name.endswith("_id")
               else opts.get_field(name).column for name in fields]  # fmt: skip
    if connection.vendor != "postgresql":  # psycopg adapts values itself; sqlite3 needs text
        adapters = [_sqlite_adapter(opts.get_field(name.removesuffix("_id")) if name.endswith("_id")
                                    else opts.get_field(name)) for name in fields]  # fmt: skip
        rows = (tuple(a(v) if a else v for a, v in zip(adapters, row, strict=True)) for row in rows)
    bulk_insert(model, columns, rows)


def _sqlite_adapter(f: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(f, models.DateTimeField):
        return lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v)
    if isinstance(f, models.DateField | models.DecimalField):
        return lambda v: None if v is None else str(v)
    return None
