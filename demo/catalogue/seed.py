"""A realistic, reproducible demo catalogue: suppliers, warehouses, SKUs, demand, stock, POs.

``seed_demo()`` builds everything from one seed (``numpy.random.default_rng(seed)``): the same
seed, size and end date give the same figures. The demand history is generated for the whole
catalogue at once with numpy (in chunks of SKUs, so 100k SKUs × 730 days fits in memory) and
only non-zero days are written (plus stock-out days, which carry ``lost_units``).

Stock is written as a ledger: every ``StockLevel`` has ``StockMovement`` rows (opening
balance, then PO receipts and transfer dispatches) whose sum and last ``on_hand_after``
equal ``on_hand``. The bulk paths bypass ``inventory.services`` for speed, so this module
keeps that invariant itself; ``manage.py check_stock`` verifies it.

Writing: PostgreSQL gets ``COPY`` through psycopg 3 (binary format, built with numpy, for the
demand history; text rows for the rest). Other databases get batched ``executemany``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

import numpy as np
from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from core.barcodes import EAN13, gs1_check_digit
from inventory.models import (
    Barcode,
    FulfilmentScheme,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    SkuSubstitute,
    StockLevel,
    StockMovement,
    Supplier,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
    WarehouseHoliday,
)
from planning.models import DemandHistory

from .bulk import DemandWriter, drop_indexes, insert_rows, restore_indexes
from .demand import PROMO_PRICE_FACTOR, generate_demand
from .history import seed_history
from .reference import (
    BRANDS,
    CATEGORIES,
    CLASS_NAMES,
    CLASS_SHARES,
    COLOURS,
    DOMESTIC_BY_PREFIX,
    HOLIDAYS,
    IMPORT_BY_PREFIX,
    SUPPLIERS,
    WAREHOUSES,
)

DEFAULT_SKUS = 500
DEFAULT_SEED = 42
DEFAULT_DAYS = 730
DEMAND_CHUNK = 4096  # SKUs per numpy block: 4096 × 730 float64 ≈ 24 MB per array
BATCH = 5000
SUBSTITUTE_WINDOW = 24  # SKUs of the same category looked at for each SKU's substitutes
HISTORY_STREAM = 0x4849  # the random stream of the operational history (``history``)
# PostgreSQL: above this many SKU-days, drop and rebuild the demand table's indexes around COPY.
BULK_LOAD_CELLS = 2_000_000


@dataclass
class DemoResult:
    """What ``seed_demo`` wrote, with wall-clock seconds per stage."""

    skus: int = 0
    suppliers: int = 0
    warehouses: int = 0
    barcodes: int = 0
    substitutes: int = 0
    supplier_items: int = 0
    demand_rows: int = 0
    demand_units: int = 0
    stock_levels: int = 0
    stock_units: int = 0
    movements: int = 0
    purchase_orders: int = 0
    received_purchase_orders: int = 0  # the year of history before the ledger opens
    counts: int = 0
    transfers: int = 0
    class_counts: dict[str, int] = field(default_factory=dict)
    orders_seeded: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class DemoDataExists(Exception):
    """The catalogue is not empty; ``seed_demo`` only fills an empty one (or flushes first)."""


# --- public API ---------------------------------------------------------------------------------


def seed_demo(
    *,
    skus: int = DEFAULT_SKUS,
    seed: int = DEFAULT_SEED,
    days: int = DEFAULT_DAYS,
    flush: bool = False,
    orders: bool = True,
    today: date | None = None,
    log: Callable[[str], None] | None = None,
) -> DemoResult:
    """Build the demo catalogue in one transaction and return counts and timings.

    ``skus`` SKUs, ``days`` days of demand ending the day before ``today`` (default: the local
    date). Refuses (``DemoDataExists``) when SKUs exist unless ``flush``, which first deletes the
    catalogue and everything that refers to it (orders, plans, stock, demand). Deterministic for
    (seed, skus, days, today). After the inventory, calls ``demo.orders.seed_orders(rng=…,
    today=…)`` if the fulfilment app provides it (unless ``orders`` is false).
    """
    if skus < 1 or days < 28:
        raise ValueError("Need at least 1 SKU and 28 days of history.")
    today = today or timezone.localdate()
    log = log or (lambda message: None)
    result = DemoResult()
    rng = np.random.default_rng(seed)
    clock = _Clock(result.timings)
    with transaction.atomic():
        if flush:
            flush_catalogue()
            clock.lap("flush")
        elif Sku.objects.exists():
            raise DemoDataExists(
                f"The database already has {Sku.objects.count()} SKUs; use --flush to replace them."
            )
        warehouses = _seed_warehouses(today)
        suppliers = _seed_suppliers(rng)
        result.warehouses, result.suppliers = len(warehouses), len(suppliers)
        catalogue = _build_catalogue(rng, skus, today, days, suppliers)
        _write_catalogue(catalogue, result)
        clock.lap("catalogue")
        log(f"catalogue: {result.skus} SKUs, {result.supplier_items} supplier items")
        recent = _write_demand(rng, catalogue, today, days, result, log, clock)
        # Its own stream, so the year of history leaves every other figure of a seed as it was.
        history_rng = np.random.default_rng([seed, HISTORY_STREAM])
        _write_stock_and_documents(
            rng, history_rng, catalogue, recent, warehouses, suppliers, today, result
        )
        clock.lap("stock")
        result.orders_seeded = orders and _seed_fulfilment_orders(rng, today)
        clock.lap("orders")
    clock.lap("commit")
    return result


def flush_catalogue() -> None:
    """Delete SKUs, warehouses, suppliers and every row that refers to them (any app).

    PostgreSQL: one ``TRUNCATE … CASCADE`` (fast for tens of millions of demand rows).
    Elsewhere: raw deletes, dependants first. Users and settings are kept.
    """
    roots = {Sku, Warehouse, Supplier}
    dependants = _dependants(roots)
    tables = [m._meta.db_table for m in dependants]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred FK checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def gtin13(body12: str) -> str:
    """An EAN-13 from its first 12 digits (adds the GS1 check digit)."""
    return f"{body12}{gs1_check_digit(body12)}"


# --- reference data -----------------------------------------------------------------------------


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self.last, 3)
        self.last = now


def _dependants(roots: set[type[models.Model]]) -> list[type[models.Model]]:
    """``roots`` and every concrete model reaching them by foreign keys, dependants first."""
    found: list[type[models.Model]] = list(roots)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found or model._meta.proxy or not model._meta.managed:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in found and f.db_constraint:
                    found.append(model)
                    changed = True
                    break
    return list(reversed(found))


def _seed_warehouses(today: date) -> dict[str, Warehouse]:
    warehouses = {}
    for code, kind, name, tz, cutoff, working_days, transit in WAREHOUSES:
        warehouse, _ = Warehouse.objects.update_or_create(
            code=code,
            defaults={
                "kind": kind,
                "name": name,
                "time_zone": tz,
                "cutoff_time": dtime.fromisoformat(cutoff),
                "working_days": working_days,
                "transit_days": transit,
            },
        )
        warehouses[code] = warehouse
        if kind == Warehouse.Kind.OWN:
            WarehouseHoliday.objects.bulk_create(
                [
                    WarehouseHoliday(warehouse=warehouse, date=date(year, month, day), name=label)
                    for year in (today.year, today.year + 1)
                    for month, day, label in HOLIDAYS
                ],
                ignore_conflicts=True,
            )
    return warehouses


def _seed_suppliers(rng: np.random.Generator) -> dict[str, Supplier]:
    suppliers = {}
    for code, name, city, domestic in SUPPLIERS:
        if domestic:
            mean = float(rng.uniform(3, 10))
            sd = mean * float(rng.uniform(0.1, 0.35))
            cycle = int(rng.choice([7, 7, 14]))
        else:
            mean = float(rng.uniform(25, 60))
            sd = mean * float(rng.uniform(0.12, 0.3))
            cycle = int(rng.choice([14, 30, 30]))
        supplier, _ = Supplier.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "contact": f"{city}; zakaz@{code.lower().removeprefix('sup-')}.example",
                "currency": "RUB" if domestic else ("TRY" if "ISTANBUL" in code else "CNY"),
                "lead_time_mean_days": Decimal(f"{mean:.1f}"),
                "lead_time_sd_days": Decimal(f"{sd:.1f}"),
                "order_cycle_days": cycle,
                "min_order_value": Decimal(0 if domestic else int(rng.choice([50_000, 150_000]))),
            },
        )
        suppliers[code] = supplier
    return suppliers


# --- catalogue ----------------------------------------------------------------------------------


@dataclass
class _Catalogue:
    """Per-SKU arrays (index = SKU number) plus the model rows to insert."""

    codes: list[str]
    category: np.ndarray  # int, index into CATEGORIES
    price: np.ndarray  # RUB
    cost: np.ndarray
    demand_class: np.ndarray  # int, one of SMOOTH…PROMO
    launch_day: np.ndarray  # index of the first day with demand (0 = sold all along)
    primary_supplier: list[str]
    scheme: np.ndarray  # str
    pack: np.ndarray
    moq: np.ndarray
    rows: list[Sku]
    sku_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    supplier_item_rows: list[tuple] = field(default_factory=list)
    barcode_rows: list[tuple] = field(default_factory=list)
    substitute_rows: list[tuple] = field(default_factory=list)  # (sku, substitute, priority, kind)


def _build_catalogue(
    rng: np.random.Generator, n: int, today: date, days: int, suppliers: dict[str, Supplier]
) -> _Catalogue:
    n_cat = len(CATEGORIES)
    category = rng.integers(0, n_cat, n)
    base_price = np.array([c.price for c in CATEGORIES])[category]
    price = np.round(base_price * rng.lognormal(0, 0.35, n) / 10) * 10 - 1  # 589, 1 989 …
    price = np.maximum(price, 99)
    cost = np.round(price * rng.uniform(0.3, 0.6, n), 2)
    weight = np.array([c.weight_kg for c in CATEGORIES])[category] * rng.uniform(0.7, 1.4, n)
    volume = np.array([c.volume_l for c in CATEGORIES])[category] * rng.uniform(0.7, 1.4, n)
    prep = rng.choice([1, 1, 1, 2, 3], n)
    scheme = rng.choice(
        [FulfilmentScheme.FBS.value, FulfilmentScheme.FBO.value, FulfilmentScheme.BOTH.value],
        n,
        p=[0.72, 0.1, 0.18],
    )
    demand_class = rng.choice(len(CLASS_NAMES), n, p=CLASS_SHARES)
    # A few products were launched during the history window.
    launch_day = np.where(rng.random(n) < 0.06, rng.integers(days // 4, days - days // 4, n), 0)
    brand = rng.integers(0, len(BRANDS), n)
    colour = rng.integers(0, len(COLOURS), n)
    option = rng.integers(0, 1000, n)
    model_no = rng.integers(100, 999, n)
    is_import = rng.random(n) < np.array([c.import_share for c in CATEGORIES])[category]
    second_supplier = rng.random(n) < 0.3
    pack_pick = rng.integers(0, 1000, n)
    moq_mult = rng.choice([1, 1, 2, 5, 10], n)
    lead_override = rng.random(n) < 0.1
    lead_factor = rng.uniform(0.8, 1.3, n)
    start = datetime.combine(today - timedelta(days=days), dtime(9, 0), tzinfo=UTC)
    company = int(rng.integers(1000, 9999))

    codes, rows, primary = [], [], []
    pack = np.ones(n, dtype=np.int64)
    supplier_items: list[tuple] = []
    barcodes: list[tuple] = []
    for i in range(n):
        cat = CATEGORIES[category[i]]
        code = f"{cat.code}-{i + 1:06d}"
        opt = cat.options[option[i] % len(cat.options)]
        name = f"{cat.noun} {BRANDS[brand[i]]} {cat.code[:2]}-{model_no[i]}, {opt}, {COLOURS[colour[i]]}"
        codes.append(code)
        rows.append(
            Sku(
                code=code,
                name=name,
                unit_cost=Decimal(f"{cost[i]:.2f}"),
                sale_price=Decimal(f"{price[i]:.2f}"),
                weight_kg=Decimal(f"{weight[i]:.3f}"),
                volume_l=Decimal(f"{volume[i]:.3f}"),
                fbs_prep_days=int(prep[i]),
                scheme=str(scheme[i]),
                created_at=start + timedelta(days=int(launch_day[i])),
            )
        )
        domestic = DOMESTIC_BY_PREFIX.get(cat.code)
        foreign = IMPORT_BY_PREFIX.get(cat.code)
        first, other = (
            (foreign, domestic) if (is_import[i] or not domestic) else (domestic, foreign)
        )
        primary.append(first)
        pack[i] = cat.packs[pack_pick[i] % len(cat.packs)]
        moq = int(pack[i] * moq_mult[i] * (1 if suppliers[first].lead_time_mean_days < 15 else 4))
        lead_mean = lead_sd = None
        if lead_override[i]:
            base = suppliers[first]
            lead_mean = Decimal(f"{float(base.lead_time_mean_days) * lead_factor[i]:.1f}")
            lead_sd = Decimal(f"{float(base.lead_time_sd_days) * lead_factor[i]:.1f}")
        supplier_items.append(
            (
                i,
                first,
                f"{first[4:7]}{i + 1:06d}",
                cost[i],
                moq,
                int(pack[i]),
                lead_mean,
                lead_sd,
                True,
            )
        )
        if second_supplier[i] and other:
            supplier_items.append(
                (i, other, f"{other[4:7]}{i + 1:06d}", round(cost[i] * 1.12, 2),
                 int(pack[i]), int(pack[i]), None, None, False)
            )  # fmt: skip
        barcodes.append((i, gtin13(f"46{company:04d}{i:06d}")))
    # One SKU in ten also has a second barcode (a repack, an old label).
    for k, i in enumerate(np.flatnonzero(rng.random(n) < 0.1)):
        barcodes.append((int(i), gtin13(f"46{company:04d}{n + k:06d}")))
    moq = np.array([item[4] for item in supplier_items if item[8]], dtype=np.int64)
    return _Catalogue(
        substitute_rows=demo_substitutes(category, brand, colour),
        codes=codes,
        category=category,
        price=price,
        cost=cost,
        demand_class=demand_class,
        launch_day=launch_day,
        primary_supplier=primary,
        scheme=scheme,
        pack=pack,
        moq=moq,
        rows=rows,
        supplier_item_rows=supplier_items,
        barcode_rows=barcodes,
    )


def demo_substitutes(
    category: np.ndarray, brand: np.ndarray, colour: np.ndarray, per_sku: int = 2
) -> list[tuple[int, int, int, str]]:
    """(SKU, substitute, priority, kind) rows: each SKU is offered up to ``per_sku`` other SKUs
    of its category in another colour, the same brand first (kind ``colour``), then other
    brands (kind ``other``), among the next ``SUBSTITUTE_WINDOW`` of the category in SKU order
    (wrapping round).

    Pure index arithmetic on arrays the catalogue already drew, so seeding substitutes takes
    no random numbers and leaves every other figure of a seed as it was.
    """
    brand, colour = brand.tolist(), colour.tolist()  # Python ints: no numpy scalar per look
    groups: dict[int, list[int]] = {}
    for i, key in enumerate(category.tolist()):
        groups.setdefault(key, []).append(i)
    rows = []
    for members in groups.values():
        size = len(members)
        for k, i in enumerate(members):
            # Look at the next few of the category only: 100,000 SKUs stay linear.
            ahead = (members[(k + step) % size] for step in range(1, min(size, SUBSTITUTE_WINDOW)))
            others = [j for j in ahead if colour[j] != colour[i]]
            others.sort(key=lambda j: brand[j] != brand[i])  # stable: same brand first
            for priority, j in enumerate(others[:per_sku], start=1):
                kind = (
                    SkuSubstitute.Kind.COLOUR if brand[j] == brand[i] else SkuSubstitute.Kind.OTHER
                )
                rows.append((i, j, priority, kind.value))
    return rows


def _write_catalogue(cat: _Catalogue, result: DemoResult) -> None:
    Sku.objects.bulk_create(cat.rows, batch_size=BATCH)
    ids = dict(Sku.objects.values_list("code", "pk"))
    cat.sku_ids = np.array([ids[c] for c in cat.codes], dtype=np.int64)
    supplier_ids = dict(Supplier.objects.values_list("code", "pk"))
    sku_ids = cat.sku_ids.tolist()
    insert_rows(
        Barcode,
        ["sku_id", "code", "symbology"],
        ((sku_ids[i], code, EAN13) for i, code in cat.barcode_rows),
    )
    insert_rows(
        SupplierItem,
        ["sku_id", "supplier_id", "supplier_code", "unit_cost", "moq", "pack_size",
         "lead_time_mean_days", "lead_time_sd_days", "is_primary"],
        (
            (sku_ids[i], supplier_ids[s], scode, Decimal(f"{cost:.2f}"), moq, pack, lm, lsd, prim)
            for i, s, scode, cost, moq, pack, lm, lsd, prim in cat.supplier_item_rows
        ),
    )  # fmt: skip
    insert_rows(
        SkuSubstitute,
        ["sku_id", "substitute_id", "kind", "priority"],
        ((sku_ids[i], sku_ids[j], kind, priority) for i, j, priority, kind in cat.substitute_rows),
    )
    result.skus = len(cat.codes)
    result.barcodes = len(cat.barcode_rows)
    result.substitutes = len(cat.substitute_rows)
    result.supplier_items = len(cat.supplier_item_rows)


# --- demand -------------------------------------------------------------------------------------


def _write_demand(
    rng: np.random.Generator,
    cat: _Catalogue,
    today: date,
    days: int,
    result: DemoResult,
    log: Callable[[str], None],
    clock: _Clock,
) -> np.ndarray:
    """Generate and write the demand history; return each SKU's mean latent demand, last 28 days."""
    n = len(cat.codes)
    start = today - timedelta(days=days)
    recent = np.zeros(n)
    return_rate = np.array([c.return_rate for c in CATEGORIES])
    big = connection.vendor == "postgresql" and n * days >= BULK_LOAD_CELLS
    deferred_indexes = drop_indexes(DemandHistory) if big else None
    writer = DemandWriter(start, days, with_ids=big)
    n_chunks = math.ceil(n / DEMAND_CHUNK)
    chunk_rngs = rng.spawn(n_chunks)
    for chunk, chunk_rng in enumerate(chunk_rngs):
        lo, hi = chunk * DEMAND_CHUNK, min(n, (chunk + 1) * DEMAND_CHUNK)
        block = generate_demand(
            chunk_rng,
            demand_class=cat.demand_class[lo:hi],
            category=cat.category[lo:hi],
            launch_day=cat.launch_day[lo:hi],
            start=start,
            days=days,
        )
        recent[lo:hi] = (block.units[:, -28:] + block.lost[:, -28:]).mean(axis=1)
        row, day = np.nonzero((block.units > 0) | block.stocked_out)
        units = block.units[row, day]
        sku = row + lo
        # Most order lines are one unit; some buy two or more.
        orders = units - chunk_rng.binomial(np.maximum(units - 1, 0), 0.15)
        returned = chunk_rng.binomial(units, return_rate[cat.category[sku]])
        cancelled = chunk_rng.binomial(units, 0.02)
        price = np.where(block.on_promo[row, day], PROMO_PRICE_FACTOR, 1.0) * cat.price[sku]
        revenue_cents = np.round(units * price * 100).astype(np.int64)
        writer.write(
            sku_id=cat.sku_ids[sku],
            day=day,
            units=units,
            orders=orders,
            returned=returned,
            cancelled=cancelled,
            lost=block.lost[row, day],
            revenue_cents=revenue_cents,
            stocked_out=block.stocked_out[row, day],
        )
        result.demand_rows += len(units)
        result.demand_units += int(units.sum())
        for k, name in enumerate(CLASS_NAMES):
            result.class_counts[name] = result.class_counts.get(name, 0) + int(
                (cat.demand_class[lo:hi] == k).sum()
            )
        if n_chunks > 1:
            log(f"demand: {hi}/{n} SKUs, {result.demand_rows:,} rows")
    writer.close()
    clock.lap("demand")
    if deferred_indexes is not None:
        log("demand: rebuilding indexes and the foreign key …")
        restore_indexes(DemandHistory, deferred_indexes)
        clock.lap("demand indexes")
    return recent


# --- stock, purchase orders, transfers ----------------------------------------------------------


def _write_stock_and_documents(
    rng: np.random.Generator,
    history_rng: np.random.Generator,
    cat: _Catalogue,
    recent: np.ndarray,
    warehouses: dict[str, Warehouse],
    suppliers: dict[str, Supplier],
    today: date,
    result: DemoResult,
) -> None:
    """A year of received POs and counts, then stock by warehouse, open POs (some partially
    received) and transfers in transit.

    Per (SKU, warehouse) the ledger is: the year's history (which nets to zero, see
    ``history``), the opening balance, then PO receipts, then transfer dispatches, each
    ``on_hand_after`` the running total; the level is the final total.
    """
    n = len(cat.codes)
    rate = np.maximum(recent, 0.02)
    lead = np.array([float(suppliers[s].lead_time_mean_days) for s in cat.primary_supplier])
    # Most SKUs hold a lead time and a bit; one in seven is close to running out, a few are out.
    group = rng.choice(3, n, p=[0.83, 0.14, 0.03])  # 0 healthy, 1 at risk, 2 out of stock
    cover = np.where(group == 0, rng.uniform(0.6, 1.6, n) * (lead + 14), rng.uniform(0.0, 6.0, n))
    total = np.where(group == 2, 0, np.ceil(rate * cover).astype(np.int64))
    total = np.where((group == 0) & (total < 2), rng.integers(2, 8, n), total)

    scheme = cat.scheme
    fbo_share = np.where(scheme == FulfilmentScheme.FBO, rng.uniform(0.6, 0.9, n),
                         np.where(scheme == FulfilmentScheme.BOTH, rng.uniform(0.2, 0.6, n), 0.0))  # fmt: skip
    fbo_total = np.floor(total * fbo_share).astype(np.int64)
    own_total = total - fbo_total
    ekb_share = np.where(rng.random(n) < 0.45, rng.uniform(0.15, 0.4, n), 0.0)
    ekb = np.floor(own_total * ekb_share).astype(np.int64)
    msk = own_total - ekb
    fbo_codes = [c for c, w in warehouses.items() if w.is_fbo]
    fbo_split = rng.dirichlet(np.ones(len(fbo_codes)), n)
    fbo = np.floor(fbo_total[:, None] * fbo_split).astype(np.int64)
    fbo[:, 0] += fbo_total - fbo.sum(axis=1)

    # opening[(i, warehouse code)] = units before today's documents
    opening: dict[tuple[int, str], int] = {}
    for code, column in (("MSK-1", msk), ("EKB-1", ekb)):
        for i in np.flatnonzero(column > 0).tolist():
            opening[(i, code)] = int(column[i])
    for j, code in enumerate(fbo_codes):
        for i in np.flatnonzero(fbo[:, j] > 0).tolist():
            opening[(i, code)] = int(fbo[i, j])

    now = timezone.now()
    opened_at = now - timedelta(days=30)
    receipts = _seed_purchase_orders(
        rng, cat, rate, lead, group, suppliers, warehouses, today, result
    )
    dispatches = _seed_transfers(rng, cat, opening, warehouses, fbo_codes, now, today, result)
    by_supplier: dict[str, list[int]] = {}
    for i, code in enumerate(cat.primary_supplier):
        by_supplier.setdefault(code, []).append(i)
    past = seed_history(
        history_rng,
        codes_by_supplier=by_supplier,
        rate=rate,
        pack=cat.pack,
        moq=cat.moq,
        cost=cat.cost,
        sku_ids=cat.sku_ids,
        suppliers=suppliers,
        warehouses=warehouses,
        today=today,
        # The seed's day decides where history ends, so one seed gives one history.
        before=min(opened_at, _midnight(today) - timedelta(days=30)),
    )
    result.received_purchase_orders = past.purchase_orders
    result.counts = past.counts

    # Ledger rows per (SKU, warehouse) in time order; levels = the running total at the end.
    wh_ids = {code: w.pk for code, w in warehouses.items()}
    sku_ids = cat.sku_ids.tolist()
    events: dict[tuple[int, str], list[tuple]] = past.events
    for key, qty in opening.items():
        events.setdefault(key, []).append(
            (opened_at, MovementKind.OPENING, qty, "Opening balance (demo data)", "", "")
        )
    for key, qty, when, ref in receipts:
        events.setdefault(key, []).append(
            (when, MovementKind.RECEIPT, qty, f"Receipt on {ref}", "purchase_order", ref)
        )
    for key, qty, when, ref, destination in dispatches:
        events.setdefault(key, []).append(
            (when, MovementKind.TRANSFER_OUT, -qty, f"To {destination}", "transfer", ref)
        )
    movements, levels = [], []
    for (i, code), rows in events.items():
        balance = 0
        for when, kind, qty, reason, doc_type, ref in sorted(rows, key=lambda r: r[0]):
            balance += qty
            movements.append(
                (sku_ids[i], wh_ids[code], kind.value, qty, balance, reason, doc_type, ref,
                 "demo", when)
            )  # fmt: skip
        levels.append((sku_ids[i], wh_ids[code], balance, 0, now))
    insert_rows(
        StockMovement,
        ["sku_id", "warehouse_id", "kind", "quantity", "on_hand_after", "reason",
         "document_type", "document_ref", "device", "created_at"],
        movements,
    )  # fmt: skip
    insert_rows(StockLevel, ["sku_id", "warehouse_id", "on_hand", "reserved", "updated_at"], levels)
    result.movements = len(movements)
    result.stock_levels = len(levels)
    result.stock_units = sum(level[2] for level in levels)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, dtime.min))


def _seed_purchase_orders(
    rng: np.random.Generator,
    cat: _Catalogue,
    rate: np.ndarray,
    lead: np.ndarray,
    group: np.ndarray,
    suppliers: dict[str, Supplier],
    warehouses: dict[str, Warehouse],
    today: date,
    result: DemoResult,
) -> list[tuple[tuple[int, str], int, datetime, str]]:
    """Open POs, sent or partially received; returns the receipts as ledger events."""
    n = len(cat.codes)
    # Half the at-risk SKUs already have stock on order (the rest are the planner's job).
    on_order = np.where(group == 0, rng.random(n) < 0.12, rng.random(n) < 0.5)
    lines_per_po = 40 if n <= 5000 else 100
    by_supplier: dict[str, list[int]] = {}
    for i in np.flatnonzero(on_order).tolist():
        by_supplier.setdefault(cat.primary_supplier[i], []).append(i)
    receipts = []
    pos, lines = [], []
    number = 0
    for code in sorted(by_supplier):
        supplier = suppliers[code]
        lead_days = float(supplier.lead_time_mean_days)
        items = by_supplier[code]
        for begin in range(0, len(items), lines_per_po):
            chunk = items[begin : begin + lines_per_po]
            number += 1
            order_date = today - timedelta(days=int(rng.integers(1, max(2, int(lead_days)))))
            partial = rng.random() < 0.4
            warehouse = "EKB-1" if rng.random() < 0.2 else "MSK-1"
            ref = f"PO-{order_date:%y%m%d}-D{number:05d}"
            pos.append(
                PurchaseOrder(
                    number=ref,
                    supplier=supplier,
                    warehouse=warehouses[warehouse],
                    status=PurchaseOrder.Status.PARTIALLY_RECEIVED
                    if partial
                    else PurchaseOrder.Status.SENT,
                    order_date=order_date,
                    expected_arrival=order_date + timedelta(days=math.ceil(lead_days)),
                    notes="Demo data",
                )
            )
            received_at = timezone.now() - timedelta(days=int(rng.integers(1, 4)))
            # Never before the order was placed (a receipt the day after at the earliest).
            earliest = timezone.make_aware(datetime.combine(order_date, dtime(10))) + timedelta(1)
            received_at = min(timezone.now(), max(received_at, earliest))
            for i in chunk:
                need = rate[i] * (lead[i] + supplier.order_cycle_days)
                qty = max(int(cat.moq[i]), math.ceil(need / cat.pack[i]) * int(cat.pack[i]))
                got = 0
                if partial and rng.random() < 0.7:
                    got = int(qty * rng.uniform(0.3, 0.8))
                    if got:
                        receipts.append(((i, warehouse), got, received_at, ref))
                lines.append((ref, i, qty, got, Decimal(f"{cat.cost[i]:.2f}")))
    PurchaseOrder.objects.bulk_create(pos, batch_size=BATCH)
    po_ids = dict(PurchaseOrder.objects.filter(notes="Demo data").values_list("number", "pk"))
    sku_ids = cat.sku_ids.tolist()
    insert_rows(
        PurchaseOrderLine,
        ["purchase_order_id", "sku_id", "quantity_ordered", "quantity_received", "unit_cost"],
        ((po_ids[ref], sku_ids[i], qty, got, cost) for ref, i, qty, got, cost in lines),
    )
    result.purchase_orders = len(pos)
    return receipts


def _seed_transfers(
    rng: np.random.Generator,
    cat: _Catalogue,
    opening: dict[tuple[int, str], int],
    warehouses: dict[str, Warehouse],
    fbo_codes: list[str],
    now: datetime,
    today: date,
    result: DemoResult,
) -> list[tuple[tuple[int, str], int, datetime, str, str]]:
    """A couple of MSK-1 → FBO transfers in transit; returns the dispatches as ledger events."""
    n = len(cat.codes)
    candidates = [
        i
        for i in range(n)
        if cat.scheme[i] != FulfilmentScheme.FBS and opening.get((i, "MSK-1"), 0) >= 6
    ]
    rng.shuffle(candidates)
    n_transfers = max(2, n // 1000)
    per_transfer = max(1, min(25, len(candidates) // n_transfers))
    dispatches, transfers, lines = [], [], []
    for k in range(n_transfers):
        chunk = candidates[k * per_transfer : (k + 1) * per_transfer]
        if not chunk:
            break
        destination = fbo_codes[k % len(fbo_codes)]
        dispatched = now - timedelta(days=int(rng.integers(0, 2)), hours=int(rng.integers(1, 8)))
        ref = f"TR-{dispatched:%y%m%d}-D{k + 1:05d}"
        transfers.append(
            Transfer(
                number=ref,
                source=warehouses["MSK-1"],
                destination=warehouses[destination],
                status=Transfer.Status.IN_TRANSIT,
                created_at=dispatched - timedelta(hours=3),
                dispatched_at=dispatched,
                expected_arrival=timezone.localdate(dispatched)
                + timedelta(days=warehouses[destination].transit_days),
            )
        )
        for i in chunk:
            qty = max(1, opening[(i, "MSK-1")] // int(rng.integers(3, 6)))
            dispatches.append(((i, "MSK-1"), qty, dispatched, ref, destination))
            lines.append((ref, i, qty))
    Transfer.objects.bulk_create(transfers, batch_size=BATCH)
    ids = dict(
        Transfer.objects.filter(number__in=[t.number for t in transfers]).values_list(
            "number", "pk"
        )
    )
    sku_ids = cat.sku_ids.tolist()
    insert_rows(
        TransferLine,
        ["transfer_id", "sku_id", "quantity", "quantity_dispatched", "quantity_received"],
        ((ids[ref], sku_ids[i], qty, qty, 0) for ref, i, qty in lines),
    )
    result.transfers = len(transfers)
    return dispatches


def _seed_fulfilment_orders(rng: np.random.Generator, today: date) -> bool:
    """The demo orders (``demo.orders``), once the catalogue and its stock exist."""
    from demo import orders

    orders.seed_orders(rng=rng.spawn(1)[0], today=today)
    return True
