"""Every planning run stores its promises; the next run applies the latest audit's calibration."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from planning import runs
from planning.models import DemandHistory, PlanRun, ReorderSuggestion
from planning.promise_audit import promise_audit_run
from planning.promise_models import Promise, PromiseAudit
from planning.tests.factories import fake_plan_catalogue
from planning.tests.test_plan_run import PLAN_DATE, catalogue  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

FIELDS = (
    "sku__code", "plan_date", "protection_days", "window_start", "window_end", "q50", "q95",
    "mean", "stockout_probability", "reorder_point", "service_level", "calibration_applied",
    "calibration_group", "abc_class", "actual",
)  # fmt: skip


@pytest.fixture
def engine_calls(monkeypatch) -> list:
    """The fake engine, recording the calibration each chunk was given."""
    calls = []

    def engine(snapshot, params, calibration=None, **_):
        calls.append(calibration)
        return fake_plan_catalogue(snapshot, params)

    monkeypatch.setattr(runs, "_engine_plan", engine)
    return calls


def _promises(run) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in Promise.objects.filter(run=run).values_list(*FIELDS)}


def test_a_run_stores_what_it_promised_per_sku(catalogue, engine_calls):  # noqa: F811
    run = runs.plan_run(plan_date=PLAN_DATE)

    assert run.status == PlanRun.Status.DONE, run.error
    # fake engine: P = lead 10 + review 7 = 17 days; every quantile = order-up-to = d × 17;
    # reorder point d × 10; risk 0.5 when the position is at or below it; abc C, d < 0.5 slow
    # (targets: the ABC classes' A 0.98, B 0.95, C 0.90)
    end = PLAN_DATE + timedelta(days=16)
    assert _promises(run) == {
        "fast": (PLAN_DATE, 17, PLAN_DATE, end, 102.0, 102.0, 102.0, 0.5, 60.0, 0.98, 0.98, "C", "A", None),
        "slow": (PLAN_DATE, 17, PLAN_DATE, end, 17.0, 17.0, 17.0, 0.0, 10.0, 0.95, 0.95, "C", "B", None),
        "dead": (PLAN_DATE, 17, PLAN_DATE, end, 0.0, 0.0, 0.0, 0.0, 0.0, 0.9, 0.9, "slow", "C", None),
    }  # fmt: skip
    assert engine_calls == [None]  # no audit yet: no recalibration
    assert run.parameters["calibration_audit"] is None


def test_chunked_and_single_pass_runs_promise_the_same(catalogue, engine_calls):  # noqa: F811
    single = _promises(runs.plan_run(plan_date=PLAN_DATE))
    chunked = _promises(runs.plan_run(plan_date=PLAN_DATE, chunk_size=1))

    assert chunked == single
    assert Promise.objects.count() == 3  # the superseded run's promises went


def test_a_failed_run_promised_nothing(catalogue, monkeypatch):  # noqa: F811
    calls = []

    def flaky(snapshot, params, calibration=None):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("bad chunk")
        return fake_plan_catalogue(snapshot, params)

    monkeypatch.setattr(runs, "_engine_plan", flaky)

    run = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1)

    assert run.status == PlanRun.Status.FAILED
    assert Promise.objects.count() == 0


def test_a_partial_run_keeps_the_other_skus_promises(catalogue, engine_calls):  # noqa: F811
    first = runs.plan_run(plan_date=PLAN_DATE)
    DemandHistory.objects.filter(sku=catalogue["fast"]).update(units=12)

    second = runs.plan_run(plan_date=PLAN_DATE, sku_codes=["fast"])

    assert set(Promise.objects.values_list("run", flat=True)) == {second.pk}
    assert Promise.objects.get(sku__code="fast").q95 == 204.0
    assert Promise.objects.get(sku__code="slow").q95 == 17.0
    assert not Promise.objects.filter(run=first).exists()


def test_a_partial_run_keeps_the_other_skus_proposals(catalogue, engine_calls):  # noqa: F811
    runs.plan_run(plan_date=PLAN_DATE)  # proposes a reorder for "fast"

    partial = runs.plan_run(plan_date=PLAN_DATE, sku_codes=["slow"])

    assert list(ReorderSuggestion.objects.values_list("run", "sku__code")) == [(partial.pk, "fast")]


def _audit_with(calibration: dict, audit_date: date) -> PromiseAudit:
    return PromiseAudit.objects.create(
        audit_date=audit_date, window_from=audit_date, window_to=audit_date,
        calibration=calibration,
    )  # fmt: skip


CALIBRATION = {
    "groups": ["C", "slow"],
    "levels": [0.5, 0.8, 0.9, 0.95, 0.99],
    "adjusted": [[0.55, 0.85, 0.94, 0.975, 0.995], [0.5, 0.8, 0.9, 0.95, 0.99]],
    "n_scored": [[400] * 5, [0] * 5],
}


def test_every_chunk_applies_the_latest_audits_calibration(catalogue, engine_calls):  # noqa: F811
    _audit_with({**CALIBRATION, "adjusted": [[0.6] * 5, [0.6] * 5]}, PLAN_DATE - timedelta(2))
    latest = _audit_with(CALIBRATION, PLAN_DATE - timedelta(1))
    _audit_with({**CALIBRATION, "adjusted": [[0.7] * 5, [0.7] * 5]}, PLAN_DATE + timedelta(1))

    run = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1)

    assert run.parameters["calibration_audit"] == latest.pk
    assert run.parameters["calibration"] == CALIBRATION
    assert len(engine_calls) == 3
    for calibration in engine_calls:  # the same one for every chunk
        assert calibration.groups == ("C", "slow")
        assert calibration.adjusted.tolist() == CALIBRATION["adjusted"]
        assert calibration.n_scored.tolist() == CALIBRATION["n_scored"]


def test_recalibration_can_be_switched_off(catalogue, engine_calls, settings):  # noqa: F811
    settings.ZAPAS = {**settings.ZAPAS, "PLAN_RECALIBRATE": False}
    _audit_with(CALIBRATION, PLAN_DATE - timedelta(1))

    run = runs.plan_run(plan_date=PLAN_DATE)

    assert engine_calls == [None]
    assert run.parameters["calibration_audit"] is None


def test_the_real_engine_promises_audits_and_recalibrates(catalogue, settings):  # noqa: F811
    # given a first run whose promises for the 17-day period then come out far too low:
    # "fast" sells 30 a day instead of 6
    settings.ZAPAS = {**settings.ZAPAS, "AUDIT_WARN_MIN_PROMISES": 1, "AUDIT_SHRINK_N": 0}
    first = runs.plan_run(plan_date=PLAN_DATE)
    assert first.status == PlanRun.Status.DONE, first.error
    promise = Promise.objects.get(run=first, sku__code="fast")
    assert promise.q50 <= promise.q95 <= promise.q99
    assert promise.protection_days >= 1
    fast = catalogue["fast"]
    DemandHistory.objects.bulk_create(
        DemandHistory(sku=fast, date=PLAN_DATE + timedelta(days=d), units=30) for d in range(30)
    )

    # when the audit runs after the period and the next run plans
    audit = promise_audit_run(audit_date=PLAN_DATE + timedelta(days=31))
    group = promise.calibration_group
    g = audit.score["groups"].index(group)
    assert audit.score["covered"][g] == [0] * 5  # 30 a day beat every stated quantile
    assert any(s["group"] == group for s in audit.shortfalls)
    second = runs.plan_run(plan_date=PLAN_DATE + timedelta(days=31))

    # then the next run read its reorder point at a higher level for that group
    assert second.parameters["calibration_audit"] == audit.pk
    assert second.parameters["calibration"] == audit.calibration
    again = Promise.objects.get(run=second, sku__code="fast")
    assert again.calibration_group == group
    assert again.calibration_applied > again.service_level
    adjusted = np.array(audit.calibration["adjusted"][g])
    assert (adjusted > np.array(audit.calibration["levels"])).all()
