"""The nightly audit on a hand-built history (planning.promise_audit): exact figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.errors import InvalidInput
from planning.promise_audit import latest_calibration, promise_audit_run
from planning.promise_models import Promise, PromiseAudit
from planning.tasks import promise_audit_nightly
from planning.tests.promise_factories import (
    AUDIT_DATE,
    PLAN_DATE,
    PromiseFactory,
    demand,
    hand_built_history,
)

pytestmark = pytest.mark.django_db


def test_audit_settles_closed_promises_and_scores_them_exactly(settings):
    settings.ZAPAS = {**settings.ZAPAS, "AUDIT_WARN_MIN_PROMISES": 1}
    promises = hand_built_history()

    audit = promise_audit_run(audit_date=AUDIT_DATE, triggered_by="test")

    # outcomes: units + lost units over all sources inside the window, censored on a stock-out
    outcome = {
        p.sku.code: (p.actual, p.censored, p.settled_on)
        for p in Promise.objects.select_related("sku")
    }
    assert outcome == {
        "a1": (12.0, False, AUDIT_DATE),
        "a2": (18.0, False, AUDIT_DATE),
        "a3": (30.0, False, AUDIT_DATE),
        "c1": (0.0, False, AUDIT_DATE),
        "c2": (4.0, False, AUDIT_DATE),
        "c3": (9.0, True, AUDIT_DATE),
        "a4": (None, None, None),  # its window ends 29 Nov, after the cutoff (27 Nov)
    }
    assert promises["a4"].window_end == date(2026, 11, 29)

    assert (audit.audit_date, audit.window_from, audit.window_to) == (
        AUDIT_DATE,
        date(2026, 8, 29),
        date(2026, 11, 27),
    )
    assert (audit.promises_settled, audit.promises_scored, audit.promises_censored) == (6, 5, 1)
    assert audit.total_bias == pytest.approx(34 / 64 - 1)
    score = audit.score
    assert score["groups"] == ["A", "C"]
    assert score["levels"] == [0.5, 0.8, 0.9, 0.95, 0.99]
    assert score["n_scored"] == [[3] * 5, [2] * 5]
    assert score["covered"] == [[0, 1, 1, 2, 2], [1, 1, 2, 2, 2]]
    assert score["coverage"][1] == [0.5, 0.5, 1.0, 1.0, 1.0]
    assert score["total_coverage"] == [0.2, 0.4, 0.6, 0.8, 0.8]
    assert score["n_censored"] == [0, 1]
    assert score["bias"] == [-0.5, 0.0]
    assert score["targets"] == [0.9, 0.95]
    assert score["target_count"] == [[3, 0], [0, 2]]
    assert score["achieved"] == [[0.333333, None], [None, 1.0]]
    assert score["reliability"]["count"] == [0, 0, 2, 3, 0, 0, 0, 0, 0]
    assert score["reliability"]["observed"][2:4] == [0.0, 0.666667]
    assert score["period_bias"] == {"weeks": ["2026-11-02"], "count": [5], "bias": [-0.46875]}
    assert audit.shortfalls == [{"group": "A", "target": 0.9, "achieved": 0.333333, "count": 3}]
    assert audit.calibration["groups"] == ["A", "C"]
    assert audit.calibration["n_scored"] == [[3] * 5, [2] * 5]
    # three promises move group A only a little (shrunk towards no adjustment), and upwards
    adjusted_a = audit.calibration["adjusted"][0]
    assert all(0 < new - old < 0.05 for new, old in zip(adjusted_a, score["levels"], strict=True))


def test_few_promises_raise_no_warning_by_default():
    hand_built_history()

    audit = promise_audit_run(audit_date=AUDIT_DATE)

    assert audit.shortfalls == []  # 3 promises < ZAPAS["AUDIT_WARN_MIN_PROMISES"] (20)


def test_a_second_audit_settles_nothing_again_and_scores_the_same():
    hand_built_history()
    first = promise_audit_run(audit_date=AUDIT_DATE)
    Promise.objects.filter(sku__code="a1").update(q50=999)  # settled values are kept
    demand(Promise.objects.get(sku__code="a1").sku, PLAN_DATE, 100, source="demo")

    second = promise_audit_run(audit_date=AUDIT_DATE)

    assert second.promises_settled == 0
    assert Promise.objects.get(sku__code="a1").actual == 12.0
    assert second.score["covered"][0] == [1, 1, 1, 2, 2]  # only the changed quantile moved
    assert first.score["covered"][0] == [0, 1, 1, 2, 2]
    assert latest_calibration()[0] == second


def test_nothing_is_settled_past_the_last_day_of_history():
    hand_built_history()
    from planning.models import DemandHistory

    DemandHistory.objects.filter(date__gt=date(2026, 11, 7)).delete()  # an export not yet in

    audit = promise_audit_run(audit_date=AUDIT_DATE)

    assert audit.window_to == date(2026, 11, 7)
    assert audit.promises_settled == 0  # the windows end on 8 Nov
    assert Promise.objects.filter(actual__isnull=False).count() == 0
    assert audit.score["groups"] == []
    assert audit.total_bias is None


def test_promises_of_running_or_failed_runs_are_not_scored():
    hand_built_history()
    failed = PromiseFactory(run__plan_date=PLAN_DATE, run__status="failed")
    demand(failed.sku, PLAN_DATE, 1000)

    audit = promise_audit_run(audit_date=AUDIT_DATE)

    assert audit.promises_scored == 5


def test_old_promises_are_deleted_after_the_keep_period(settings):
    settings.ZAPAS = {**settings.ZAPAS, "PROMISE_KEEP_DAYS": 30}
    hand_built_history()
    PromiseFactory(run__plan_date=date(2026, 9, 1))

    promise_audit_run(audit_date=AUDIT_DATE)

    assert not Promise.objects.filter(window_end__lt=AUDIT_DATE - timedelta(days=30)).exists()
    assert Promise.objects.count() == 7


def test_bad_lookback_is_refused_and_nothing_is_written():
    with pytest.raises(InvalidInput) as error:
        promise_audit_run(audit_date=AUDIT_DATE, lookback_days=0)

    assert error.value.code == "invalid_lookback"
    assert PromiseAudit.objects.count() == 0


def test_command_and_nightly_task_run_the_audit(capsys):
    hand_built_history()

    call_command("plan_audit", "--date", "2026-12-01")
    out = capsys.readouterr().out
    audit_id = promise_audit_nightly("2026-12-01")

    assert "6 settled, 5 scored, 1 censored" in out
    assert "A" in out and "33.3 %" in out
    assert PromiseAudit.objects.count() == 2
    assert PromiseAudit.objects.get(pk=audit_id).triggered_by == "schedule"


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("plan_audit", "--date", "1 Dec")
