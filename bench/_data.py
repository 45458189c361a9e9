"""Shared data for the engine benchmarks: the UCI Online Retail panel and a synthetic panel."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from collections import Counter
from pathlib import Path

import numpy as np

RETAIL = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail"
RETAIL_CSV = RETAIL / "online_retail.csv.gz"
# a product code is 5 digits, sometimes followed by letters (85123A); everything else
# (POST, DOT, M, C2, D, S, BANK CHARGES, AMAZONFEE, CRUK, gift_0001_*, DCGS…, B, …) is not
PRODUCT_CODE = re.compile(r"^\d{5}[A-Z]*$")


def load_retail_panel(
    n_products: int = 2000, path: Path = RETAIL_CSV
) -> tuple[np.ndarray, list[str], dt.date, np.ndarray]:
    """``load_retail_lines`` without the units per line."""
    return load_retail_lines(n_products, path)[:4]


def load_retail_lines(
    n_products: int = 2000, path: Path = RETAIL_CSV
) -> tuple[np.ndarray, list[str], dt.date, np.ndarray, np.ndarray]:
    """Daily demand (n_products, n_calendar_days) of the busiest products, oldest day first.

    Sales lines only: cancellation invoices (``C…``), adjustments (``A…``), non-positive
    quantities or prices and non-product codes are dropped; codes are upper-cased.  The
    busiest products are those with the most sales lines; days without sales are 0 (the shop
    never trades on Saturdays).  Returns (demand float64, codes, first day, mean unit price,
    mean units per sales line: what one customer order of the product holds).
    """
    rows: list[tuple[str, dt.date, float, float]] = []
    with gzip.open(path, "rt", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for inv, code, _desc, qty, when, price, _cust, _country in reader:
            if inv[:1] in ("C", "A"):
                continue
            code = code.strip().upper()
            if not PRODUCT_CODE.match(code):
                continue
            q = float(qty)
            p = float(price)
            if q <= 0 or p <= 0:
                continue
            rows.append((code, dt.date.fromisoformat(when[:10]), q, p))
    lines = Counter(r[0] for r in rows)
    top = [code for code, _ in lines.most_common(n_products)]
    index = {code: i for i, code in enumerate(top)}
    start = min(r[1] for r in rows)
    end = max(r[1] for r in rows)
    n_days = (end - start).days + 1
    demand = np.zeros((len(top), n_days))
    revenue = np.zeros(len(top))
    for code, day, q, p in rows:
        i = index.get(code)
        if i is not None:
            demand[i, (day - start).days] += q
            revenue[i] += q * p
    units = demand.sum(axis=1)
    price = np.where(units > 0, revenue / np.maximum(units, 1), 0.0)
    per_line = units / np.array([lines[c] for c in top], np.float64)
    return demand, top, start, price, per_line


def synthetic_panel(n: int, n_days: int, seed: int = 0) -> np.ndarray:
    """A realistic-looking float32 demand panel (n, n_days): a mix of smooth, seasonal and
    intermittent/lumpy SKUs, some launched late, with weekly seasonality and slow trends."""
    rng = np.random.default_rng(seed)
    base = rng.lognormal(mean=-0.5, sigma=1.3, size=n).astype(np.float32)  # units/day
    weekly = 1.0 + 0.35 * np.sin(
        2 * np.pi * (np.arange(7)[None, :] + rng.integers(0, 7, (n, 1))) / 7
    )
    seasonal = rng.random(n) < 0.4
    weekly[~seasonal] = 1.0
    launch = np.where(rng.random(n) < 0.15, rng.integers(0, n_days // 2, n), 0)
    trend = rng.normal(0, 0.3, n) / n_days
    lumpy = rng.random(n) < 0.35
    size = np.where(lumpy, rng.integers(2, 12, n), 1).astype(np.float32)
    out = np.empty((n, n_days), np.float32)
    chunk = 8192
    t = np.arange(n_days)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        mult = (1 + trend[s:e, None] * (t[None, :] - n_days / 2)).clip(0.2, None)
        lam = base[s:e, None] / size[s:e, None] * mult * weekly[s:e][:, t % 7]
        lam[t[None, :] < launch[s:e, None]] = 0
        out[s:e] = rng.poisson(lam.astype(np.float64)).astype(np.float32) * size[s:e, None]
    return out


def synthetic_snapshot(n: int, n_days: int, seed: int = 0, n_fbo: int = 3):
    """A CatalogueSnapshot over ``synthetic_panel`` with plausible per-SKU attributes."""
    from planning.engine import CatalogueSnapshot, FboSnapshot

    rng = np.random.default_rng(seed + 1)
    demand = synthetic_panel(n, n_days, seed)
    mask = np.zeros(demand.shape, bool)
    outs = rng.random(n) < 0.1  # 10 % of SKUs had a stock-out of 3–20 days
    starts = rng.integers(0, n_days - 20, n)
    lengths = rng.integers(3, 21, n)
    t = np.arange(n_days)
    for s in range(0, n, 8192):
        e = min(n, s + 8192)
        m = (t[None, :] >= starts[s:e, None]) & (t[None, :] < (starts + lengths)[s:e, None])
        m &= outs[s:e, None]
        mask[s:e] = m
        demand[s:e][m] = 0
    mean = demand[:, -56:].mean(axis=1)
    f = np.float64
    fbo = FboSnapshot(
        demand_share=rng.dirichlet(np.ones(n_fbo), n),
        stock=np.floor(rng.random((n, n_fbo)) * mean[:, None] * 10),
        transit_days=np.array([3.0, 5.0, 8.0, 4.0, 6.0][:n_fbo]),
    )
    return CatalogueSnapshot(
        demand=demand,
        stockout_mask=mask,
        unit_cost=rng.uniform(50, 3000, n).round(2),
        sale_price=rng.uniform(100, 6000, n).round(2),
        volume_l=rng.lognormal(0, 1, n),
        weight_kg=rng.lognormal(-1, 1, n),
        fbs_prep_days=rng.integers(1, 3, n).astype(f),
        lead_time_mean_days=rng.integers(5, 45, n).astype(f),
        lead_time_sd_days=rng.uniform(0, 7, n),
        review_days=rng.choice([7.0, 14.0, 30.0], n),
        service_level=rng.choice([0.9, 0.95, 0.98], n),
        moq=rng.choice([0.0, 10.0, 50.0], n),
        pack_size=rng.choice([1.0, 6.0, 12.0], n),
        available=np.floor(mean * rng.uniform(0, 60, n)),
        on_order=np.floor(mean * rng.uniform(0, 20, n)),
        in_transit=np.floor(mean * rng.uniform(0, 10, n)),
        mean_units_per_order=rng.uniform(1, 3, n),
        current_scheme=rng.integers(0, 2, n).astype(np.int8),
        history_end_weekday=6,
        fbo=fbo,
    )


def save_snapshot(snap, path: Path) -> None:
    """Store a CatalogueSnapshot as .npy files in directory ``path`` (FBO part included)."""
    import dataclasses

    path.mkdir(parents=True, exist_ok=True)
    for f in dataclasses.fields(snap):
        v = getattr(snap, f.name)
        if isinstance(v, np.ndarray):
            np.save(path / f"{f.name}.npy", v)
    np.save(path / "history_end_weekday.npy", np.array(snap.history_end_weekday))
    if snap.fbo is not None:
        for f in dataclasses.fields(snap.fbo):
            v = getattr(snap.fbo, f.name)
            if isinstance(v, np.ndarray):
                np.save(path / f"fbo.{f.name}.npy", v)


def load_snapshot(path: Path):
    """Inverse of ``save_snapshot``."""
    import dataclasses

    from planning.engine import CatalogueSnapshot, FboSnapshot

    kw = {}
    for f in dataclasses.fields(CatalogueSnapshot):
        p = path / f"{f.name}.npy"
        if p.exists():
            kw[f.name] = np.load(p)
    kw["history_end_weekday"] = int(kw["history_end_weekday"])
    fbo = {}
    for f in dataclasses.fields(FboSnapshot):
        p = path / f"fbo.{f.name}.npy"
        if p.exists():
            fbo[f.name] = np.load(p)
    if fbo:
        kw["fbo"] = FboSnapshot(**fbo)
    return CatalogueSnapshot(**kw)


def write_section(path: Path, title: str, body: str) -> None:
    """Replace (or append) the ``## title`` section of the markdown file ``path``."""
    text = path.read_text() if path.exists() else "# Planning engine benchmarks\n"
    head = f"## {title}\n"
    section = head + "\n" + body.rstrip("\n") + "\n"
    if head in text:  # in place, so the file keeps its order
        start = text.index(head)
        nxt = text.find("\n## ", start + len(head))
        rest = text[nxt + 1 :] if nxt >= 0 else ""
        text = text[:start] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
