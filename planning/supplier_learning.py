"""Learn suppliers' lead times and reliability from the receipts on their purchase orders.

What is read — the lines of the window's purchase orders and the receipt movements on them,
grouped by (purchase order, SKU, local day) — is kept between runs as one packed chunk per
order date (``SupplierReceiptChunk``). Each run reads again only the dates whose orders
changed (their fingerprint: ids, statuses, expected arrivals) or got receipts since the
ledger mark, so a night with a day's receipts reads a few dates, not two years; the figures
are the same as a full read (``full=True``, ``manage.py learn_operations --full``), since a
chunk holds exactly what a full read gives for its date. The figures come from
``planning.engine.leadtime`` and replace every ``SupplierPerformance`` row in one transaction.

- Lead time of a receipt = local day it was booked − the PO's order date (calendar days).
- Supplier rows are shrunk toward the supplier's stated lead time. Supplier-item rows (only
  for items with receipts) are shrunk toward the item's own stated override if it has one,
  else toward the supplier's learned figure, so a few receipts of an item move it a little and
  many move it a lot.
- On time = received by the PO's expected arrival. Fill rate over lines that are due: the PO
  is received, or its expected arrival is ``FILL_RATE_GRACE_DAYS`` (14) or more days past.

Settings (``ZAPAS``): ``LEAD_TIME_LEARN_DAYS`` (365: receipts of POs ordered within it),
``LEAD_TIME_PRIOR_RECEIPTS`` (5: what the stated figure is worth), ``SCORECARD_WINDOW_DAYS``
(90: trend windows), ``FILL_RATE_GRACE_DAYS``.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from operator import itemgetter

import numpy as np
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Case, FloatField, Func, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from core.bulk import bulk_insert
from inventory.models import (
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    StockMovement,
    Supplier,
    SupplierItem,
)
from planning.engine.leadtime import learn_lead_times, supplier_scorecard
from planning.models import SupplierLearningMark, SupplierPerformance, SupplierReceiptChunk

_EPOCH = np.datetime64("1970-01-01", "D")


def _setting(name: str, default):
    return settings.ZAPAS.get(name, default)


@dataclass(frozen=True)
class ReceiptHistory:
    """Receipts (r,) and due PO lines (l,) of the window, as arrays."""

    supplier_id: np.ndarray  # int64 (r,)
    sku_id: np.ndarray  # int64 (r,)
    units: np.ndarray  # int64 (r,)
    lead_days: np.ndarray  # int64 (r,) order date → receipt day
    days_late: np.ndarray  # int64 (r,) receipt day − expected arrival
    age_days: np.ndarray  # int64 (r,) as_of − receipt day
    line_supplier_id: np.ndarray  # int64 (l,)
    line_sku_id: np.ndarray
    line_ordered: np.ndarray
    line_received: np.ndarray


class DaysSinceEpoch(Func):
    """A date as whole days since 1970-01-01, computed by the database: reading millions of
    receipts, converting their dates in Python cost more than the query itself."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra,
        )


_FAR_FUTURE = date(9999, 12, 31)

#: Layout of the packed chunks: change it when ``_read_orders``'s columns change.
_LAYOUT = "2"

#: Receipt movements looked at again below the mark — the last ``_MARK_SLACK`` ids, booked
#: within ``_IN_FLIGHT`` before the mark was set: a receipt whose transaction had taken its id
#: but not yet committed then is still found, and older receipts are not read again.
_MARK_SLACK = 10_000
_IN_FLIGHT = timedelta(hours=1)

_LINE_COLUMNS = ("supplier", "sku", "expected_day", "done", "ordered", "received")
_RECEIPT_COLUMNS = ("supplier", "sku", "expected_day", "day", "units")


def _columns(rows: list[tuple], n: int) -> list[np.ndarray]:
    """``n`` int64 columns of ``rows`` (tuples of whole numbers)."""
    if not rows:
        return [np.zeros(0, np.int64) for _ in range(n)]
    table = np.array(rows, dtype=np.int64)
    return [table[:, i] for i in range(n)]


def _day_number(day: date) -> int:
    return int((np.datetime64(day, "D") - _EPOCH).astype(np.int64))


def _learning_orders():
    return PurchaseOrder.objects.exclude(
        status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED]
    )


def _read_orders(orders, *, by_number: bool) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per order day: the lines (``_LINE_COLUMNS``) of ``orders`` and the receipts on them
    (``_RECEIPT_COLUMNS``: one per PO line and local day), sorted by (PO, SKU, day).

    Two bulk queries returning whole numbers only; a receipt is matched to its line in numpy
    and one whose PO has no line for its SKU is left out. ``by_number`` (for a few orders)
    names them in the receipts' query, so the ledger's index of PO receipts serves it.
    """
    po_of_number = dict(orders.values_list("number", "pk"))
    (line_po, line_sku, line_supplier, order_day, expected_day, ordered, received, done) = _columns(
        list(
            PurchaseOrderLine.objects.filter(purchase_order__in=orders)
            .annotate(
                order_day=DaysSinceEpoch("purchase_order__order_date"),
                expected_day=DaysSinceEpoch(
                    Coalesce("purchase_order__expected_arrival", Value(_FAR_FUTURE))
                ),
                done=Case(
                    When(purchase_order__status=PurchaseOrder.Status.RECEIVED, then=1),
                    default=0,
                    output_field=IntegerField(),
                ),
            )
            .values_list(
                "purchase_order_id",
                "sku_id",
                "purchase_order__supplier_id",
                "order_day",
                "expected_day",
                "quantity_ordered",
                "quantity_received",
                "done",
            )
        ),
        8,
    )
    receipts = list(
        StockMovement.objects.filter(
            kind=MovementKind.RECEIPT,
            document_type="purchase_order",
            document_ref__in=list(po_of_number) if by_number else orders.values("number"),
        )
        .annotate(day=DaysSinceEpoch(TruncDate("created_at")))
        .values("document_ref", "sku_id", "day")
        .annotate(units=Sum("quantity"))
        .values_list("document_ref", "sku_id", "day", "units")
    )
    r_po, r_sku, got_day, r_units = _columns(
        [(po_of_number.get(ref, -1), sku, day, units) for ref, sku, day, units in receipts], 4
    )
    width = int(max(line_sku.max(initial=0), r_sku.max(initial=0))) + 1
    order = np.lexsort((line_sku, line_po, order_day))
    lines = np.stack(
        [line_supplier, line_sku, expected_day, done, ordered, received, order_day, line_po]
    )[:, order]
    line_key = line_po * width + line_sku
    key_order = np.argsort(line_key, kind="stable")
    sorted_keys = line_key[key_order]
    r_key = r_po * width + r_sku
    pos = np.minimum(np.searchsorted(sorted_keys, r_key), max(sorted_keys.size - 1, 0))
    if sorted_keys.size:
        hit = (r_po >= 0) & (sorted_keys[pos] == r_key)
    else:
        hit = np.zeros(r_po.size, bool)
    k = key_order[pos[hit]]
    rows = np.stack(
        [
            line_supplier[k],
            line_sku[k],
            expected_day[k],
            got_day[hit],
            r_units[hit],
            order_day[k],
            line_po[k],
        ]
    )
    rows = rows[:, np.lexsort((rows[3], rows[1], rows[6], rows[5]))]
    line_slices, receipt_slices = _by_day(lines[6]), _by_day(rows[5])
    return {
        day: (
            lines[:6, part],
            rows[:5, receipt_slices.get(day, slice(0, 0))],
        )
        for day, part in line_slices.items()
    }


def _by_day(days: np.ndarray) -> dict[int, slice]:
    """The run of each value in ``days`` (sorted)."""
    values, starts = np.unique(days, return_index=True)
    ends = np.append(starts[1:], days.size) if days.size else starts
    return {
        int(d): slice(int(a), int(b))
        for d, a, b in zip(values.tolist(), starts.tolist(), ends.tolist(), strict=True)
    }


_HEADER = struct.Struct("<BBII")  # bytes per value of each table, lines, receipts


def _pack(lines: np.ndarray, receipts: np.ndarray) -> bytes:
    """Both tables (columns × rows), column after column, in 32 bits when every value fits."""
    parts, widths = [], []
    for table in (lines, receipts):
        small = table.size == 0 or (table.min() >= -(2**31) and table.max() < 2**31)
        table = np.ascontiguousarray(table, dtype=np.int32 if small else np.int64)
        parts.append(table.tobytes())
        widths.append(table.itemsize)
    return _HEADER.pack(*widths, lines.shape[1], receipts.shape[1]) + b"".join(parts)


def _unpack(data) -> tuple[np.ndarray, np.ndarray]:
    """The two tables of ``_pack``, as views of ``data`` (no copy)."""
    wl, wr, nl, nr = _HEADER.unpack_from(data)
    lines = np.frombuffer(
        data, dtype=f"<i{wl}", count=len(_LINE_COLUMNS) * nl, offset=_HEADER.size
    ).reshape(len(_LINE_COLUMNS), nl)
    receipts = np.frombuffer(
        data,
        dtype=f"<i{wr}",
        count=len(_RECEIPT_COLUMNS) * nr,
        offset=_HEADER.size + lines.nbytes,
    ).reshape(len(_RECEIPT_COLUMNS), nr)
    return lines, receipts


def _order_fingerprints(since: date, until: date) -> dict[date, str]:
    """Per order date in [since, until): a digest of its purchase orders (id, status,
    expected arrival), whatever their status — what a chunk depends on besides receipts."""
    out: dict[date, str] = {}
    rows = (
        PurchaseOrder.objects.filter(order_date__gte=since, order_date__lt=until)
        .order_by("order_date", "pk")
        .values_list("order_date", "pk", "status", "expected_arrival")
    )
    for day, group in groupby(rows, key=itemgetter(0)):
        digest = hashlib.blake2b(digest_size=16)
        for _, pk, status, expected in group:
            digest.update(f"{pk}:{status}:{expected};".encode())
        out[day] = digest.hexdigest()
    return out


def _chunks_key() -> str:
    """What the packed chunks depend on besides the data: receipt days are local days."""
    return f"{_LAYOUT}:{timezone.get_current_timezone_name()}"


def _chunks_refresh(
    *, since: date, until: date, full: bool
) -> tuple[list[date], dict[date, tuple[np.ndarray, np.ndarray]]]:
    """Bring the stored chunks of order dates [since, until) up to date and return the dates
    read again and the fresh chunks (the others are unchanged in the database).

    A date is read again when its orders' fingerprint changed (new, edited, sent, cancelled
    or deleted orders), when a receipt was booked on one of its orders since the mark, or when
    it has no chunk yet; chunks outside the window are dropped. ``full`` (or another time
    zone or layout) reads every date.
    """
    key = _chunks_key()
    with transaction.atomic():
        mark = SupplierLearningMark.objects.select_for_update().order_by("pk").first()
        receipts = StockMovement.objects.filter(
            kind=MovementKind.RECEIPT, document_type="purchase_order"
        )
        marked_at = timezone.now()
        top = receipts.aggregate(top=Max("pk"))["top"] or 0  # before reading: nothing missed
        fingerprints = _order_fingerprints(since, until)
        if full or mark is None or mark.key != key:
            SupplierReceiptChunk.objects.all().delete()
            stored: dict[date, str] = {}
        else:
            SupplierReceiptChunk.objects.exclude(
                order_date__gte=since, order_date__lt=until
            ).delete()
            stored = dict(SupplierReceiptChunk.objects.values_list("order_date", "fingerprint"))
        dirty = {day for day, fp in fingerprints.items() if stored.get(day) != fp}
        if stored:
            dirty |= set(
                PurchaseOrder.objects.filter(
                    order_date__gte=since,
                    order_date__lt=until,
                    number__in=receipts.filter(
                        Q(pk__gt=mark.movement_id)
                        | Q(
                            pk__gt=mark.movement_id - _MARK_SLACK,
                            created_at__gte=mark.updated_at - _IN_FLIGHT,
                        )
                    ).values("document_ref"),
                )
                .values_list("order_date", flat=True)
                .distinct()
            )
        gone = set(stored) - set(fingerprints)
        dirty -= gone
        fresh: dict[date, tuple[np.ndarray, np.ndarray]] = {}
        if dirty:
            orders = _learning_orders().filter(order_date__gte=since, order_date__lt=until)
            some = len(dirty) < len(fingerprints)
            if some:
                orders = orders.filter(order_date__in=sorted(dirty))
            read = _read_orders(orders, by_number=some)
            now = timezone.now()
            chunks = []
            for day in sorted(dirty):
                lines, got = read.get(
                    _day_number(day),
                    (
                        np.zeros((len(_LINE_COLUMNS), 0), np.int64),
                        np.zeros((len(_RECEIPT_COLUMNS), 0), np.int64),
                    ),
                )
                data = _pack(lines, got)
                fresh[day] = _unpack(data)
                chunks.append(
                    SupplierReceiptChunk(
                        order_date=day,
                        fingerprint=fingerprints.get(day, ""),
                        receipts=got.shape[1],
                        lines=lines.shape[1],
                        data=data,
                        built_at=now,
                    )
                )
            SupplierReceiptChunk.objects.filter(order_date__in=sorted(dirty | gone)).delete()
            SupplierReceiptChunk.objects.bulk_create(chunks, batch_size=100)
        elif gone:
            SupplierReceiptChunk.objects.filter(order_date__in=sorted(gone)).delete()
        if mark is None:
            SupplierLearningMark.objects.create(movement_id=top, key=key, updated_at=marked_at)
        else:
            mark.movement_id, mark.key, mark.updated_at = top, key, marked_at
            mark.save(update_fields=["movement_id", "key", "updated_at"])
    return sorted(dirty), fresh


def receipt_history(*, as_of: date, days: int | None = None, full: bool = False) -> ReceiptHistory:
    """Receipts booked before ``as_of`` on POs ordered in the ``days`` before it, and the
    lines of those POs that are due.

    Read from the stored chunks, of which only the order dates that changed since the last
    call are read again from the orders and the ledger (``full``: all of them); the figures
    are the same either way, since a chunk holds exactly what a full read gives for its date.
    """
    days = int(days or _setting("LEAD_TIME_LEARN_DAYS", 365))
    since = as_of - timedelta(days=days)
    grace = int(_setting("FILL_RATE_GRACE_DAYS", 14))
    _, fresh = _chunks_refresh(since=since, until=as_of, full=full)
    stored = (
        SupplierReceiptChunk.objects.filter(order_date__gte=since, order_date__lt=as_of)
        .exclude(order_date__in=sorted(fresh))
        .values_list("order_date", "data")
    )
    tables = dict(fresh)
    tables.update((day, _unpack(data)) for day, data in stored)
    ordered_days = sorted(tables)

    def column(table: int, i: int) -> np.ndarray:
        parts = [tables[d][table][i] for d in ordered_days]
        return np.concatenate(parts, dtype=np.int64) if parts else np.zeros(0, np.int64)

    today, first = _day_number(as_of), _day_number(since)
    got_day = column(1, 3)
    keep = (got_day >= first) & (got_day < today)
    order_day = np.repeat(
        np.array([_day_number(d) for d in ordered_days], dtype=np.int64),
        [tables[d][1].shape[1] for d in ordered_days],
    )[keep]
    supplier, sku, expected, got_day, units = (
        got_day[keep] if i == 3 else column(1, i)[keep] for i in range(len(_RECEIPT_COLUMNS))
    )
    expected_line = column(0, 2)
    due = (column(0, 3) == 1) | (expected_line + grace <= today)
    lines = [column(0, i)[due] for i in (0, 1, 4, 5)]
    return ReceiptHistory(
        supplier_id=supplier,
        sku_id=sku,
        units=units,
        lead_days=got_day - order_day,
        days_late=got_day - expected,
        age_days=today - got_day,
        line_supplier_id=lines[0],
        line_sku_id=lines[1],
        line_ordered=lines[2],
        line_received=lines[3],
    )


# The columns written, in the order ``_rows`` gives them (``core.bulk.bulk_insert``).
COLUMNS = (
    "supplier_id",
    "sku_id",
    "computed_on",
    "receipts",
    "units_received",
    "stated_mean_days",
    "stated_sd_days",
    "observed_mean_days",
    "observed_sd_days",
    "observed_p50_days",
    "observed_p90_days",
    "data_share",
    "learned_mean_days",
    "learned_sd_days",
    "on_time_rate",
    "fill_rate",
    "average_delay_days",
    "recent_on_time_rate",
    "previous_on_time_rate",
    "recent_delay_days",
    "previous_delay_days",
    "worsening",
)


def _figures(values: np.ndarray, digits: int = 4) -> list[float | None]:
    """Rounded floats, ``None`` where not finite (a column that may be NULL)."""
    values = np.round(np.asarray(values, dtype=np.float64), digits)
    out: list[float | None] = values.tolist()
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        out[i] = None
    return out


def _rows(
    *,
    as_of: date,
    supplier_ids: np.ndarray,
    sku_ids: np.ndarray | None,
    prior_mean: np.ndarray,
    prior_sd: np.ndarray,
    est,
    card,
) -> list[tuple]:
    """One row per group, database-ready values in ``COLUMNS`` order (column-wise: 100,000
    model instances cost 10 of the 18 CPU s the refresh took at catalogue scale)."""
    n = supplier_ids.size
    columns = [
        supplier_ids.astype(np.int64).tolist(),
        [None] * n if sku_ids is None else sku_ids.astype(np.int64).tolist(),
        [as_of] * n,
        np.asarray(est.receipts, dtype=np.int64).tolist(),
        np.asarray(est.units, dtype=np.int64).tolist(),
        _figures(prior_mean),
        _figures(prior_sd),
        _figures(est.observed_mean),
        _figures(est.observed_sd),
        _figures(est.observed_p50),
        _figures(est.observed_p90),
        _figures(est.data_share),
        _figures(est.mean),
        _figures(est.sd),
        _figures(card.on_time_rate),
        _figures(card.fill_rate),
        _figures(card.average_delay_days),
        _figures(card.recent_on_time),
        _figures(card.previous_on_time),
        _figures(card.recent_delay_days),
        _figures(card.previous_delay_days),
        np.asarray(card.worsening, dtype=bool).tolist(),
    ]
    return list(zip(*columns, strict=True))


def _scorecard(history: ReceiptHistory, receipt_group, line_group, n_groups: int):
    return supplier_scorecard(
        receipt_group=receipt_group,
        receipt_units=history.units,
        receipt_days_late=history.days_late,
        receipt_age_days=history.age_days,
        line_group=line_group,
        line_ordered=history.line_ordered,
        line_received=history.line_received,
        n_groups=n_groups,
        window_days=int(_setting("SCORECARD_WINDOW_DAYS", 90)),
    )


def supplier_performance_refresh(*, as_of: date, full: bool = False) -> int:
    """Recompute every supplier's and supplier item's learned lead time and scorecard.

    Only the purchase orders whose order date had changes since the last call are read again
    (``full``: all of them, the same figures). Returns the number of rows written. The rows
    are replaced in one transaction: readers see the old rows or the new ones, never a mix.
    """
    history = receipt_history(as_of=as_of, full=full)
    strength = float(_setting("LEAD_TIME_PRIOR_RECEIPTS", 5))
    suppliers = list(
        Supplier.objects.order_by("pk").values_list(
            "pk",
            Cast("lead_time_mean_days", FloatField()),
            Cast("lead_time_sd_days", FloatField()),
        )
    )
    sup_ids = np.array([s[0] for s in suppliers], dtype=np.int64)
    s_mean = np.array([s[1] for s in suppliers], dtype=np.float64)
    s_sd = np.array([s[2] for s in suppliers], dtype=np.float64)
    n_sup = sup_ids.size
    r_sup = np.searchsorted(sup_ids, history.supplier_id)
    l_sup = np.searchsorted(sup_ids, history.line_supplier_id)
    sup_est = learn_lead_times(
        group=r_sup,
        days=history.lead_days,
        units=history.units,
        n_groups=n_sup,
        prior_mean=s_mean,
        prior_sd=s_sd,
        prior_strength=strength,
    )
    rows = _rows(
        as_of=as_of,
        supplier_ids=sup_ids,
        sku_ids=None,
        prior_mean=s_mean,
        prior_sd=s_sd,
        est=sup_est,
        card=_scorecard(history, r_sup, l_sup, n_sup),
    )

    # supplier items with receipts: key = (supplier, sku)
    width = int(max(history.sku_id.max(initial=0), history.line_sku_id.max(initial=0))) + 1
    r_key = history.supplier_id * width + history.sku_id
    keys = np.unique(r_key)
    if keys.size:
        item_sup, item_sku = keys // width, keys % width
        # Every item with an override (few), matched to the keys below: a filter on the SKUs
        # with receipts would bind one parameter per SKU (over 65,535 fails on PostgreSQL).
        over = list(
            SupplierItem.objects.filter(
                Q(lead_time_mean_days__isnull=False) | Q(lead_time_sd_days__isnull=False),
            ).values_list(
                "supplier_id",
                "sku_id",
                Cast("lead_time_mean_days", FloatField()),
                Cast("lead_time_sd_days", FloatField()),
            )
        )
        pos = np.searchsorted(sup_ids, item_sup)
        prior_mean = sup_est.mean[pos].copy()
        prior_sd = sup_est.sd[pos].copy()
        if over:
            # items with a stated override of their own start from it (NULL half: supplier's)
            o_key = np.array([o[0] * width + o[1] for o in over], dtype=np.int64)
            o_mean = np.array([o[2] for o in over], dtype=np.float64)  # None → NaN
            o_sd = np.array([o[3] for o in over], dtype=np.float64)
            j = np.searchsorted(keys, o_key)
            hit = (j < keys.size) & (keys[np.minimum(j, keys.size - 1)] == o_key)
            j, o_mean, o_sd = j[hit], o_mean[hit], o_sd[hit]
            prior_mean[j] = np.where(np.isnan(o_mean), s_mean[pos[j]], o_mean)
            prior_sd[j] = np.where(np.isnan(o_sd), s_sd[pos[j]], o_sd)
        r_item = np.searchsorted(keys, r_key)
        l_key = history.line_supplier_id * width + history.line_sku_id
        l_item = np.searchsorted(keys, l_key)
        l_ok = (l_item < keys.size) & (keys[np.minimum(l_item, keys.size - 1)] == l_key)
        item_est = learn_lead_times(
            group=r_item,
            days=history.lead_days,
            units=history.units,
            n_groups=keys.size,
            prior_mean=prior_mean,
            prior_sd=prior_sd,
            prior_strength=strength,
        )
        card = supplier_scorecard(
            receipt_group=r_item,
            receipt_units=history.units,
            receipt_days_late=history.days_late,
            receipt_age_days=history.age_days,
            line_group=l_item[l_ok],
            line_ordered=history.line_ordered[l_ok],
            line_received=history.line_received[l_ok],
            n_groups=keys.size,
            window_days=int(_setting("SCORECARD_WINDOW_DAYS", 90)),
        )
        rows += _rows(
            as_of=as_of,
            supplier_ids=item_sup,
            sku_ids=item_sku,
            prior_mean=prior_mean,
            prior_sd=prior_sd,
            est=item_est,
            card=card,
        )
    with transaction.atomic():
        if not _truncated(SupplierPerformance):
            SupplierPerformance.objects.all().delete()
        bulk_insert(SupplierPerformance, COLUMNS, rows)
    return len(rows)


def _truncated(model) -> bool:
    """Empty ``model``'s table by TRUNCATE on PostgreSQL (every row is replaced: no dead rows
    for vacuum; readers wait for the commit). False where it cannot: another database, or
    rows of this transaction whose deferred foreign-key checks are still pending."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    except OperationalError:
        return False
    return True


def learned_lead_times(
    *, sku_ids: np.ndarray, supplier_ids: np.ndarray, has_override: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The learned (mean, sd) days for each (SKU, supplier) pair; NaN where nothing applies.

    The supplier item's own row if it has receipts, else — unless the item states its own
    override, which then stands — the supplier's row. One query.
    """
    n = sku_ids.size
    mean, sd = np.full(n, np.nan), np.full(n, np.nan)
    if n == 0:
        return mean, sd
    rows = list(
        SupplierPerformance.objects.filter(supplier_id__in=np.unique(supplier_ids).tolist())
        .filter(
            Q(sku__isnull=True) | Q(sku_id__gte=int(sku_ids.min()), sku_id__lte=int(sku_ids.max()))
        )
        .values_list("supplier_id", "sku_id", "learned_mean_days", "learned_sd_days")
    )
    if not rows:
        return mean, sd
    sup = {r[0]: (r[2], r[3]) for r in rows if r[1] is None}
    width = int(sku_ids.max()) + 1
    items = [r for r in rows if r[1] is not None]
    if sup:
        s_ids = np.array(sorted(sup), dtype=np.int64)
        s_vals = np.array([sup[s] for s in s_ids.tolist()], dtype=np.float64).reshape(-1, 2)
        j = np.searchsorted(s_ids, supplier_ids)
        hit = (j < s_ids.size) & (s_ids[np.minimum(j, s_ids.size - 1)] == supplier_ids)
        use = hit & ~has_override
        mean[use], sd[use] = s_vals[j[use], 0], s_vals[j[use], 1]
    if items:
        i_key = np.array([r[0] * width + r[1] for r in items], dtype=np.int64)
        order = np.argsort(i_key)
        i_key = i_key[order]
        i_vals = np.array([(r[2], r[3]) for r in items], dtype=np.float64)[order]
        key = supplier_ids * width + sku_ids
        j = np.searchsorted(i_key, key)
        hit = (j < i_key.size) & (i_key[np.minimum(j, i_key.size - 1)] == key)
        mean[hit], sd[hit] = i_vals[j[hit], 0], i_vals[j[hit], 1]
    return mean, sd
