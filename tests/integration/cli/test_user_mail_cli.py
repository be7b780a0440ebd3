"""Operator help for what usually goes by e-mail: `potwise user verify`, `invite`,
`reset-link`, and `potwise mail outbox`; real subprocesses, a temporary database."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from potwise.db.engine import make_engine
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.integration.cli.test_cli import _run

PASSWORD = "a long cli passphrase"
SECRET = {"POTWISE_SECRET_KEY": "cli-test-" + "q" * 40}


def _client(tmp_path: Path, **overrides: object) -> TestClient:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    settings = make_settings(tmp_path, url, secret_key=SECRET["POTWISE_SECRET_KEY"], **overrides)
    return TestClient(create_app(settings, engine=make_engine(url)))


def test_user_verify_confirms_a_registered_address(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    client = _client(tmp_path)
    body = {"email": "reg@example.com", "password": PASSWORD}
    client.post("/api/v1/auth/register", json=body)
    client.post("/api/v1/auth/login", json=body)
    assert client.get("/api/v1/auth/me").json()["user"]["email_verified"] is False
    result = _run(tmp_path, "user", "verify", "Reg@Example.com")
    assert result.returncode == 0, result.stderr
    assert "confirmed the address of reg@example.com" in result.stdout
    assert client.get("/api/v1/auth/me").json()["user"]["email_verified"] is True
    missing = _run(tmp_path, "user", "verify", "nobody@example.com")
    assert missing.returncode == 1 and "No user has that e-mail address" in missing.stderr


def test_an_invitation_link_registers_once(tmp_path: Path) -> None:
    env = {"POTWISE_PUBLIC_URL": "http://testserver", **SECRET}
    result = _run(tmp_path, "user", "invite", **env)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("http://testserver/register?invite=")
    invite = parse_qs(urlsplit(link).query)["invite"][0]
    client = _client(tmp_path, registration="invite")
    shut = client.post(
        "/api/v1/auth/register", json={"email": "a@example.com", "password": PASSWORD}
    )
    assert shut.status_code == 403 and shut.json()["error"]["code"] == "registration_closed"
    assert "by invitation only" in client.get("/register").text
    page = client.get(f"/register?invite={invite}")
    assert 'name="invite"' in page.text
    body = {"email": "a@example.com", "password": PASSWORD, "invite": invite}
    assert client.post("/api/v1/auth/register", json=body).status_code == 202
    assert client.post("/api/v1/auth/login", json=body).status_code == 200
    again = client.post("/api/v1/auth/register", json={**body, "email": "b@example.com"})
    assert again.status_code == 400 and again.json()["error"]["code"] == "link_used"


def test_closed_registration_refuses_everyone(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    client = _client(tmp_path, registration="closed")
    answer = client.post(
        "/api/v1/auth/register", json={"email": "c@example.com", "password": PASSWORD}
    )
    assert answer.status_code == 403
    assert "Registration is closed" in client.get("/register").text


def test_a_reset_link_for_a_server_without_mail(tmp_path: Path) -> None:
    made = _run(tmp_path, "user", "create", "r@example.com", "--password-stdin", stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    env = {"POTWISE_PUBLIC_URL": "http://testserver", **SECRET}
    result = _run(tmp_path, "user", "reset-link", "r@example.com", **env)
    assert result.returncode == 0, result.stderr
    token = parse_qs(urlsplit(result.stdout.strip()).query)["token"][0]
    client = _client(tmp_path)
    new = "another cli passphrase"
    done = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": new}
    )
    assert done.status_code == 200
    login = client.post("/api/v1/auth/login", json={"email": "r@example.com", "password": new})
    assert login.status_code == 200


def test_mail_outbox_lists_nothing_on_a_new_server(tmp_path: Path) -> None:
    result = _run(tmp_path, "mail", "outbox")
    assert result.returncode == 0, result.stderr
    assert "no messages" in result.stdout
