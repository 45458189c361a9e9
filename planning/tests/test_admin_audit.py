"""The planners' audit pages and the dashboard warning (planning.admin_audit)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.promise_audit import promise_audit_run
from planning.promise_models import PromiseAudit
from planning.tests.admin_data import staff_member
from planning.tests.promise_factories import (
    AUDIT_DATE,
    PLAN_DATE,
    PromiseFactory,
    demand,
    hand_built_history,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(settings) -> PromiseAudit:
    settings.ZAPAS = {**settings.ZAPAS, "AUDIT_WARN_MIN_PROMISES": 3}
    hand_built_history()
    return promise_audit_run(audit_date=AUDIT_DATE)


def test_a_planner_sees_the_audit_page_with_its_figures_and_warning(client, audit):
    client.force_login(staff_member("Planner", "planner"))

    listing = client.get(reverse("admin:planning_promiseaudit_changelist"))
    response = client.get(reverse("admin:planning_promiseaudit_change", args=[audit.pk]))

    assert listing.status_code == 200
    assert "A 90.0%" in listing.content.decode()  # the list names what is below target
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="audit-warning"' in page
    assert "group A, target 0.900: achieved 0.333 over 3 promises" in page
    service = response.context["service"]
    assert [(r.group, r.target, r.count, r.short) for r in service] == [
        ("A", 0.9, 3, True),
        ("C", 0.95, 2, False),
    ]
    assert service[0].points_below == pytest.approx(56.666667)
    coverage = response.context["coverage"]
    assert [c.value for c in coverage[1].cells] == [0.5, 0.5, 1.0, 1.0, 1.0]
    assert [c.bad for c in coverage[1].cells] == [False, True, False, False, False]
    assert [row.group for row in response.context["calibration"]] == ["A", "C"]
    for kind in ("coverage", "reliability", "bias"):
        assert f'id="chart-{kind}"' in page


@pytest.mark.parametrize(("kind", "fmt", "start"), [
    ("coverage", "svg", b"<?xml"), ("reliability", "svg", b"<?xml"), ("bias", "png", b"\x89PNG"),
])  # fmt: skip
def test_audit_charts_are_drawn(client, audit, kind, fmt, start):
    client.force_login(staff_member("Planner", "planner"))

    response = client.get(reverse("admin:planning_promiseaudit_chart", args=[audit.pk, kind, fmt]))

    assert response.status_code == 200
    assert response.content.startswith(start)
    again = client.get(reverse("admin:planning_promiseaudit_chart", args=[audit.pk, kind, fmt]))
    assert again.content == response.content  # the same audit gives the same bytes


def test_charts_of_an_empty_audit_are_drawn_too(client):
    empty = promise_audit_run(audit_date=AUDIT_DATE)
    client.force_login(staff_member("Planner", "planner"))
    for kind in ("coverage", "reliability", "bias"):
        url = reverse("admin:planning_promiseaudit_chart", args=[empty.pk, kind, "svg"])
        assert client.get(url).status_code == 200
    page = client.get(reverse("admin:planning_promiseaudit_change", args=[empty.pk]))
    assert "Nothing to score yet" in page.content.decode()


def test_unknown_chart_or_audit_is_a_404(client, audit):
    client.force_login(staff_member("Planner", "planner"))

    assert client.get(f"/admin/planning/promiseaudit/{audit.pk}/chart/pie.svg").status_code == 404
    assert client.get(f"/admin/planning/promiseaudit/{audit.pk}/chart/bias.gif").status_code == 404
    assert client.get("/admin/planning/promiseaudit/999/chart/bias.svg").status_code == 404
    assert client.get("/admin/planning/promiseaudit/x/change/").status_code == 404


def test_a_buyer_may_not_see_audits(client, audit):
    client.force_login(staff_member("Buyer", "buyer"))

    assert (
        client.get(reverse("admin:planning_promiseaudit_change", args=[audit.pk])).status_code
        == 403
    )
    chart = reverse("admin:planning_promiseaudit_chart", args=[audit.pk, "bias", "svg"])
    assert client.get(chart).status_code == 403
    assert 'id="audit-dashboard"' not in client.get(reverse("admin:index")).content.decode()


def test_the_dashboard_warns_when_service_is_more_than_three_points_below_target(client, audit):
    client.force_login(staff_member("Planner", "planner"))

    page = client.get(reverse("admin:index")).content.decode()

    assert 'id="dash-audit-warning"' in page
    assert "<strong>A</strong> (target 0.900, achieved 0.333, 3 promises)" in page
    assert 'id="dash-audit"' in page and "80 %" in page  # 4 of 5 covered by the 95 % quantile


def test_no_warning_when_service_is_on_target(client, settings):
    settings.ZAPAS = {**settings.ZAPAS, "AUDIT_WARN_MIN_PROMISES": 1}
    promises = [PromiseFactory(run__plan_date=PLAN_DATE) for _ in range(3)]  # no demand: kept
    demand(promises[0].sku, date(2026, 11, 30), 0)  # the history runs to 30 Nov
    promise_audit_run(audit_date=AUDIT_DATE)
    client.force_login(staff_member("Planner", "planner"))

    page = client.get(reverse("admin:index")).content.decode()

    assert 'id="dash-audit"' in page
    assert 'id="dash-audit-warning"' not in page
    assert "100 %" in page


def test_promise_list_costs_the_same_however_many_promises(client, audit):
    client.force_login(staff_member("Planner", "planner"))
    url = reverse("admin:planning_promise_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(10):
        PromiseFactory()
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
