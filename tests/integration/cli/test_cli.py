"""The `potwise` command: real subprocesses, a temporary SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from potwise import clock
from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.db.models import ApiToken, KnownBrowser, User, UserSession
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.support.loopback import free_port


def _run(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("POTWISE_") or k == "PATH"
    }
    environment.update(
        {
            "POTWISE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "POTWISE_DATA_DIR": str(tmp_path / "data"),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "potwise.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = _run(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "demo", "sandbox", "db", "user"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    assert _run(tmp_path, "no-such-command").returncode == 2


def test_db_upgrade_migrates_to_head(tmp_path: Path) -> None:
    result = _run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"revision {migrate.head_revision()}" in result.stdout
    assert (tmp_path / "cli.db").exists()


def test_user_create_reads_the_password_from_stdin_and_the_user_can_log_in(
    tmp_path: Path,
) -> None:
    result = _run(
        tmp_path,
        "user",
        "create",
        "Eve@Example.com",
        "--password-stdin",
        stdin="a long cli passphrase\n",
    )
    assert result.returncode == 0, result.stderr
    assert "a long cli passphrase" not in result.stdout + result.stderr

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    client = TestClient(create_app(make_settings(tmp_path, url), engine=make_engine(url)))
    login = client.post(
        "/api/v1/auth/login",
        json={"email": "eve@example.com", "password": "a long cli passphrase"},
    )
    assert login.status_code == 200


def test_user_create_with_a_weak_password_fails_with_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "user", "create", "x@example.com", "--password-stdin", stdin="short\n")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "12 characters" in result.stderr


def test_duplicate_user_fails_with_exit_code_1(tmp_path: Path) -> None:
    args = ("user", "create", "dup@example.com", "--password-stdin")
    assert _run(tmp_path, *args, stdin="a long cli passphrase\n").returncode == 0
    again = _run(tmp_path, *args, stdin="a long cli passphrase\n")
    assert again.returncode == 1
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (None, "POTWISE_SECRET_KEY is required"),
        ("changeme-changeme-changeme-changeme", "POTWISE_SECRET_KEY looks like a placeholder"),
        ("tooShort9", "POTWISE_SECRET_KEY is too short"),
    ],
)
def test_production_refuses_weak_secrets_at_start_up(
    tmp_path: Path, secret: str | None, expected: str
) -> None:
    env = {"POTWISE_ENV": "production"}
    if secret is not None:
        env["POTWISE_SECRET_KEY"] = secret
    result = _run(tmp_path, "db", "upgrade", **env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert expected in lines[0]
    if secret:
        assert secret not in result.stderr


def test_a_clock_url_nothing_answers_at_stops_a_command_with_one_line(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/_sandbox/clock"
    result = _run(tmp_path, "db", "upgrade", POTWISE_CLOCK_URL=dead)
    assert result.returncode == 1
    # One message (the terminal may wrap it), no traceback.
    assert " ".join(result.stderr.split()) == (
        f"potwise: the clock at {dead} could not be read (URLError)"
    )


def test_user_reset_2fa_turns_off_a_lost_phone_s_second_factor(tmp_path: Path) -> None:
    args = ("user", "create", "lost@example.com", "--password-stdin")
    assert _run(tmp_path, *args, stdin="a long cli passphrase\n").returncode == 0
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    client = TestClient(create_app(make_settings(tmp_path, url), engine=make_engine(url)))
    credentials = {"email": "lost@example.com", "password": "a long cli passphrase"}
    assert client.post("/api/v1/auth/login", json=credentials).status_code == 200
    secret = client.post("/api/v1/auth/totp/enrol").json()["secret"]
    code = pyotp.TOTP(secret).at(clock.now())
    assert client.post("/api/v1/auth/totp/confirm", json={"code": code}).status_code == 200
    assert TestClient(client.app).post("/api/v1/auth/login", json=credentials).status_code == 401

    reset = _run(tmp_path, "user", "reset-2fa", "Lost@Example.com")
    assert reset.returncode == 0, reset.stderr
    assert "turned off" in reset.stdout
    assert TestClient(client.app).post("/api/v1/auth/login", json=credentials).status_code == 200

    again = _run(tmp_path, "user", "reset-2fa", "lost@example.com")
    assert again.returncode == 0
    assert "nothing changed" in again.stdout
    unknown = _run(tmp_path, "user", "reset-2fa", "nobody@example.com")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "potwise: No user with the address nobody@example.com."


def test_user_delete_asks_then_erases_the_user_and_everything_they_own(tmp_path: Path) -> None:
    args = ("user", "create", "gone@example.com", "--password-stdin")
    assert _run(tmp_path, *args, stdin="a long cli passphrase\n").returncode == 0
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    client = TestClient(create_app(make_settings(tmp_path, url), engine=engine))
    credentials = {"email": "gone@example.com", "password": "a long cli passphrase"}
    assert client.post("/api/v1/auth/login", json=credentials).status_code == 200
    assert client.post("/api/v1/auth/tokens", json={"name": "script"}).status_code == 201

    kept = _run(tmp_path, "user", "delete", "gone@example.com", stdin="n\n")
    assert kept.returncode == 1
    assert "banks told (none)" in kept.stdout
    assert client.get("/api/v1/auth/me").status_code == 200

    deleted = _run(tmp_path, "user", "delete", "Gone@Example.com", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted gone@example.com" in deleted.stdout
    assert client.get("/api/v1/auth/me").status_code == 401
    with engine.connect() as connection:
        for model in (User, UserSession, ApiToken, KnownBrowser):
            assert connection.scalar(select(func.count()).select_from(model)) == 0
    unknown = _run(tmp_path, "user", "delete", "gone@example.com", "--yes")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "potwise: No user with the address gone@example.com."
