"""Production settings: `check --deploy` is clean with the production environment variables."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tracker.settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "tracker.example.gov.uk",
    "DATABASE_URL": "sqlite:////tmp/action-tracker-deploy-check.sqlite3",
}


SINGLE_SIGN_ON = {
    "ENTRA_TENANT_ID": "4d7c9a1e-0000-4000-8000-000000000000",
    "OIDC_CLIENT_ID": "action-tracker",
    "OIDC_CLIENT_SECRET": secrets.token_urlsafe(30),
    "OIDC_VERIFIED_EMAIL_DOMAINS": "example.gov.uk",
    "LOCAL_SIGN_IN": "0",
}


@pytest.mark.parametrize("sso", [False, True], ids=["local accounts", "Entra ID only"])
def test_check_deploy_is_clean_in_production(sso):
    env = {**PRODUCTION, **(SINGLE_SIGN_ON if sso else {})}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_unknown_role_for_mfa_stops_the_app_starting():
    result = run_manage("check", **PRODUCTION, ACCOUNTS_MFA_REQUIRED_FOR="policy,councillors")
    assert result.returncode != 0
    assert "ACCOUNTS_MFA_REQUIRED_FOR: no role called councillors" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_security_headers_and_csp(client, officer):
    client.force_login(officer)
    response = client.get("/returns/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()  # no inline script anywhere


def test_login_is_throttled_after_five_failures(client, officer):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "sam", "password": "wrong password"})
    response = client.post(
        "/accounts/login/", {"login": "sam", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


def test_the_lockout_counts_a_name_however_it_is_typed(client, officer):
    """Five failures as "SAM", "Sam" or "sam " lock "sam" too: the count is per name as typed,
    case and spaces folded, so changing case does not start a new count."""
    for name in ("SAM", "sam", "Sam", "sam ", "SAM"):
        client.post("/accounts/login/", {"login": name, "password": "wrong password"})
    response = client.post(
        "/accounts/login/", {"login": "sam", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429


def test_passwords_are_validated():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password123", "12345678901234", "short"):
        try:
            validate_password(weak)
        except ValidationError:
            continue
        raise AssertionError(f"{weak!r} was accepted")


def test_sqlite_lets_people_read_while_a_long_import_writes(tmp_path):
    """On SQLite (the embedded default) pages keep working while an import holds the write lock:
    WAL mode lets readers read the last committed data, and other writers queue (busy timeout)
    instead of failing at once with "database is locked"."""
    database = tmp_path / "tracker.sqlite3"
    script = (
        "import django; django.setup()\n"
        "from django.db import connections\n"
        "writer, reader = connections['default'], connections.create_connection('default')\n"
        "with writer.cursor() as c:\n"
        "    c.execute('CREATE TABLE t (x)'); c.execute('INSERT INTO t VALUES (1)')\n"
        "    print(c.execute('PRAGMA journal_mode').fetchone()[0])\n"
        "    print(c.execute('PRAGMA busy_timeout').fetchone()[0])\n"
        "    c.execute('BEGIN IMMEDIATE'); c.execute('INSERT INTO t VALUES (2)')\n"
        "    c.execute('INSERT INTO t SELECT x FROM t, (SELECT 1 FROM t LIMIT 1)')\n"
        "    with reader.cursor() as r:\n"
        "        print(r.execute('SELECT count(*) FROM t').fetchone()[0])\n"
        "    c.execute('COMMIT')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DJANGO_SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "1"]  # the reader sees the committed row
