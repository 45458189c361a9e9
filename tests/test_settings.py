"""Settings come from the environment; production values must pass ``check --deploy``."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-of-sufficient-length-0123456789",
    "ALLOWED_HOSTS": "zapas.example.com",
    "DATABASE_URL": "sqlite:////tmp/zapas-settings-check.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/9",  # shared by every process (not contacted here)
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # A production process has none of the test run's variables (DATABASE_URL, async escape).
    leaked = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in leaked}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_checklist_warns_about_a_per_process_device_cache():
    env = {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "zapas.W001" in result.stdout + result.stderr
    assert "zapas.W002" in result.stdout + result.stderr  # and about per-process API limits


def test_production_refuses_to_start_without_a_real_secret_key():
    env = {**PRODUCTION, "SECRET_KEY": ""}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
