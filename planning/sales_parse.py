"""Reading a sales export (CSV, gzip'd CSV or XLSX) into (SKU code, day) cells and a report.

Nothing here writes to the database: ``planning.sales_import`` hashes the file, parses it with
``sales_file_parse`` and writes the cells; its module doc states the row classification rules.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import fnmatch
import gzip
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, BinaryIO

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

from core.errors import InvalidInput
from core.limits import INT32_MAX
from core.uploads import cells_check, rows_check, upload_limit, xlsx_archive_check
from planning.models import SalesImport

#: Codes that are not products in typical webshop exports (the Online Retail set and friends).
#: Matched case-insensitively; ``*`` and ``?`` are shell-style wildcards.
DEFAULT_EXCLUDE_CODES: tuple[str, ...] = (
    "POST",
    "DOT",
    "M",
    "C2",
    "D",
    "S",
    "B",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "gift_0001_*",
)

_ISO_FORMATS = frozenset({"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"})
MAX_LISTED = 50  # bad rows and unknown codes listed in a report (all are counted)
EARLIEST_SALE = date(2000, 1, 1)
CENT = Decimal("0.01")
ZERO = Decimal(0)

#: An order line's units must fit the database's 32-bit integer (the column's own range).
MAX_LINE_QUANTITY = INT32_MAX
#: A day's revenue of one SKU fits ``DemandHistory.revenue`` (14 digits, 2 places).
MAX_REVENUE_UNITS = 10**12 * 10**4 - 1
#: Delimiters tried when the file's is not given, in order of preference on a tie.
DELIMITERS = (";", ",", "\t", "|")
#: Bytes read to detect the encoding and the delimiter.
SAMPLE_BYTES = 256 * 1024
#: Rows between two progress reports.
PROGRESS_EVERY = 20_000


@dataclass(frozen=True)
class ImportOptions:
    """How to read a sales export. Defaults fit the UCI Online Retail layout.

    Empty ``price_column``/``document_column``/``description_column`` = the file has none.
    Unknown SKU codes fail the import unless ``create_skus`` (create them) or
    ``skip_unknown_skus`` (leave their rows out); bad rows fail it unless ``skip_bad_rows``.
    ``date_format`` is a ``strptime`` format for the timestamp column; only the day is kept.
    """

    sku_column: str = "StockCode"
    quantity_column: str = "Quantity"
    date_column: str = "InvoiceDate"
    price_column: str = "UnitPrice"
    document_column: str = "InvoiceNo"
    description_column: str = "Description"
    date_format: str = "%Y-%m-%d %H:%M:%S"
    cancelled_prefix: str = "C"
    exclude_codes: tuple[str, ...] = DEFAULT_EXCLUDE_CODES
    upper_codes: bool = False
    create_skus: bool = False
    skip_unknown_skus: bool = False
    skip_bad_rows: bool = False
    #: Empty = detected: the delimiter from the header line, the encoding with
    #: charset-normalizer (UTF-8, Windows-1251 as Russian Excel and 1C save, UTF-16…).
    delimiter: str = ""
    encoding: str = ""
    #: A status column whose values in ``cancelled_statuses`` mark cancellations (Ozon).
    status_column: str = ""
    cancelled_statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preset:
    """Column names and formats of an export that sellers have, as ``ImportOptions`` fields."""

    name: str
    label: str
    fields: dict[str, Any]

    def options(self, **overrides: Any) -> ImportOptions:
        return dataclasses.replace(ImportOptions(), **{**self.fields, **overrides})


#: The exports sellers actually have. The encoding and the delimiter are detected.
PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("online_retail", gettext_noop("Online Retail (UCI) / webshop invoice lines"), {}),
        # Ozon seller portal › Orders (FBS or FBO) › "Download CSV": one row per posting line,
        # cancellations by status, ";"-separated UTF-8.
        Preset(
            "ozon_orders",
            gettext_noop("Ozon: orders (FBS/FBO postings CSV)"),
            {
                "sku_column": "Артикул",
                "quantity_column": "Количество",
                "date_column": "Принят в обработку",
                "date_format": "%Y-%m-%d %H:%M:%S",
                "price_column": "Ваша цена",
                "document_column": "Номер отправления",
                "description_column": "Наименование товара",
                "status_column": "Статус",
                "cancelled_statuses": ("Отменён", "Отменен", "cancelled"),
                "cancelled_prefix": "",
                "exclude_codes": (),
            },
        ),
        # Ozon seller portal › Finance › "Sales report" by day: delivered and returned units.
        Preset(
            "ozon_sales",
            gettext_noop("Ozon: sales report by day"),
            {
                "sku_column": "Артикул",
                "quantity_column": "Количество",
                "date_column": "Дата",
                "date_format": "%d.%m.%Y",
                "price_column": "Цена продавца",
                "document_column": "",
                "description_column": "Название товара",
                "cancelled_prefix": "",
                "exclude_codes": (),
            },
        ),
        # 1C:Trade Management › Reports › Sales, saved as CSV: Windows-1251, ";", dates
        # 15.03.2024 (with or without the time), prices 1 234,50.
        Preset(
            "1c_sales",
            gettext_noop("1C: sales report (Trade Management)"),
            {
                "sku_column": "Артикул",
                "quantity_column": "Количество",
                "date_column": "Дата",
                "date_format": "%d.%m.%Y",
                "price_column": "Цена",
                "document_column": "Документ",
                "description_column": "Номенклатура",
                "cancelled_prefix": "",
                "exclude_codes": (),
            },
        ),
    )
}


@dataclass(frozen=True)
class BadRow:
    """A refused row: ``reason`` in English (stored, machine-stable), ``template`` and ``params``
    to say it again in the reader's language (``text``)."""

    line: int
    reason: str
    template: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        if not self.template:
            return gettext(self.reason)
        return gettext(self.template) % self.params


def _grouped(value: int | Decimal) -> str:
    return number_format(value, force_grouping=True)


@dataclass(frozen=True)
class ImportReport:
    """What an import read and did. Stored as JSON on ``SalesImport.report``."""

    file_name: str
    file_sha256: str
    status: str
    dry_run: bool = False
    sales_import_id: int | None = None
    previous_import_id: int | None = None
    rows_read: int = 0
    demand_rows: int = 0
    cancellation_rows: int = 0
    return_rows: int = 0
    adjustment_rows: int = 0
    non_product_rows: int = 0
    skipped_by_code: dict[str, int] = field(default_factory=dict)
    bad_row_count: int = 0
    bad_rows: tuple[BadRow, ...] = ()
    duplicate_rows: int = 0
    duplicate_lines: tuple[int, ...] = ()
    unknown_sku_count: int = 0
    unknown_sku_rows: int = 0
    unknown_skus: tuple[str, ...] = ()
    skus_created: int = 0
    units: int = 0
    cancelled_units: int = 0
    returned_units: int = 0
    adjusted_units: int = 0
    revenue: Decimal = ZERO
    first_date: date | None = None
    last_date: date | None = None
    days: int = 0
    cells_written: int = 0
    cells_removed: int = 0
    warnings: tuple[str, ...] = ()
    encoding: str = ""
    delimiter: str = ""

    @property
    def rows_imported(self) -> int:
        """Rows that went into demand history cells (demand, cancellations, returns)."""
        if self.status in (SalesImport.Status.FAILED, SalesImport.Status.UNCHANGED):
            return 0
        return self.demand_rows + self.cancellation_rows + self.return_rows

    @property
    def rows_skipped(self) -> int:
        return self.rows_read - self.rows_imported

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["revenue"] = str(self.revenue)
        data["first_date"] = self.first_date.isoformat() if self.first_date else None
        data["last_date"] = self.last_date.isoformat() if self.last_date else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["bad_rows"] = tuple(BadRow(**row) for row in values.get("bad_rows", ()))
        values["unknown_skus"] = tuple(values.get("unknown_skus", ()))
        values["warnings"] = tuple(values.get("warnings", ()))
        values["duplicate_lines"] = tuple(values.get("duplicate_lines", ()))
        values["revenue"] = Decimal(values.get("revenue") or 0)
        for key in ("first_date", "last_date"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        return cls(**values)

    def lines(self) -> list[str]:
        """The report as human-readable lines (command output, admin page), in the active
        language: the stored figures are rendered when shown, so the page follows its reader."""
        n = _grouped
        state = {
            SalesImport.Status.DONE: gettext("imported"),
            SalesImport.Status.UNCHANGED: gettext("already imported, nothing written"),
            SalesImport.Status.FAILED: gettext("rejected, nothing written"),
        }.get(self.status, self.status)
        if self.dry_run:
            state = (
                gettext("dry run (would be rejected), nothing written")
                if self.status == SalesImport.Status.FAILED
                else gettext("dry run (would import), nothing written")
            )
        out = [
            f"{self.file_name}: {state}",
            f"sha256 {self.file_sha256}",
        ]
        if self.encoding:
            if self.delimiter:
                names = {
                    "\t": gettext("tab"),
                    ",": gettext("comma"),
                    ";": gettext("semicolon"),
                    "|": gettext("bar"),
                }
                out.append(
                    gettext("read as %(encoding)s, %(delimiter)s-separated")
                    % {
                        "encoding": self.encoding,
                        "delimiter": names.get(self.delimiter, repr(self.delimiter)),
                    }
                )
            else:
                out.append(gettext("read as %(encoding)s") % {"encoding": self.encoding})
        out += [
            gettext(
                "rows read %(read)s: demand %(demand)s, cancellations %(cancellations)s, "
                "returns %(returns)s, adjustments %(adjustments)s, non-product %(non_product)s, "
                "bad %(bad)s, unknown SKU %(unknown)s"
            )
            % {
                "read": n(self.rows_read),
                "demand": n(self.demand_rows),
                "cancellations": n(self.cancellation_rows),
                "returns": n(self.return_rows),
                "adjustments": n(self.adjustment_rows),
                "non_product": n(self.non_product_rows),
                "bad": n(self.bad_row_count),
                "unknown": n(self.unknown_sku_rows),
            },
            gettext(
                "units demanded %(units)s, cancelled %(cancelled)s, returned %(returned)s, "
                "adjusted %(adjusted)s; revenue %(revenue)s"
            )
            % {
                "units": n(self.units),
                "cancelled": n(self.cancelled_units),
                "returned": n(self.returned_units),
                "adjusted": n(self.adjusted_units),
                "revenue": n(self.revenue),
            },
        ]
        if self.first_date:
            out.append(
                gettext(
                    "days %(days)s (%(first)s … %(last)s); cells written %(written)s, "
                    "removed %(removed)s"
                )
                % {
                    "days": self.days,
                    "first": self.first_date,
                    "last": self.last_date,
                    "written": n(self.cells_written),
                    "removed": n(self.cells_removed),
                }
            )
        if self.skipped_by_code:
            codes = ", ".join(f"{code} {count}" for code, count in self.skipped_by_code.items())
            out.append(gettext("non-product codes skipped: %(codes)s") % {"codes": codes})
        if self.skus_created:
            out.append(gettext("SKUs created: %(n)s") % {"n": n(self.skus_created)})
        if self.unknown_sku_count:
            listed = ", ".join(self.unknown_skus)
            more = self.unknown_sku_count - len(self.unknown_skus)
            out.append(
                gettext("unknown SKUs not imported (%(n)s): %(codes)s")
                % {"n": n(self.unknown_sku_count), "codes": listed}
                + (gettext(" … and %(n)s more") % {"n": more} if more > 0 else "")
                + gettext(
                    " (--create-skus creates them, --skip-unknown-skus leaves their rows out)"
                )
            )
        if self.duplicate_rows:
            listed = ", ".join(str(line) for line in self.duplicate_lines)
            more = self.duplicate_rows - len(self.duplicate_lines)
            out.append(
                gettext(
                    "exact duplicate rows %(n)s (counted as sales, like every line; check the "
                    "export): lines %(lines)s"
                )
                % {"n": n(self.duplicate_rows), "lines": listed}
                + (gettext(" … and %(n)s more") % {"n": n(more)} if more > 0 else "")
            )
        out.extend(gettext("warning: %(text)s") % {"text": text} for text in self.warnings)
        for bad in self.bad_rows:
            out.append(
                gettext("line %(line)s: %(reason)s") % {"line": bad.line, "reason": bad.text()}
            )
        if self.bad_row_count > len(self.bad_rows):
            out.append(
                gettext("… and %(n)s more bad rows")
                % {"n": n(self.bad_row_count - len(self.bad_rows))}
            )
        return out


# ----------------------------------------------------------------------------------------------
# Parsing and aggregation (no database)
# ----------------------------------------------------------------------------------------------

# A cell accumulates: units, orders (demand rows), returned units, cancelled units, revenue,
# and its cancellation and return rows (to count the rows of unknown SKUs).
UNITS, ORDERS, RETURNED, CANCELLED, REVENUE, CANCEL_ROWS, RETURN_ROWS = range(7)


@dataclass
class ParsedSales:
    """The file aggregated to (code, day) cells, plus the row counts of the report."""

    cells: dict[tuple[str, date], list] = field(default_factory=dict)
    sku_info: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    rows_read: int = 0
    demand_rows: int = 0
    cancellation_rows: int = 0
    return_rows: int = 0
    adjustment_rows: int = 0
    adjusted_units: int = 0
    skipped_by_code: Counter = field(default_factory=Counter)
    bad_row_count: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    duplicate_rows: int = 0
    duplicate_lines: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def _column_index(header: Sequence[str], name: str, *, required: bool) -> int | None:
    if not name:
        return None
    try:
        return list(header).index(name)
    except ValueError:
        if required:
            raise InvalidInput(
                f"Column {name!r} is not in the file. Its columns are: {', '.join(header)}.",
                code="sales_import_column_missing",
                details={"column": name, "header": list(header)},
            ) from None
        return None


def _exclusion_test(patterns: Iterable[str]) -> Callable[[str], bool]:
    exact = {p.upper() for p in patterns if not any(ch in p for ch in "*?[")}
    wild = [p.upper() for p in patterns if any(ch in p for ch in "*?[")]

    def excluded(code: str) -> bool:
        upper = code.upper()
        return upper in exact or any(fnmatch.fnmatchcase(upper, p) for p in wild)

    return excluded


def parse_sales(
    rows: Iterator[Sequence[Any]],
    *,
    options: ImportOptions,
    line_number: Callable[[], int],
    progress: Callable[[int], None] | None = None,
) -> ParsedSales:
    """Aggregate sales rows (the header first) into (code, day) cells.

    ``line_number()`` gives the file line of the row just read (called for bad rows only);
    ``progress(rows_read)`` is called every ``PROGRESS_EVERY`` rows.
    One pass; the code, timestamp and price of a row are looked up in caches (they repeat a
    lot), a timestamp's cache entry being the dict of its day's cells. Revenue is summed in
    integer ten-thousandths (unit prices are taken to 4 decimal places).
    """
    result = ParsedSales()
    try:
        header = [str(name).strip() if name is not None else "" for name in next(rows)]
    except StopIteration:
        raise InvalidInput("The file is empty.", code="sales_import_empty") from None
    sku_i = _column_index(header, options.sku_column, required=True)
    qty_i = _column_index(header, options.quantity_column, required=True)
    date_i = _column_index(header, options.date_column, required=True)
    price_i = _column_index(header, options.price_column, required=False)
    doc_i = _column_index(header, options.document_column, required=False)
    desc_i = _column_index(header, options.description_column, required=False)
    status_i = _column_index(header, options.status_column, required=False)
    for name, index in (
        (options.price_column, price_i),
        (options.document_column, doc_i),
        (options.description_column, desc_i),
        (options.status_column, status_i),
    ):
        if name and index is None:
            result.warnings.append(f"column {name!r} not in the file: not used")
    width = (
        max(i for i in (sku_i, qty_i, date_i, price_i, doc_i, desc_i, status_i) if i is not None)
        + 1
    )

    by_day: dict[date, dict[str, list]] = {}
    sku_info = result.sku_info
    skipped = result.skipped_by_code
    is_excluded = _exclusion_test(options.exclude_codes)
    code_cache: dict[str, str] = {}  # raw code -> normalised code, "" = none or not a product
    excluded_raw: set[str] = set()
    stamp_cache: dict[str, dict[str, list]] = {}  # timestamp text -> its day's cells
    price_cache: dict[str, int] = {}  # price text -> ten-thousandths (valid, >= 0 only)
    date_format = options.date_format
    if date_format in _ISO_FORMATS:
        parse_stamp = datetime.fromisoformat  # C-fast; the same strings as the format
    elif "%H" not in date_format and " " not in date_format:
        # A day format reads the day of a timestamp too ("15.03.2024 10:23:45", as 1C writes).

        def parse_stamp(text: str) -> datetime:
            return datetime.strptime(text.split(" ", 1)[0], date_format)

    else:

        def parse_stamp(text: str) -> datetime:
            return datetime.strptime(text, date_format)

    prefix = options.cancelled_prefix
    check_cancelled = doc_i is not None and bool(prefix)
    cancelled_statuses = {status.casefold() for status in options.cancelled_statuses}
    check_status = status_i is not None and bool(cancelled_statuses)
    comma_decimals = options.delimiter != ","
    has_price = price_i is not None
    create = options.create_skus
    bad_rows = result.bad_rows
    blank = demand = cancelled = returned = adjusted = adjusted_units = bad_count = 0
    rows_read = 0
    latest_sale = date.today() + timedelta(days=1)  # a day of slack for time zones
    seen_rows: set[int] = set()  # hashes of the rows read, to count exact duplicates
    duplicates = 0
    duplicate_lines = result.duplicate_lines

    def bad(template: str, **params: Any) -> None:
        # ``template`` is marked with gettext_noop: kept in English, said in the reader's
        # language when the report is shown.
        nonlocal bad_count
        bad_count += 1
        if len(bad_rows) < MAX_LISTED:
            reason = template % params if params else template
            bad_rows.append(BadRow(line_number(), reason, template, params))

    for rows_read, row in enumerate(rows, 1):  # noqa: B007  rows_read is used after the loop
        if progress is not None and not rows_read % PROGRESS_EVERY:
            progress(rows_read)
        if len(row) < width:
            if not any(row):
                blank += 1  # a blank line is not a row
                continue
            bad(gettext_noop("%(n)s columns, expected at least %(width)s"), n=len(row), width=width)
            continue
        row_hash = hash(tuple(row))
        if row_hash in seen_rows:
            # Summed like any other line (two equal lines of one invoice are real), but said.
            duplicates += 1
            if len(duplicate_lines) < MAX_LISTED:
                duplicate_lines.append(line_number())
        else:
            seen_rows.add(row_hash)
        raw_code = row[sku_i]
        code = code_cache.get(raw_code)
        if code is None:
            if "\x00" in (raw_code or ""):
                bad(gettext_noop("the SKU code contains a NUL byte"))
                continue
            code = (raw_code or "").strip()
            if options.upper_codes:
                code = code.upper()
            if code and is_excluded(code):
                excluded_raw.add(raw_code)
                code = ""
            code_cache[raw_code] = code
        if not code:
            if raw_code in excluded_raw:
                skipped[raw_code] += 1
            else:
                bad(gettext_noop("missing SKU code"))
            continue
        try:
            qty = int(row[qty_i])
        except (TypeError, ValueError):
            qty = _whole_quantity(row[qty_i], comma_decimals=comma_decimals)
            if qty is None:
                bad(
                    gettext_noop("quantity %(value)s is not a whole number"), value=repr(row[qty_i])
                )
                continue
        if not qty:
            bad(gettext_noop("quantity is 0"))
            continue
        # PostgreSQL's integer would wrap or refuse it.
        if not -MAX_LINE_QUANTITY <= qty <= MAX_LINE_QUANTITY:
            bad(
                gettext_noop("quantity %(value)s is out of range (-%(max)s to %(max)s a line)"),
                value=repr(row[qty_i]),
                max=f"{MAX_LINE_QUANTITY:,}",
            )
            continue
        stamp = row[date_i]
        day_cells = stamp_cache.get(stamp)
        if day_cells is None:
            try:
                day = parse_stamp(stamp.strip()).date()
            except (TypeError, ValueError, AttributeError):
                bad(
                    gettext_noop("date %(value)s does not match %(format)s"),
                    value=repr(stamp),
                    format=repr(date_format),
                )
                continue
            if not EARLIEST_SALE <= day <= latest_sale:
                # A sale cannot lie ahead; 2099 or 9999-12-31 is a typo or a placeholder.
                bad(
                    gettext_noop("date %(value)s is outside %(first)s … %(last)s"),
                    value=repr(stamp),
                    first=str(EARLIEST_SALE),
                    last=str(latest_sale),
                )
                continue
            day_cells = stamp_cache[stamp] = by_day.setdefault(day, {})
        if has_price:
            price_text = row[price_i]
            price = price_cache.get(price_text)
            if price is None:
                price = _price_units(price_text, comma_decimals=comma_decimals)
                if price is None:
                    bad(gettext_noop("price %(value)s is not a number"), value=repr(price_text))
                    continue
                if price >= MAX_PRICE_UNITS:
                    bad(
                        gettext_noop("price %(value)s is out of range (below %(max)s)"),
                        value=repr(price_text),
                        max=f"{MAX_PRICE:,}",
                    )
                    continue
                if price < 0:
                    bad(gettext_noop("price %(value)s is negative"), value=repr(price_text))
                    continue
                price_cache[price_text] = price
        else:
            price = 0

        if (check_cancelled and row[doc_i].startswith(prefix)) or (
            check_status and (row[status_i] or "").strip().casefold() in cancelled_statuses
        ):
            cell = day_cells.get(code)
            if cell is None:
                cell = day_cells[code] = [0, 0, 0, 0, 0, 0, 0]
            if cell[CANCELLED] + abs(qty) > INT32_MAX:
                bad(
                    gettext_noop("the day's cancelled units of %(sku)s exceed %(max)s"),
                    sku=code,
                    max=f"{INT32_MAX:,}",
                )
                continue
            cancelled += 1
            cell[CANCEL_ROWS] += 1
            cell[CANCELLED] += -qty if qty < 0 else qty
        elif qty > 0:
            cell = day_cells.get(code)
            if cell is None:
                cell = day_cells[code] = [0, 0, 0, 0, 0, 0, 0]
            if create and code not in sku_info and desc_i is not None:
                name = (row[desc_i] or "").strip().replace("\x00", "")
                if name:
                    sku_info[code] = (name, Decimal(price).scaleb(-4))
            if cell[UNITS] + qty > INT32_MAX or cell[REVENUE] + price * qty > MAX_REVENUE_UNITS:
                bad(
                    gettext_noop("the day's units or revenue of %(sku)s exceed the column's range"),
                    sku=code,
                )
                continue
            demand += 1
            cell[UNITS] += qty
            cell[ORDERS] += 1
            cell[REVENUE] += price * qty
        elif has_price and not price:
            adjusted += 1  # negative at price 0: a stock write-off, not a customer return
            adjusted_units -= qty
        else:
            cell = day_cells.get(code)
            if cell is None:
                cell = day_cells[code] = [0, 0, 0, 0, 0, 0, 0]
            if cell[RETURNED] - qty > INT32_MAX:
                bad(
                    gettext_noop("the day's returned units of %(sku)s exceed %(max)s"),
                    sku=code,
                    max=f"{INT32_MAX:,}",
                )
                continue
            returned += 1
            cell[RETURN_ROWS] += 1
            cell[RETURNED] -= qty

    result.cells = {
        (code, day): cell for day, cells in by_day.items() for code, cell in cells.items()
    }
    result.rows_read = rows_read - blank
    result.demand_rows = demand
    result.cancellation_rows = cancelled
    result.return_rows = returned
    result.adjustment_rows = adjusted
    result.adjusted_units = adjusted_units
    result.bad_row_count = bad_count
    result.duplicate_rows = duplicates
    # Codes were counted under their raw spelling; report them normalised, most frequent first.
    normalised: Counter = Counter()
    for raw, count in skipped.items():
        normalised[raw.strip().upper() if options.upper_codes else raw.strip()] += count
    result.skipped_by_code = Counter(dict(normalised.most_common()))
    return result


def _number_text(text: str, *, comma_decimals: bool) -> str:
    """``1 234,50`` (a Russian export) as ``1234.50``; spaces are thousands separators."""
    text = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if comma_decimals and "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


def _whole_quantity(text: Any, *, comma_decimals: bool) -> int | None:
    """A quantity written as a decimal with no fraction (1C writes ``2,000``), else None."""
    try:
        number = Decimal(_number_text(text, comma_decimals=comma_decimals))
    except (InvalidOperation, AttributeError):
        return None
    if not number.is_finite() or number.adjusted() > 30 or number != number.to_integral_value():
        return None
    return int(number)


def _price_units(text: Any, *, comma_decimals: bool = False) -> int | None:
    """A unit price as integer ten-thousandths (half-up), None if it is not a number."""
    try:
        price = Decimal(_number_text(text, comma_decimals=comma_decimals) or 0)
    except (InvalidOperation, AttributeError):
        return None
    if not price.is_finite():
        return None
    if abs(price) >= MAX_PRICE:  # 1e30 would overflow the quantize below, and any column
        return MAX_PRICE_UNITS if price > 0 else -MAX_PRICE_UNITS
    return int(price.scaleb(4).quantize(Decimal(1), ROUND_HALF_UP))


# A unit price at or above this is a typo or an attack, not a sale (ten-thousandths below).
MAX_PRICE = 10**9
MAX_PRICE_UNITS = MAX_PRICE * 10_000


def cents_text(ten_thousandths: int) -> str:
    """Non-negative ten-thousandths as a money string rounded half-up to cents ("12.35")."""
    cents = (ten_thousandths + 50) // 100
    return f"{cents // 100}.{cents % 100:02d}"


def money(ten_thousandths: int) -> Decimal:
    return Decimal(ten_thousandths).scaleb(-4).quantize(CENT, ROUND_HALF_UP)


def _text(value: Any, date_format: str) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime(date_format)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV's first bytes: UTF-8 (with or without BOM) and UTF-16 by their
    marks, anything else by charset-normalizer (Windows-1251 from Russian Excel and 1C…)."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not just a character cut at the sample's end
            from charset_normalizer import from_bytes

            best = from_bytes(sample[: exc.start + 64 * 1024]).best()
            if best is None:
                raise InvalidInput(
                    "The file's encoding cannot be detected; choose it in the form "
                    "(or --encoding).",
                    code="sales_import_encoding",
                ) from None
            return best.encoding
    return "utf-8-sig"


def detect_delimiter(header_line: str) -> str:
    """The delimiter of a CSV: the candidate that splits the header line into most columns."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _sample(file: BinaryIO, *, gzipped: bool) -> bytes:
    file.seek(0)
    if gzipped:
        with gzip.GzipFile(fileobj=file, mode="rb") as inflated:
            try:
                sample = inflated.read(SAMPLE_BYTES)
            except (gzip.BadGzipFile, EOFError, OSError):
                sample = b""
    else:
        sample = file.read(SAMPLE_BYTES)
    file.seek(0)
    return sample


def resolved_options(file: BinaryIO, options: ImportOptions) -> ImportOptions:
    """``options`` with the encoding and delimiter filled in from the file if left empty."""
    file = getattr(file, "file", file)
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head == b"PK\x03\x04" or (options.encoding and options.delimiter):
        return options
    sample = _sample(file, gzipped=head[:2] == b"\x1f\x8b")
    encoding = options.encoding or detect_encoding(sample)
    delimiter = options.delimiter
    if not delimiter:
        text = sample.decode(encoding, errors="replace")
        delimiter = detect_delimiter(text.lstrip("\ufeff").splitlines()[0] if text else "")
    return dataclasses.replace(options, encoding=encoding, delimiter=delimiter)


def _open_rows(
    file: BinaryIO, options: ImportOptions
) -> tuple[Iterator[Sequence[Any]], Callable[[], int], Callable[[], None]]:
    """Rows of a CSV (plain or gzip) or XLSX file, with a line-number getter and a closer.
    ``options`` come through ``resolved_options``: the encoding and delimiter are known."""
    file = getattr(file, "file", file)  # a Django File/upload: read the real file object
    head = file.read(4)
    file.seek(0)
    stream: Any
    if head[:2] == b"\x1f\x8b":
        # Fewer, larger inflate calls: a third faster than GzipFile's own small reads.
        stream = io.BufferedReader(gzip.GzipFile(fileobj=file, mode="rb"), buffer_size=1 << 20)
    elif head == b"PK\x03\x04":
        from openpyxl import load_workbook

        xlsx_archive_check(file)  # before openpyxl unpacks anything (zip bombs)
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken archive
            raise InvalidInput(
                f"The XLSX file cannot be read: {exc}", code="sales_import_unreadable"
            ) from exc
        sheet = workbook.worksheets[0]
        counter = {"line": 0}
        fmt = options.date_format

        def xlsx_rows() -> Iterator[list[str]]:
            for values in sheet.iter_rows(values_only=True):
                counter["line"] += 1
                rows_check(counter["line"])
                cells = [_text(value, fmt) for value in values]
                cells_check(cells, line=counter["line"])
                yield cells

        return xlsx_rows(), lambda: counter["line"], workbook.close
    else:
        stream = file
    text = io.TextIOWrapper(stream, encoding=options.encoding or "utf-8-sig", newline="")
    # cells ≤ csv.field_size_limit()
    reader = csv.reader(text, delimiter=options.delimiter or ",")
    max_rows = upload_limit("MAX_ROWS")

    def csv_rows() -> Iterator[list[str]]:
        for count, row in enumerate(reader, start=1):
            if count > max_rows:
                rows_check(count)
            yield row

    return csv_rows(), lambda: reader.line_num, text.detach


def file_sha256(file: BinaryIO) -> str:
    """sha256 of a binary file's bytes; the file is rewound afterwards."""
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def sales_file_parse(
    file: BinaryIO,
    *,
    options: ImportOptions,
    progress: Callable[[int, int, str], None] | None = None,
) -> ParsedSales:
    """Parse and aggregate a sales file without touching the database.

    An empty encoding or delimiter in ``options`` is detected from the file (and reported).
    ``progress(done, total, note)`` hears of the bytes read so far every few thousand rows."""
    options = resolved_options(file, options)
    raw = getattr(file, "file", file)
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    raw.seek(0)
    rows, line_number, close = _open_rows(file, options)

    def rows_progress(rows_read: int) -> None:
        if progress is not None:
            progress(min(raw.tell(), size), size, f"{rows_read:,} rows read")

    try:
        parsed = parse_sales(rows, options=options, line_number=line_number, progress=rows_progress)
        parsed.encoding = options.encoding
        parsed.delimiter = options.delimiter
        return parsed
    except UnicodeDecodeError as exc:
        line = decode_error_line(raw, options.encoding or "utf-8-sig")
        raise InvalidInput(
            f"Line {line} is not valid {options.encoding or 'utf-8'}: {exc.reason} "
            f"(byte {exc.object[exc.start : exc.start + 1]!r}). Choose the file's encoding, "
            "or leave it empty to have it detected.",
            code="sales_import_unreadable",
        ) from exc
    except (gzip.BadGzipFile, EOFError, csv.Error, OSError) as exc:
        raise InvalidInput(
            f"The file cannot be read near line {line_number() + 1}: {exc}",
            code="sales_import_unreadable",
        ) from exc
    finally:
        close()


def decode_error_line(file: BinaryIO, encoding: str) -> int:
    """The 1-based line of the first byte ``encoding`` cannot decode (plain or gzip file).

    The text reader decodes ahead in 8 KB blocks, so where it fails says nothing about the
    line; this re-reads the bytes a line at a time and counts the newlines decoded before it."""
    file.seek(0)
    stream: Any = gzip.GzipFile(fileobj=file, mode="rb") if file.read(2) == b"\x1f\x8b" else file
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    try:
        for piece in stream:
            newlines += decoder.decode(piece).count("\n")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return newlines + 1
    return newlines + 1  # not reproduced: the end of the file
