"""Registration, login, sessions and personal API tokens through the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import ApiToken, User, UserSession
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.integration.conftest import GOOD_PASSWORD, SignedIn


def test_register_login_and_me_return_the_user(client: TestClient) -> None:
    created = client.post(
        "/api/v1/auth/register", json={"email": " Carol@Example.com ", "password": GOOD_PASSWORD}
    )
    assert created.status_code == 202
    assert created.json()["status"] == "accepted"
    assert "password" not in created.text

    login = client.post(
        "/api/v1/auth/login", json={"email": "carol@example.com", "password": GOOD_PASSWORD}
    )
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "potwise_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http PUBLIC_URL

    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "carol@example.com"
    assert me.json()["user"]["email_verified"] is False


def test_session_cookie_is_secure_when_public_url_is_https(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    settings = make_settings(tmp_path, database_url, public_url="https://money.example.org")
    app = create_app(settings, engine=engine)
    client = TestClient(app, base_url="https://money.example.org")
    client.post("/api/v1/auth/register", json={"email": "s@example.com", "password": GOOD_PASSWORD})
    login = client.post(
        "/api/v1/auth/login", json={"email": "s@example.com", "password": GOOD_PASSWORD}
    )
    assert "Secure" in login.headers["set-cookie"]


def test_me_without_credentials_is_401_with_error_body(client: TestClient) -> None:
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, alice: SignedIn
) -> None:
    wrong = client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": "not the password!"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "not the password!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_weak_and_common_passwords_are_refused(client: TestClient) -> None:
    for password in ("short", "password1234", "aaaaaaaaaaaaaaaa"):
        response = client.post(
            "/api/v1/auth/register", json={"email": "weak@example.com", "password": password}
        )
        assert response.status_code == 400, password
        assert response.json()["error"]["code"] == "weak_password"
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "samesame12345@example.com", "password": "samesame12345@example.com"},
    )
    assert response.json()["error"]["code"] == "weak_password"


def test_a_known_address_gets_the_same_answer_as_a_new_one(
    client: TestClient, alice: SignedIn, db: Session
) -> None:
    known = client.post(
        "/api/v1/auth/register", json={"email": "ALICE@example.com", "password": GOOD_PASSWORD}
    )
    new = client.post(
        "/api/v1/auth/register", json={"email": "dave@example.com", "password": GOOD_PASSWORD}
    )
    assert known.status_code == new.status_code == 202
    assert known.json() == new.json()
    # Alice's account is untouched: her own password still signs her in.
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": alice.email, "password": alice.password}
        ).status_code
        == 200
    )
    assert db.scalar(select(func.count()).select_from(User)) == 2


def test_bad_payload_is_422_validation_error(client: TestClient) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "x@example.com"})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert "password" in body["message"]


def test_invalid_email_is_400_not_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register", json={"email": "not-an-address", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_registration_closed_by_setting(tmp_path: Path, database_url: str, engine: Engine) -> None:
    app = create_app(make_settings(tmp_path, database_url, registration_open=False), engine=engine)
    response = TestClient(app).post(
        "/api/v1/auth/register", json={"email": "x@example.com", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "registration_closed"


def test_production_closes_registration_after_the_first_user(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    settings = make_settings(tmp_path, database_url, env="production")
    client = TestClient(create_app(settings, engine=engine))
    first = client.post(
        "/api/v1/auth/register", json={"email": "owner@example.com", "password": GOOD_PASSWORD}
    )
    assert first.status_code == 202
    second = client.post(
        "/api/v1/auth/register", json={"email": "guest@example.com", "password": GOOD_PASSWORD}
    )
    assert second.status_code == 403


def test_logout_revokes_the_session_server_side(alice: SignedIn) -> None:
    stolen_cookie = alice.client.cookies.get("potwise_session")
    assert alice.client.post("/api/v1/auth/logout").status_code == 204
    # Replaying the old cookie value must not work: the session is revoked, not just forgotten.
    replay = TestClient(alice.client.app, cookies={"potwise_session": stolen_cookie})
    assert replay.get("/api/v1/auth/me").status_code == 401


def test_sign_out_everywhere_else_keeps_only_this_session(app: FastAPI, alice: SignedIn) -> None:
    laptop = TestClient(app)
    laptop.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    assert laptop.get("/api/v1/auth/me").status_code == 200

    listed = alice.client.get("/api/v1/auth/sessions").json()["items"]
    assert len(listed) == 2
    assert sum(1 for s in listed if s["current"]) == 1

    revoked = alice.client.delete("/api/v1/auth/sessions")
    assert revoked.json() == {"revoked": 1}
    assert laptop.get("/api/v1/auth/me").status_code == 401
    assert alice.client.get("/api/v1/auth/me").status_code == 200


def test_expired_session_is_refused(alice: SignedIn) -> None:
    with clock.using(clock.FixedClock(datetime.now(UTC) + timedelta(days=31))):
        assert alice.client.get("/api/v1/auth/me").status_code == 401


def test_api_token_is_shown_once_stored_hashed_and_revocable(
    alice: SignedIn, app: FastAPI, db: Session
) -> None:
    created = alice.client.post("/api/v1/auth/tokens", json={"name": "home script"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("pw_")
    token_id = created.json()["id"]

    stored = db.scalars(select(ApiToken)).one()
    assert raw not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64

    listed = alice.client.get("/api/v1/auth/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["home script"]
    assert "token" not in listed[0]

    script = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    me = script.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == alice.email

    assert alice.client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 204
    assert script.get("/api/v1/auth/me").status_code == 401


def test_a_bad_bearer_token_is_not_rescued_by_a_valid_cookie(alice: SignedIn) -> None:
    response = alice.client.get(
        "/api/v1/auth/me", headers={"Authorization": "Bearer pw_not-a-real-token-at-all"}
    )
    assert response.status_code == 401


def test_password_change_signs_out_other_sessions(app: FastAPI, alice: SignedIn) -> None:
    phone = TestClient(app)
    phone.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    changed = alice.client.post(
        "/api/v1/auth/password",
        json={"current_password": alice.password, "new_password": "a brand new passphrase"},
    )
    assert changed.status_code == 200
    assert changed.json() == {"revoked": 1}
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert alice.client.get("/api/v1/auth/me").status_code == 200
    fresh = TestClient(app)
    old = fresh.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    assert old.status_code == 401
    new = fresh.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": "a brand new passphrase"}
    )
    assert new.status_code == 200


def test_password_change_needs_the_current_password(alice: SignedIn) -> None:
    response = alice.client.post(
        "/api/v1/auth/password",
        json={"current_password": "wrong wrong wrong", "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 401


def test_outdated_hash_parameters_are_upgraded_at_login(
    client: TestClient, alice: SignedIn, db: Session
) -> None:
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024),))
    old_hash = weak.hash(alice.password)
    db.execute(update(User).where(User.id == alice.user_id).values(password_hash=old_hash))
    db.commit()
    response = client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": alice.password}
    )
    assert response.status_code == 200
    db.expire_all()
    new_hash = db.scalar(select(User.password_hash).where(User.id == alice.user_id))
    assert new_hash != old_hash
    assert new_hash is not None and "m=8192" not in new_hash


def test_sessions_are_stored_as_hashes(alice: SignedIn, db: Session) -> None:
    cookie = alice.client.cookies.get("potwise_session")
    hashes = db.scalars(select(UserSession.token_hash)).all()
    assert cookie is not None and cookie not in hashes
    assert all(len(h) == 64 for h in hashes)
