"""The nightly self-audit: fill in what came of past promises, score them, store the audit.

``promise_audit_run`` (the Celery task ``planning.promise_audit_nightly`` and ``manage.py
plan_audit``) does three things:

1. **Settle**: every promise whose protection period ended on or before the *cutoff* gets its
   outcome — the period's actual demand (units + lost units over all sources) and whether a
   stock-out day fell inside it (censored). The cutoff is ``ZAPAS["AUDIT_SETTLE_DAYS"]``
   (default 3: the order feed refreshes the last three days) before yesterday, and never past
   the last day of demand history, so an export that has not arrived yet is not read as zero.
   Each promise is settled once, in one UPDATE.
2. **Score** the settled promises whose period ended in the last
   ``ZAPAS["AUDIT_LOOKBACK_DAYS"]`` (default 91) days up to the cutoff with
   ``planning.engine.audit.score_promises``.
3. **Store** a ``PromiseAudit`` with the figures, the shortfalls (achieved service more than
   ``ZAPAS["AUDIT_WARN_POINTS"]`` points below target over at least
   ``ZAPAS["AUDIT_WARN_MIN_PROMISES"]`` promises) and the calibration the next runs apply
   (``to_calibration`` with ``ZAPAS["AUDIT_SHRINK_N"]``). Promises whose period ended more than
   ``ZAPAS["PROMISE_KEEP_DAYS"]`` (default 400) days ago are deleted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, FloatField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import InvalidInput
from planning.engine.audit import AuditScore, score_promises, to_calibration
from planning.engine.calibration import QuantileCalibration
from planning.models import DemandHistory, PlanRun
from planning.promise_models import PROMISE_LEVELS, QUANTILE_FIELDS, Promise, PromiseAudit

__all__ = [
    "AuditSettings",
    "calibration_from_json",
    "calibration_json",
    "latest_calibration",
    "promise_audit_run",
    "promises_settle",
    "run_calibration",
    "score_json",
]


@dataclass(frozen=True)
class AuditSettings:
    """The audit's knobs, from ``settings.ZAPAS`` (see the module docstring)."""

    settle_days: int = 3
    lookback_days: int = 91
    warn_points: float = 3.0
    warn_min_promises: int = 20
    shrink_n: float = 200.0
    keep_days: int = 400

    @classmethod
    def from_settings(cls) -> AuditSettings:
        zapas = getattr(settings, "ZAPAS", {}) or {}
        return cls(
            settle_days=int(zapas.get("AUDIT_SETTLE_DAYS", cls.settle_days)),
            lookback_days=int(zapas.get("AUDIT_LOOKBACK_DAYS", cls.lookback_days)),
            warn_points=float(zapas.get("AUDIT_WARN_POINTS", cls.warn_points)),
            warn_min_promises=int(zapas.get("AUDIT_WARN_MIN_PROMISES", cls.warn_min_promises)),
            shrink_n=float(zapas.get("AUDIT_SHRINK_N", cls.shrink_n)),
            keep_days=int(zapas.get("PROMISE_KEEP_DAYS", cls.keep_days)),
        )


def _cutoff(audit_date: date, settle_days: int) -> date | None:
    """The last period end that can be settled: ``settle_days`` before yesterday, and not past
    the demand history (None: there is no history at all)."""
    last_day = DemandHistory.objects.aggregate(last=Max("date"))["last"]
    if last_day is None:
        return None
    return min(audit_date - timedelta(days=1 + settle_days), last_day)


def promises_settle(*, cutoff: date, settled_on: date) -> int:
    """Fill in the outcome of every unsettled promise whose period ended by ``cutoff``.

    One UPDATE with two correlated subqueries on the demand history's (sku, date) index;
    returns the number of promises settled.
    """
    window = DemandHistory.objects.filter(
        sku=OuterRef("sku"),
        date__gte=OuterRef("window_start"),
        date__lte=OuterRef("window_end"),
    )
    total = (
        window.order_by()
        .values("sku")
        .annotate(total=Sum(F("units") + F("lost_units")))
        .values("total")
    )
    return Promise.objects.filter(actual__isnull=True, window_end__lte=cutoff).update(
        actual=Coalesce(Subquery(total, output_field=FloatField()), Value(0.0)),
        censored=Exists(window.filter(stocked_out=True)),
        settled_on=settled_on,
    )


_SCORE_COLUMNS = (
    *QUANTILE_FIELDS,
    "mean",
    "actual",
    "censored",
    "stockout_probability",
    "reorder_point",
    "calibration_group",
    "service_level",
    "plan_date",
)


def _week_start(day: date) -> int:
    return day.toordinal() - day.weekday()


def _score(promises) -> tuple[AuditScore, int]:
    rows = list(promises.order_by().values_list(*_SCORE_COLUMNS))
    m = len(rows)
    if m == 0:
        return score_promises(np.empty((0, 5)), PROMISE_LEVELS, [], [], [], [], [], []), 0
    cols = list(zip(*rows, strict=True))
    k = len(QUANTILE_FIELDS)
    quantiles = np.array(cols[:k], dtype=np.float64).T
    mean, actual = (np.array(c, dtype=np.float64) for c in cols[k : k + 2])
    censored = np.array(cols[k + 2], dtype=bool)
    risk, reorder_point = (np.array(c, dtype=np.float64) for c in cols[k + 3 : k + 5])
    group = np.array(cols[k + 5], dtype=str)
    target = np.array(cols[k + 6], dtype=np.float64)
    period = np.array([_week_start(d) for d in cols[k + 7]], dtype=np.int64)
    score = score_promises(
        quantiles,
        PROMISE_LEVELS,
        mean,
        actual,
        censored,
        risk,
        actual > reorder_point,
        group,
        target=target,
        period=period,
    )
    return score, m


def score_json(score: AuditScore) -> dict[str, Any]:
    """The stored form of an ``AuditScore`` (lists; NaN as null)."""

    def clean(values, digits: int = 6):
        array = np.asarray(values, dtype=np.float64)
        out = np.round(array, digits).astype(object)
        out[~np.isfinite(array)] = None
        return out.tolist()

    curve = score.reliability
    data: dict[str, Any] = {
        "groups": list(score.groups),
        "levels": list(score.levels),
        "n_scored": score.n_scored.tolist(),
        "covered": score.covered.tolist(),
        "coverage": clean(score.coverage),
        "n_censored": score.n_censored.tolist(),
        "sum_mean": clean(score.sum_mean, 3),
        "sum_actual": clean(score.sum_actual, 3),
        "bias": clean(score.bias),
        "total_scored": score.total_scored.tolist(),
        "total_coverage": clean(score.total_coverage),
        "total_bias": clean([score.total_bias])[0],
        "targets": list(score.targets),
        "target_count": score.target_count.tolist(),
        "target_met": score.target_met.tolist(),
        "achieved": clean(score.achieved),
        "reliability": {
            "edges": curve.edges.tolist(),
            "count": curve.count.tolist(),
            "stated": clean(curve.stated),
            "observed": clean(curve.observed),
        },
        "period_bias": None,
    }
    if score.period_bias is not None:
        pb = score.period_bias
        data["period_bias"] = {
            "weeks": [date.fromordinal(int(p)).isoformat() for p in pb.periods],
            "count": pb.count.tolist(),
            "bias": clean(pb.bias),
        }
    return data


def calibration_json(calibration: QuantileCalibration) -> dict[str, Any]:
    return {
        "groups": list(calibration.groups),
        "levels": list(calibration.levels),
        "adjusted": np.round(np.asarray(calibration.adjusted, dtype=np.float64), 6).tolist(),
        "n_scored": np.asarray(calibration.n_scored).astype(np.int64).tolist(),
    }


def calibration_from_json(data: dict[str, Any] | None) -> QuantileCalibration | None:
    """The stored calibration back as the engine's input (None when there is none)."""
    if not data or not data.get("groups"):
        return None
    return QuantileCalibration(
        groups=tuple(data["groups"]),
        levels=tuple(float(x) for x in data["levels"]),
        adjusted=np.asarray(data["adjusted"], dtype=np.float64),
        n_scored=np.asarray(data["n_scored"], dtype=np.int64),
    )


def latest_calibration(
    *, on_or_before: date | None = None
) -> tuple[PromiseAudit | None, QuantileCalibration | None]:
    """The latest audit (of ``on_or_before`` or earlier) and its calibration."""
    audits = PromiseAudit.objects.order_by("-audit_date", "-id")
    if on_or_before is not None:
        audits = audits.filter(audit_date__lte=on_or_before)
    audit = audits.first()
    return audit, calibration_from_json(audit.calibration if audit else None)


def run_calibration(*, plan_date: date) -> dict[str, Any]:
    """What a run of ``plan_date`` stores in ``PlanRun.parameters`` about its recalibration:
    the latest audit up to that day and its calibration (both None when there is no audit or
    ``ZAPAS["PLAN_RECALIBRATE"]`` is off)."""
    if not (getattr(settings, "ZAPAS", {}) or {}).get("PLAN_RECALIBRATE", True):
        return {"calibration_audit": None, "calibration": None}
    audit, calibration = latest_calibration(on_or_before=plan_date)
    if calibration is None:
        return {"calibration_audit": None, "calibration": None}
    return {"calibration_audit": audit.pk, "calibration": calibration_json(calibration)}


def promise_audit_run(
    *,
    audit_date: date | None = None,
    lookback_days: int | None = None,
    triggered_by: str = "",
) -> PromiseAudit:
    """Settle the promises whose period has passed, score the recent ones, store the audit.

    ``audit_date`` defaults to today (``TIME_ZONE``); ``lookback_days`` to
    ``ZAPAS["AUDIT_LOOKBACK_DAYS"]``. Safe to run again: each promise is settled once, and a
    second audit of the same day is just a newer audit (the latest one counts).
    """
    conf = AuditSettings.from_settings()
    audit_date = audit_date or timezone.localdate()
    lookback = conf.lookback_days if lookback_days is None else int(lookback_days)
    if lookback < 1:
        raise InvalidInput("The look-back must be at least one day.", code="invalid_lookback")
    t0 = time.perf_counter()
    cutoff = _cutoff(audit_date, conf.settle_days)
    window_to = cutoff or audit_date - timedelta(days=1 + conf.settle_days)
    window_from = window_to - timedelta(days=lookback - 1)
    with transaction.atomic():
        settled = promises_settle(cutoff=cutoff, settled_on=audit_date) if cutoff else 0
        recent = Promise.objects.filter(
            actual__isnull=False,
            window_end__gte=window_from,
            window_end__lte=window_to,
            run__status__in=[PlanRun.Status.DONE, PlanRun.Status.SUPERSEDED],
        )
        score, m = _score(recent)
        calibration = to_calibration(score, shrink_n=conf.shrink_n)
        shortfalls = score.shortfalls(points=conf.warn_points, min_count=conf.warn_min_promises)
        audit = PromiseAudit.objects.create(
            audit_date=audit_date,
            window_from=window_from,
            window_to=window_to,
            promises_settled=settled,
            promises_scored=m - int(score.n_censored.sum()),
            promises_censored=int(score.n_censored.sum()),
            total_bias=score.total_bias if np.isfinite(score.total_bias) else None,
            score=score_json(score),
            calibration=calibration_json(calibration),
            shortfalls=[
                {
                    "group": s.group,
                    "target": s.target,
                    "achieved": round(s.achieved, 6),
                    "count": s.count,
                }
                for s in shortfalls
            ],
            triggered_by=triggered_by[:64],
        )
        Promise.objects.filter(window_end__lt=audit_date - timedelta(days=conf.keep_days)).delete()
    audit.seconds = round(time.perf_counter() - t0, 3)
    audit.save(update_fields=["seconds"])
    return audit
