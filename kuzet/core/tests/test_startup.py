"""Configuration errors stop start-up with one line naming the variable; health check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "KUZET_DEBUG": "0",
    "KUZET_SECRET_KEY": "a" * 20 + "b" * 20 + "production-like-secret-key-0123456789",
    "KUZET_ALLOWED_HOSTS": "kuzet.example.kz",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"KUZET_DEBUG": "1", "DATABASE_URL": "mysql://root@localhost/kuzet"}, "DATABASE_URL"),
        (
            {"KUZET_DEBUG": "1", "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432"},
            "DATABASE_URL",
        ),
        ({"KUZET_DEBUG": "maybe"}, "KUZET_DEBUG"),
        ({"KUZET_DEBUG": "0"}, "KUZET_SECRET_KEY"),
        ({"KUZET_DEBUG": "0", "KUZET_SECRET_KEY": "short"}, "KUZET_SECRET_KEY"),
        (
            {"KUZET_DEBUG": "0", "KUZET_SECRET_KEY_FILE": "/nonexistent/secret"},
            "KUZET_SECRET_KEY_FILE",
        ),
        ({"KUZET_DEMO": "1"}, "KUZET_DEMO"),
        (
            {"KUZET_DEBUG": "1", "KUZET_AUDIT_ANCHOR_EMAILS": "council at example.kz"},
            "KUZET_AUDIT_ANCHOR_EMAILS",
        ),
        ({"KUZET_DEBUG": "1", "KUZET_SESSION_HOURS": "eight"}, "KUZET_SESSION_HOURS"),
        ({"KUZET_DEBUG": "1", "KUZET_TIME_ZONE": "Mars/Olympus"}, "KUZET_TIME_ZONE"),
        ({"KUZET_DEBUG": "1", "KUZET_LOG_LEVEL": "verbose"}, "KUZET_LOG_LEVEL"),
        ({"KUZET_DEBUG": "1", "KUZET_AUDIT_KEY": "too-short"}, "KUZET_AUDIT_KEY"),
        ({"KUZET_DEBUG": "1", "KUZET_CACHE_URL": "memcached://127.0.0.1"}, "KUZET_CACHE_URL"),
        ({"KUZET_DEBUG": "1", "KUZET_LOGIN_FREE_TRIES": "0"}, "KUZET_LOGIN_FREE_TRIES"),
        # The lock's settings are gone; a deployment still setting them is told so.
        ({"KUZET_DEBUG": "1", "KUZET_LOGIN_FAILURE_LIMIT": "5"}, "KUZET_LOGIN_FAILURE_LIMIT"),
        ({"KUZET_DEBUG": "1", "KUZET_LOGIN_COOLOFF_MINUTES": "15"}, "KUZET_LOGIN_COOLOFF_MINUTES"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_the_variable(
    env: dict[str, str], variable: str
) -> None:
    result = run_manage("check", **env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Kuzet configuration error: {variable}:")
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_named_without_a_traceback() -> None:
    result = run_manage(
        "migrate", KUZET_DEBUG="1", DATABASE_URL="postgresql://postgres@127.0.0.1:1/kuzet"
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deployment_check() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_health_check_answers_ok_when_the_database_answers() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["cache"] == "ok"


def test_health_check_answers_503_when_the_database_is_down() -> None:
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, r.json()['database'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "kuzet.settings",
            "KUZET_DEBUG": "1",
            "KUZET_ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/kuzet",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["503", "unreachable"], result.stderr
