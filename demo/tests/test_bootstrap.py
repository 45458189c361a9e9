"""``manage.py bootstrap``: admin user, demo data once, plan call site; safe to re-run."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from demo.management.commands import bootstrap
from inventory.models import Sku, StockMovement
from planning.models import DemandHistory

SMALL = {"demo_skus": 15, "demo_days": 40, "no_demo_orders": True}


@pytest.fixture(autouse=True)
def _local_dev(monkeypatch, settings):
    """As on a developer's machine (DEBUG on, no admin env); a fast hasher keeps tests quick."""
    for name in ("ZAPAS_ADMIN_USER", "ZAPAS_ADMIN_PASSWORD", "ZAPAS_ADMIN_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _bootstrap(**options) -> str:
    out = io.StringIO()
    call_command("bootstrap", stdout=out, **{**SMALL, **options})
    return out.getvalue()


@pytest.mark.django_db
def test_bootstrap_twice_makes_one_admin_and_loads_demo_data_once():
    # when
    first = _bootstrap()
    counts = (Sku.objects.count(), DemandHistory.objects.count(), StockMovement.objects.count())
    second = _bootstrap()
    # then
    users = get_user_model().objects.all()
    assert [(u.username, u.is_superuser, u.is_staff) for u in users] == [("admin", True, True)]
    assert users[0].check_password("admin")
    assert users[0].email == "admin@zapas.local"
    assert counts[0] == 15 and counts[1] > 0 and counts[2] > 0
    assert (
        Sku.objects.count(),
        DemandHistory.objects.count(),
        StockMovement.objects.count(),
    ) == counts
    assert "created user 'admin', password admin" in first
    assert "local demo only" in first
    assert "loading 15 demo SKUs" in first
    assert "user 'admin' exists (password left unchanged)" in second
    assert "catalogue not empty, nothing loaded" in second


@pytest.mark.django_db
def test_bootstrap_honours_env_credentials_without_printing_the_password(monkeypatch):
    # given
    monkeypatch.setenv("ZAPAS_ADMIN_USER", "boss")
    monkeypatch.setenv("ZAPAS_ADMIN_PASSWORD", "S3cret-Zapas-pw")
    monkeypatch.setenv("ZAPAS_ADMIN_EMAIL", "boss@example.com")
    # when
    out = _bootstrap(no_demo=True)
    # then
    user = get_user_model().objects.get()
    assert (user.username, user.email, user.is_superuser) == ("boss", "boss@example.com", True)
    assert user.check_password("S3cret-Zapas-pw")
    assert "S3cret-Zapas-pw" not in out
    assert "created user 'boss', password (from ZAPAS_ADMIN_PASSWORD)" in out
    assert "local demo only" not in out
    assert Sku.objects.count() == 0


@pytest.mark.django_db
def test_bootstrap_never_overwrites_an_existing_users_password(monkeypatch):
    # given
    get_user_model().objects.create_user("admin", password="mine-own-pw")
    monkeypatch.setenv("ZAPAS_ADMIN_PASSWORD", "something-else")
    # when
    _bootstrap(no_demo=True)
    # then
    user = get_user_model().objects.get()
    assert user.check_password("mine-own-pw")
    assert not user.is_superuser


@pytest.mark.django_db
def test_bootstrap_refuses_default_password_when_debug_is_off(settings):
    # given
    settings.DEBUG = False
    # when / then
    with pytest.raises(CommandError, match="set ZAPAS_ADMIN_PASSWORD"):
        _bootstrap(no_demo=True)
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_bootstrap_skips_the_plan_until_a_plan_command_exists(monkeypatch):
    # given no plan command
    monkeypatch.setattr(bootstrap, "get_commands", lambda: {"seed_demo": "inventory"})
    # when
    out = _bootstrap()
    # then
    assert "plan: skipped (no `plan` command yet)" in out


@pytest.mark.django_db
def test_bootstrap_runs_the_plan_after_loading_demo_data(monkeypatch):
    # given a plan command
    calls = []
    real_call_command = bootstrap.call_command

    def fake_call_command(name, *args, **kwargs):
        if name == "plan":
            calls.append(Sku.objects.count())
            return None
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(bootstrap, "get_commands", lambda: {"plan": "planning"})
    monkeypatch.setattr(bootstrap, "call_command", fake_call_command)
    # when: first run loads data and plans; second run has data and does not re-plan
    first = _bootstrap()
    _bootstrap()
    # then (40 days of demo history are too few to replay past plans on)
    assert calls == [15]
    assert "plan: running" in first
    assert "replaying" not in first


@pytest.mark.django_db
def test_a_fresh_demo_has_audited_past_promises_and_a_frontier():
    from django.utils import timezone

    from planning.models import PlanRun
    from planning.promise_models import FrontierResult, Promise, PromiseAudit

    # when a fresh demo with 160 days of history is bootstrapped
    out = _bootstrap(demo_days=160)
    # then the plans of 98, 70 and 42 days ago ran before today's
    today = timezone.localdate()
    dates = list(PlanRun.objects.order_by("pk").values_list("plan_date", "status"))
    assert [(today - d).days for d, _ in dates] == [98, 70, 42, 0]
    assert dates[-1][1] == PlanRun.Status.DONE
    assert Promise.objects.filter(run__plan_date=dates[0][0]).count() == 15
    # and the audit scored promises whose period has passed
    audit = PromiseAudit.objects.get()
    assert audit.promises_settled > 0
    assert audit.promises_scored + audit.promises_censored > 0
    assert audit.promises_scored > 0 and audit.score
    # and the efficient frontier is stored for the audit page
    frontier = FrontierResult.objects.get()
    assert frontier.plan_date == today and len(frontier.points) == 21
    assert "replaying" in out and "Frontier of the 91 days" in out
