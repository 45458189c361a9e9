"""Catalogue-wide pools of rolling-origin totals and the per-SKU distributions built on them.

``plan_catalogue`` collects, per block of SKUs, the chosen method's totals over the protection
period P and the risk horizon H at past origins with the totals that followed (``selection``),
fits the pools over the whole catalogue (``ltd.fit_pools``) and reads each SKU's distribution
off them.  A run planned in chunks must use the same pools in every chunk: fit them once with
``fit_lead_time_pools`` over the ``LeadTimePairs`` of every chunk and pass them to
``plan_catalogue(pools=…)`` (``LeadTimePools.to_json`` / ``from_json`` carry them between
processes).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .ltd import (
    PoolTable,
    TotalDistribution,
    fit_pools,
    kind_of,
    recent_bucket,
    total_distribution,
)
from .schema import FBS, CatalogueSnapshot

#: Horizon columns of the pairs: the protection period P = L + R, the risk horizon H = L (+ prep).
PROTECTION, RISK = 0, 1


def total_days(snapshot: CatalogueSnapshot) -> np.ndarray:
    """(n, 2) whole days of P = L + R and of H = L (+ FBS prep), each at least 1."""
    f64 = np.float64
    lt = np.asarray(snapshot.lead_time_mean_days, f64)
    p = np.rint(lt + np.asarray(snapshot.review_days, f64))
    fbs = np.asarray(snapshot.current_scheme) == FBS
    h = np.rint(lt + np.where(fbs, np.asarray(snapshot.fbs_prep_days, f64), 0))
    return np.maximum(np.stack([p, h], axis=1), 1).astype(np.int32)


@dataclass(frozen=True)
class LeadTimePairs:
    """Flat rolling-origin pairs of some SKUs: forecast and actual totals (m, 2) (NaN = none),
    each pair's pool kind (m,), recent-demand bucket (m, 2) and origin age (m,) in weeks
    before the end of the history."""

    forecast: np.ndarray
    actual: np.ndarray
    kind: np.ndarray
    recent: np.ndarray
    weeks: np.ndarray


@dataclass(frozen=True)
class LeadTimePools:
    """The pools of both horizons (``ltd.PoolTable``)."""

    protection: PoolTable
    risk: PoolTable

    def to_json(self) -> dict:
        """JSON-safe form: shapes and base64 float32 bytes (the tables are float32-exact)."""
        return {
            name: {
                "shape": list(t.ratio.shape),
                "ratio": base64.b64encode(t.ratio.astype("<f4").tobytes()).decode(),
                "count": base64.b64encode(t.count.astype("<f4").tobytes()).decode(),
                "drift": t.drift,
            }
            for name, t in (("protection", self.protection), ("risk", self.risk))
        }

    @classmethod
    def from_json(cls, data: dict) -> LeadTimePools:
        def table(d: dict) -> PoolTable:
            shape = tuple(d["shape"])
            ratio = np.frombuffer(base64.b64decode(d["ratio"]), "<f4").reshape(shape)
            count = np.frombuffer(base64.b64decode(d["count"]), "<f4").reshape(shape[:-1])
            return PoolTable(
                ratio=ratio.astype(np.float64),
                count=count.astype(np.float64),
                drift=float(d.get("drift", 1.0)),
            )

        return cls(protection=table(data["protection"]), risk=table(data["risk"]))


def _pair_class(cls: np.ndarray, sl: slice, age: np.ndarray, pair_cls) -> np.ndarray:
    """Demand class of each pair: at its origin when known (``classify.syntetos_boylan_at``),
    else the SKU's class at the end of the history."""
    if pair_cls is not None:
        return np.asarray(pair_cls)
    return np.broadcast_to(cls[sl, None], age.shape)


def block_pairs(blocks: list, demand_class: np.ndarray, days: np.ndarray) -> LeadTimePairs:
    """Flatten the blocks' pairs (see ``plan.forecast_catalogue``) with their pool kinds."""
    cls = np.asarray(demand_class)
    f, a, k, wk = [], [], [], []
    rb: list[list[np.ndarray]] = [[], []]
    for sl, _end, pf, pa, age, _rend, prec, pcls in blocks:
        f.append(pf.reshape(-1, pf.shape[-1]))
        a.append(pa.reshape(-1, pa.shape[-1]))
        # origins are weekly and end at the history's end: the j-th of K is K − j weeks back
        n_o = pf.shape[1]
        wk.append(np.broadcast_to(n_o - np.arange(n_o, dtype=np.int16), pf.shape[:2]).ravel())
        k.append(kind_of(_pair_class(cls, sl, age, pcls), age).ravel())
        for j in (PROTECTION, RISK):
            fj = np.nan_to_num(pf[..., j])
            rb[j].append(recent_bucket(prec, fj, days[sl, j][:, None]).ravel())
    if not f:
        z = np.zeros(0, np.intp)
        return LeadTimePairs(
            np.zeros((0, 2)), np.zeros((0, 2)), z, np.zeros((0, 2), np.intp), z.copy()
        )
    recent = np.stack([np.concatenate(rb[0]), np.concatenate(rb[1])], axis=1)
    return LeadTimePairs(
        np.concatenate(f), np.concatenate(a), np.concatenate(k), recent, np.concatenate(wk)
    )


def fit_lead_time_pools(pairs: Sequence[LeadTimePairs]) -> LeadTimePools:
    """Pools of both horizons over all the given pairs."""
    f = np.concatenate([p.forecast for p in pairs]) if pairs else np.zeros((0, 2))
    a = np.concatenate([p.actual for p in pairs]) if pairs else np.zeros((0, 2))
    k = np.concatenate([p.kind for p in pairs]) if pairs else np.zeros(0, np.intp)
    rb = np.concatenate([p.recent for p in pairs]) if pairs else np.zeros((0, 2), np.intp)
    wk = np.concatenate([p.weeks for p in pairs]) if pairs else np.zeros(0, np.intp)
    return LeadTimePools(
        protection=fit_pools(f[:, PROTECTION], a[:, PROTECTION], k, rb[:, PROTECTION], wk),
        risk=fit_pools(f[:, RISK], a[:, RISK], k, rb[:, RISK], wk),
    )


def distributions(
    blocks: list,
    pools: LeadTimePools,
    demand_class: np.ndarray,
    history_days: np.ndarray,
    days: np.ndarray,
    lead_time_sd: np.ndarray,
) -> tuple[TotalDistribution, TotalDistribution]:
    """Each SKU's distribution of the total over P and over H (``ltd.total_distribution``)."""
    cls = np.asarray(demand_class)
    hist = np.asarray(history_days)
    kind_end = kind_of(cls, hist, hist > 0)
    lt_sd = np.asarray(lead_time_sd, np.float64)
    out = []
    for j, table in ((PROTECTION, pools.protection), (RISK, pools.risk)):
        n = cls.shape[0]
        parts = {k: np.empty(n) for k in ("scale", "widen", "mean")}
        row = np.zeros(n, np.intp)
        for sl, end, pf, pa, age, rend, prec, pcls in blocks:
            kinds = kind_of(_pair_class(cls, sl, age, pcls), age)
            t = total_distribution(
                table,
                end[:, j],
                kind_end[sl],
                pf[..., j],
                pa[..., j],
                kinds,
                days[sl, j],
                lt_sd[sl],
                rend,
                prec,
            )
            for k in parts:
                parts[k][sl] = getattr(t, k)
            row[sl] = t.row
        flat = table.ratio.reshape(-1, table.ratio.shape[-1])
        out.append(TotalDistribution(table=flat, row=row, **parts))
    return out[0], out[1]
