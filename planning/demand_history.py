"""Reading the demand history of a slice of SKUs into day-by-SKU matrices, in bulk.

The history can hold tens of millions of rows. On PostgreSQL it is streamed with
``COPY … TO STDOUT (FORMAT BINARY)`` through psycopg's COPY loader; the server packs each
SKU's rows into one ``bytea`` (below), so the client handles one row per SKU, not one per day.
Elsewhere (SQLite) it is one plain ORM query.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
from django.conf import settings
from django.db import connection
from psycopg import sql

from planning.models import DemandHistory
from planning.slices import rows_of, sku_filter


def demand_matrix_read(
    *, sku_ids: np.ndarray, start: date, end: date
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray]:
    """Daily demand of these SKUs over ``start`` … ``end − 1`` summed over sources.

    Returns (demand float32 (n, T), stock-out mask bool (n, T) or None, lost demand float32
    (n, T) or None, order lines per SKU float64 (n,)). Where a day is stocked out, lost demand
    is the recorded ``lost_units`` if any, else NaN (unknown: the engine censors the day).
    """
    n, days = sku_ids.size, max(0, (end - start).days)
    demand = np.zeros((n, days), dtype=np.float32)
    stockout = np.zeros((n, days), dtype=bool)
    lost = np.zeros((n, days), dtype=np.float32)
    orders = np.zeros(n, dtype=np.float64)
    if n and days:
        parts = _read_parts(sku_ids)
        if len(parts) > 1:
            # Large slices: one COPY per part on its own connection, so that the database
            # works on every core while this process unpacks (the parts fill disjoint rows).
            with ThreadPoolExecutor(max_workers=len(parts)) as pool:
                results = list(
                    pool.map(
                        lambda part: _fill_in_thread(
                            sku_ids, part, start, end, demand, stockout, lost
                        ),
                        parts,
                    )
                )
            orders = np.sum(results, axis=0)
        else:
            orders = _fill(sku_ids, sku_ids, start, end, demand, stockout, lost)
    if not stockout.any():
        return demand, None, None, orders
    unknown = stockout & (lost <= 0)
    lost[unknown] = np.nan
    lost[~stockout] = 0.0
    return demand, stockout, lost, orders


def _setting(name: str, default):
    return settings.ZAPAS.get(name, default)


def _read_parts(sku_ids: np.ndarray) -> list[np.ndarray]:
    """Split a large slice for parallel reading (PostgreSQL, ≥ ``PLAN_PARALLEL_READ_MIN``)."""
    threads = int(_setting("PLAN_READ_THREADS", os.cpu_count() or 1))
    if (
        connection.vendor != "postgresql"
        or threads < 2
        or sku_ids.size < int(_setting("PLAN_PARALLEL_READ_MIN", 20_000))
        or connection.in_atomic_block  # other connections would not see uncommitted rows
    ):
        return [sku_ids]
    return [part for part in np.array_split(sku_ids, threads) if part.size]


def _fill_in_thread(sku_ids, part, start, end, demand, stockout, lost) -> np.ndarray:
    try:
        return _fill(sku_ids, part, start, end, demand, stockout, lost)
    finally:
        connection.close()  # this thread's own connection


def _fill(
    sku_ids: np.ndarray,
    part: np.ndarray,
    start: date,
    end: date,
    demand: np.ndarray,
    stockout: np.ndarray,
    lost: np.ndarray,
) -> np.ndarray:
    """Add the history of the SKUs ``part`` (a sub-range of ``sku_ids``) into the matrices;
    return the order lines per SKU (n,)."""
    n, days = demand.shape
    orders = np.zeros(n, dtype=np.float64)
    if connection.vendor == "postgresql":
        blocks = _demand_blocks_copy(part, start, end)
    else:
        blocks = _demand_blocks_query(part, start, end)
    flat_demand, flat_stockout, flat_lost = demand.ravel(), stockout.ravel(), lost.ravel()
    for block in blocks:
        rows, ok = rows_of(sku_ids, block["sku"])
        ok &= (block["day"] >= 0) & (block["day"] < days)
        if not ok.all():
            block, rows = block[ok], rows[ok]
        if not block.size:
            continue
        # bincount over the block's span sums the sources of one (SKU, day) exactly;
        # blocks come a few SKUs at a time, so the span is small.
        flat = rows * days + block["day"]
        lo = int(flat.min())
        span = slice(lo, int(flat.max()) + 1)
        width = span.stop - lo
        local = flat - lo
        flat_demand[span] += np.bincount(local, block["units"], width).astype(np.float32)
        flat_lost[span] += np.bincount(local, block["lost"], width).astype(np.float32)
        flat_stockout[span] |= np.bincount(local, block["stocked_out"], width) > 0
        orders += np.bincount(rows, weights=block["orders"], minlength=n)
    return orders


_BLOCK_DTYPE = np.dtype(
    [
        ("sku", np.int64),
        ("day", np.int64),
        ("units", np.float64),
        ("lost", np.float64),
        ("orders", np.float64),
        ("stocked_out", np.float64),
    ]
)


def _demand_blocks_query(sku_ids: np.ndarray, start: date, end: date) -> Iterator[np.ndarray]:
    """The history in one plain ORM query (SQLite and other databases without COPY)."""
    rows = list(
        DemandHistory.objects.filter(sku_filter(sku_ids), date__gte=start, date__lt=end)
        .order_by()
        .values_list("sku_id", "units", "lost_units", "orders", "stocked_out", "date")
    )
    if not rows:
        return
    block = np.empty(len(rows), dtype=_BLOCK_DTYPE)
    numbers = np.array([row[:5] for row in rows], dtype=np.int64)
    block["sku"], block["units"], block["lost"] = numbers[:, 0], numbers[:, 1], numbers[:, 2]
    block["orders"], block["stocked_out"] = numbers[:, 3], numbers[:, 4]
    dates = np.array([row[5] for row in rows], dtype="datetime64[D]")
    block["day"] = (dates - np.datetime64(start, "D")).astype(np.int64)
    yield block


# One record per demand row, packed by the server into a big-endian int8 (day in bits 51+,
# the stock-out flag in bit 50, lost units in bits 30–49, units in bits 0–29) and joined into
# one bytea per SKU, so COPY sends one message per SKU instead of one per row: per-message
# overhead in the client, then per-row work in the server, were most of the read time.
_UNITS_MAX = (1 << 30) - 1
_LOST_MAX = (1 << 20) - 1
_COPY_SQL = """
COPY (
    SELECT sku_id::int4, sum(orders)::int8, string_agg(int8send(
        ((date - {first}::date)::int8 << 51)
        | ((stocked_out::int)::int8 << 50)
        | (LEAST(lost_units, {lost_max})::int8 << 30)
        | LEAST(units, {units_max})::int8
    ), ''::bytea)
    FROM {table}
    WHERE {skus} AND date >= {first}::date AND date < {last}::date
    GROUP BY sku_id
) TO STDOUT (FORMAT BINARY)
"""


def _copy_statement(sku_ids: np.ndarray, start: date, end: date) -> sql.Composed:
    """The COPY statement, its values bound by psycopg's ``sql`` module (COPY takes no
    server-side parameters, and Django's debug cursor passes none to ``copy()``)."""
    lo, hi = int(sku_ids[0]), int(sku_ids[-1])
    if sku_ids.size > 1000 or hi - lo + 1 <= 2 * sku_ids.size:
        skus = sql.SQL("sku_id BETWEEN {} AND {}").format(sql.Literal(lo), sql.Literal(hi))
    else:
        skus = sql.SQL("sku_id = ANY({}::int8[])").format(sql.Literal([int(i) for i in sku_ids]))
    return sql.SQL(_COPY_SQL).format(
        table=sql.Identifier(DemandHistory._meta.db_table),
        skus=skus,
        first=sql.Literal(start),
        last=sql.Literal(end),
        lost_max=sql.Literal(_LOST_MAX),
        units_max=sql.Literal(_UNITS_MAX),
    )


def _demand_blocks_copy(
    sku_ids: np.ndarray, start: date, end: date, skus_per_block: int = 4096
) -> Iterator[np.ndarray]:
    """Stream the history with COPY … (FORMAT BINARY), one row per SKU; yield numpy blocks.

    psycopg's COPY loader parses the rows (``set_types`` + ``rows()``)."""
    skus: list[int] = []
    orders: list[int] = []
    payloads: list[bytes] = []
    with connection.cursor() as cursor, cursor.copy(_copy_statement(sku_ids, start, end)) as copy:
        copy.set_types(["int4", "int8", "bytea"])
        for sku, order_lines, payload in copy.rows():
            skus.append(sku)
            orders.append(order_lines)
            payloads.append(payload)
            if len(skus) >= skus_per_block:
                yield _records_block(skus, orders, payloads)
                skus, orders, payloads = [], [], []
    if skus:
        yield _records_block(skus, orders, payloads)


def _records_block(skus: list[int], orders: list[int], payloads: list[bytes]) -> np.ndarray:
    packed = np.frombuffer(b"".join(payloads), dtype=">i8").astype(np.int64)
    counts = np.fromiter((len(p) >> 3 for p in payloads), dtype=np.int64, count=len(payloads))
    block = np.empty(packed.size, dtype=_BLOCK_DTYPE)
    block["sku"] = np.repeat(np.asarray(skus, dtype=np.int64), counts)
    block["day"] = packed >> 51
    block["stocked_out"] = (packed >> 50) & 1
    block["lost"] = (packed >> 30) & _LOST_MAX
    block["units"] = packed & _UNITS_MAX
    # the SKU's order lines ride on its first record (summed by bincount downstream)
    block["orders"] = 0.0
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    block["orders"][first[counts > 0]] = np.asarray(orders, dtype=np.float64)[counts > 0]
    return block
