"""Reading a sales export (CSV, gzip'd CSV or XLSX) into (SKU code, day) cells and a report.

Nothing here writes to the database: ``planning.sales_import`` hashes the file, parses it with
``sales_file_parse`` and writes the cells; its module doc states the row classification rules.
"""

from __future__ import annotations

import csv
import dataclasses
import fnmatch
import gzip
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, BinaryIO

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
CENT = Decimal("0.01")
ZERO = Decimal(0)


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
    delimiter: str = ","
    encoding: str = "utf-8-sig"


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


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
        values["revenue"] = Decimal(values.get("revenue") or 0)
        for key in ("first_date", "last_date"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        return cls(**values)

    def lines(self) -> list[str]:
        """The report as human-readable lines (command output, admin page)."""
        state = {
            SalesImport.Status.DONE: "imported",
            SalesImport.Status.UNCHANGED: "already imported, nothing written",
            SalesImport.Status.FAILED: "rejected, nothing written",
        }.get(self.status, self.status)
        if self.dry_run:
            would = "be rejected" if self.status == SalesImport.Status.FAILED else "import"
            state = f"dry run (would {would}), nothing written"
        out = [
            f"{self.file_name}: {state}",
            f"sha256 {self.file_sha256}",
            f"rows read {self.rows_read:,}: demand {self.demand_rows:,}, "
            f"cancellations {self.cancellation_rows:,}, returns {self.return_rows:,}, "
            f"adjustments {self.adjustment_rows:,}, non-product {self.non_product_rows:,}, "
            f"bad {self.bad_row_count:,}, unknown SKU {self.unknown_sku_rows:,}",
            f"units demanded {self.units:,}, cancelled {self.cancelled_units:,}, "
            f"returned {self.returned_units:,}, adjusted {self.adjusted_units:,}; "
            f"revenue {self.revenue:,}",
        ]
        if self.first_date:
            out.append(
                f"days {self.days} ({self.first_date} … {self.last_date}); "
                f"cells written {self.cells_written:,}, removed {self.cells_removed:,}"
            )
        if self.skipped_by_code:
            codes = ", ".join(f"{code} {count}" for code, count in self.skipped_by_code.items())
            out.append(f"non-product codes skipped: {codes}")
        if self.skus_created:
            out.append(f"SKUs created: {self.skus_created:,}")
        if self.unknown_sku_count:
            listed = ", ".join(self.unknown_skus)
            more = self.unknown_sku_count - len(self.unknown_skus)
            out.append(
                f"unknown SKUs not imported ({self.unknown_sku_count:,}): {listed}"
                + (f" … and {more} more" if more > 0 else "")
                + " (--create-skus creates them, --skip-unknown-skus leaves their rows out)"
            )
        out.extend(f"warning: {text}" for text in self.warnings)
        for bad in self.bad_rows:
            out.append(f"line {bad.line}: {bad.reason}")
        if self.bad_row_count > len(self.bad_rows):
            out.append(f"… and {self.bad_row_count - len(self.bad_rows):,} more bad rows")
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
    warnings: list[str] = field(default_factory=list)


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
    rows: Iterator[Sequence[Any]], *, options: ImportOptions, line_number: Callable[[], int]
) -> ParsedSales:
    """Aggregate sales rows (the header first) into (code, day) cells.

    ``line_number()`` gives the file line of the row just read (called for bad rows only).
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
    for name, index in (
        (options.price_column, price_i),
        (options.document_column, doc_i),
        (options.description_column, desc_i),
    ):
        if name and index is None:
            result.warnings.append(f"column {name!r} not in the file: not used")
    width = max(i for i in (sku_i, qty_i, date_i, price_i, doc_i, desc_i) if i is not None) + 1

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
    else:

        def parse_stamp(text: str) -> datetime:
            return datetime.strptime(text, date_format)

    prefix = options.cancelled_prefix
    check_cancelled = doc_i is not None and bool(prefix)
    has_price = price_i is not None
    create = options.create_skus
    bad_rows = result.bad_rows
    blank = demand = cancelled = returned = adjusted = adjusted_units = bad_count = 0
    rows_read = 0

    def bad(reason: str) -> None:
        nonlocal bad_count
        bad_count += 1
        if len(bad_rows) < MAX_LISTED:
            bad_rows.append(BadRow(line_number(), reason))

    for rows_read, row in enumerate(rows, 1):  # noqa: B007  rows_read is used after the loop
        if len(row) < width:
            if not any(row):
                blank += 1  # a blank line is not a row
                continue
            bad(f"{len(row)} columns, expected at least {width}")
            continue
        raw_code = row[sku_i]
        code = code_cache.get(raw_code)
        if code is None:
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
                bad("missing SKU code")
            continue
        try:
            qty = int(row[qty_i])
        except (TypeError, ValueError):
            bad(f"quantity {row[qty_i]!r} is not a whole number")
            continue
        if not qty:
            bad("quantity is 0")
            continue
        if not -INT32_MAX <= qty <= INT32_MAX:  # PostgreSQL's integer would wrap or refuse it
            bad(f"quantity {row[qty_i]!r} is out of range (at most {INT32_MAX:,})")
            continue
        stamp = row[date_i]
        day_cells = stamp_cache.get(stamp)
        if day_cells is None:
            try:
                day = parse_stamp(stamp.strip()).date()
            except (TypeError, ValueError, AttributeError):
                bad(f"date {stamp!r} does not match {date_format!r}")
                continue
            day_cells = stamp_cache[stamp] = by_day.setdefault(day, {})
        if has_price:
            price_text = row[price_i]
            price = price_cache.get(price_text)
            if price is None:
                price = _price_units(price_text)
                if price is None:
                    bad(f"price {price_text!r} is not a number")
                    continue
                if price >= MAX_PRICE_UNITS:
                    bad(f"price {price_text!r} is out of range (below {MAX_PRICE:,})")
                    continue
                if price < 0:
                    bad(f"price {price_text!r} is negative")
                    continue
                price_cache[price_text] = price
        else:
            price = 0

        if check_cancelled and row[doc_i].startswith(prefix):
            cell = day_cells.get(code)
            if cell is None:
                cell = day_cells[code] = [0, 0, 0, 0, 0, 0, 0]
            cancelled += 1
            cell[CANCEL_ROWS] += 1
            cell[CANCELLED] += -qty if qty < 0 else qty
        elif qty > 0:
            cell = day_cells.get(code)
            if cell is None:
                cell = day_cells[code] = [0, 0, 0, 0, 0, 0, 0]
            if create and code not in sku_info and desc_i is not None:
                name = (row[desc_i] or "").strip()
                if name:
                    sku_info[code] = (name, Decimal(price).scaleb(-4))
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
    # Codes were counted under their raw spelling; report them normalised, most frequent first.
    normalised: Counter = Counter()
    for raw, count in skipped.items():
        normalised[raw.strip().upper() if options.upper_codes else raw.strip()] += count
    result.skipped_by_code = Counter(dict(normalised.most_common()))
    return result


def _price_units(text: Any) -> int | None:
    """A unit price as integer ten-thousandths (half-up), None if it is not a number."""
    try:
        price = Decimal(text.strip() or 0)
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


def _open_rows(
    file: BinaryIO, options: ImportOptions
) -> tuple[Iterator[Sequence[Any]], Callable[[], int], Callable[[], None]]:
    """Rows of a CSV (plain or gzip) or XLSX file, with a line-number getter and a closer."""
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
    text = io.TextIOWrapper(stream, encoding=options.encoding, newline="")
    reader = csv.reader(text, delimiter=options.delimiter)  # cells ≤ csv.field_size_limit()
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


def sales_file_parse(file: BinaryIO, *, options: ImportOptions) -> ParsedSales:
    """Parse and aggregate a sales file without touching the database."""
    file.seek(0)
    rows, line_number, close = _open_rows(file, options)
    try:
        return parse_sales(rows, options=options, line_number=line_number)
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error, OSError) as exc:
        raise InvalidInput(
            f"The file cannot be read near line {line_number() + 1}: {exc}",
            code="sales_import_unreadable",
        ) from exc
    finally:
        close()
