"""A planner sees the promise audit in headless Chromium: the dashboard warning, the audit page
with its charts and tables. Screenshots go to ``$BROWSER_SCREENSHOTS_DIR`` when set."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from planning.promise_audit import promise_audit_run
from planning.tests.promise_factories import AUDIT_DATE, hand_built_history
from tests.browser.test_planner_buyer import _member, _roles, shots  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _planner_may_view_audits() -> None:
    """What migration planning.0007 gives planners (a transactional test flushed it)."""
    Group.objects.get(name="Planner").permissions.add(
        *Permission.objects.filter(
            content_type__app_label="planning", codename__in=["view_promiseaudit", "view_promise"]
        )
    )


def _image_loaded(page, element_id: str) -> bool:
    page.wait_for_function(f"document.getElementById('{element_id}').complete")
    return page.evaluate(f"document.getElementById('{element_id}').naturalWidth") > 0


def test_planner_sees_the_warning_and_the_audit_page(browser, live_server, settings, shots):  # noqa: F811
    # given an audit where group A achieved 1 in 3 against a 90 % target, and a planner
    settings.ZAPAS = {**settings.ZAPAS, "AUDIT_WARN_MIN_PROMISES": 3}
    _roles()
    _planner_may_view_audits()
    hand_built_history()
    promise_audit_run(audit_date=AUDIT_DATE)
    _member("Planner", "planner")

    # when the planner signs in
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "planner")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")

    # then the dashboard warns, naming the group and its target
    warning = page.locator("#dash-audit-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("more than 3 points below target")
    expect(warning).to_contain_text("target 0.900, achieved 0.333, 3 promises")
    expect(page.locator("#dash-audit .figure")).to_have_text("80 %")
    page.screenshot(path=str(shots / "audit_dashboard.png"), full_page=True)

    # when they follow it to the audit page
    warning.get_by_role("link", name="See the audit").click()

    # then the warning, the three charts and the tables are there
    expect(page.locator("#audit-warning")).to_contain_text("group A, target 0.900")
    for chart in ("chart-coverage", "chart-reliability", "chart-bias"):
        assert _image_loaded(page, chart), chart
    expect(page.locator("#service-table tr.short")).to_contain_text("56.7")
    expect(page.locator("#coverage-table tbody tr")).to_have_count(2)
    expect(page.locator("#calibration-table tbody tr").first).to_contain_text("A")
    page.screenshot(path=str(shots / "audit_page.png"), full_page=True)
    page.wait_for_load_state("networkidle")
    context.close()
