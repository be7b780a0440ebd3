"""Two-factor authentication through the API and the pages: enrolment, sign-in with a
code, replay, recovery codes, throttling, turning it off and the operator's reset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import LoginFailure, RecoveryCode, TotpFactor, UserSession
from potwise.services.twofactor import factor
from tests.integration.conftest import SignedIn, sign_up

START = datetime(2026, 12, 7, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(START)
    with clock.using(fixed):
        yield fixed


def _enrol(user: SignedIn, frozen: clock.FixedClock) -> tuple[str, list[str]]:
    """Turn two-factor on through the API; returns the secret and the recovery codes."""
    started = user.client.post("/api/v1/auth/totp/enrol")
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    confirmed = user.client.post(
        "/api/v1/auth/totp/confirm", json={"code": pyotp.TOTP(secret).at(frozen.now())}
    )
    assert confirmed.status_code == 200, confirmed.text
    frozen.advance(timedelta(seconds=30))  # the confirming code's step is spent
    return secret, confirmed.json()["recovery_codes"]


def _login(app: FastAPI, user: SignedIn, totp: str | None = None) -> tuple[TestClient, int, dict]:
    fresh = TestClient(app)
    body: dict[str, str] = {"email": user.email, "password": user.password}
    if totp is not None:
        body["totp"] = totp
    answer = fresh.post("/api/v1/auth/login", json=body)
    return fresh, answer.status_code, answer.json()


def test_enrolment_then_sign_in_needs_the_code(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock, engine: Engine
) -> None:
    secret, recovery = _enrol(alice, frozen)
    assert len(recovery) == 10
    assert alice.client.get("/api/v1/auth/totp").json()["enabled"] is True

    _, status, body = _login(app, alice)
    assert status == 401
    assert body["error"]["code"] == "totp_required"

    _, status, body = _login(
        app, alice, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    )
    assert status == 401
    assert body["error"]["code"] == "invalid_credentials"

    def sessions() -> dict[str, str | None]:
        with Session(engine) as db:
            rows = db.scalars(select(UserSession).where(UserSession.user_id == alice.user_id))
            return {row.id: row.second_factor for row in rows}

    before = sessions()
    code = pyotp.TOTP(secret).at(frozen.now())
    signed, status, _ = _login(app, alice, code)
    assert status == 200
    assert signed.get("/api/v1/auth/me").status_code == 200
    # the session this sign-in made (the frozen clock may be older than alice's own)
    made = {key: factor for key, factor in sessions().items() if key not in before}
    assert list(made.values()) == ["totp"]


def test_a_code_cannot_be_used_twice(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    secret, _ = _enrol(alice, frozen)
    code = pyotp.TOTP(secret).at(frozen.now())
    assert _login(app, alice, code)[1] == 200
    assert _login(app, alice, code)[1] == 401  # overheard and replayed within its window
    frozen.advance(timedelta(seconds=30))
    assert _login(app, alice, pyotp.TOTP(secret).at(frozen.now()))[1] == 200


def test_a_recovery_code_works_once(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    _, recovery = _enrol(alice, frozen)
    assert _login(app, alice, recovery[3].upper())[1] == 200
    assert _login(app, alice, recovery[3])[1] == 401
    assert alice.client.get("/api/v1/auth/totp").json()["recovery_codes_left"] == 9


def test_wrong_codes_are_throttled_even_before_a_right_one(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    secret, _ = _enrol(alice, frozen)
    right = pyotp.TOTP(secret).at(frozen.now())
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(5):
        assert _login(app, alice, wrong)[1] == 401
    fresh = TestClient(app)
    limited = fresh.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": alice.password, "totp": right}
    )
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    frozen.advance(timedelta(minutes=15, seconds=1))
    assert _login(app, alice, pyotp.TOTP(secret).at(frozen.now()))[1] == 200


def test_a_wrong_first_code_leaves_two_factor_off(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    secret = alice.client.post("/api/v1/auth/totp/enrol").json()["secret"]
    right = pyotp.TOTP(secret).at(frozen.now())
    wrong = "123456" if right != "123456" else "654321"
    refused = alice.client.post("/api/v1/auth/totp/confirm", json={"code": wrong})
    assert refused.status_code == 400
    assert "6-digit" in refused.json()["error"]["message"]
    assert alice.client.get("/api/v1/auth/totp").json()["enabled"] is False
    assert _login(app, alice)[1] == 200  # the password alone still signs in


def test_enrolling_again_while_on_is_a_conflict(alice: SignedIn, frozen: clock.FixedClock) -> None:
    _enrol(alice, frozen)
    again = alice.client.post("/api/v1/auth/totp/enrol")
    assert again.status_code == 409


def test_an_api_token_keeps_working_but_cannot_change_two_factor(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    raw = alice.client.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    _enrol(alice, frozen)
    script = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    assert script.get("/api/v1/auth/me").status_code == 200
    refused = script.post("/api/v1/auth/totp/enrol")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "session_required"
    off = script.request(
        "DELETE", "/api/v1/auth/totp", json={"password": alice.password, "code": "x"}
    )
    assert off.status_code == 403


def test_turning_off_needs_the_password_and_a_code(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    secret, _ = _enrol(alice, frozen)
    code = pyotp.TOTP(secret).at(frozen.now())
    bad_password = alice.client.request(
        "DELETE", "/api/v1/auth/totp", json={"password": "not the password", "code": code}
    )
    assert bad_password.status_code == 401
    assert alice.client.get("/api/v1/auth/totp").json()["enabled"] is True
    off = alice.client.request(
        "DELETE", "/api/v1/auth/totp", json={"password": alice.password, "code": code}
    )
    assert off.status_code == 204
    assert alice.client.get("/api/v1/auth/totp").json() == {
        "enabled": False,
        "confirmed_at": None,
        "recovery_codes_left": 0,
    }
    assert _login(app, alice)[1] == 200


def test_the_secret_is_encrypted_and_recovery_codes_hashed_at_rest(
    alice: SignedIn, frozen: clock.FixedClock, engine: Engine
) -> None:
    secret, recovery = _enrol(alice, frozen)
    with Session(engine) as db:
        stored = db.scalars(select(TotpFactor.secret_encrypted)).one()
        hashes = list(db.scalars(select(RecoveryCode.code_hash)))
    assert secret not in stored
    assert len(hashes) == 10
    assert not set(hashes) & set(recovery)
    assert not any(code.replace("-", "") in h for code in recovery for h in hashes)


def test_one_user_s_codes_do_not_open_another_s_account(
    app: FastAPI, alice: SignedIn, bob: SignedIn, frozen: clock.FixedClock
) -> None:
    _, alice_recovery = _enrol(alice, frozen)
    bob_secret, _ = _enrol(bob, frozen)
    assert _login(app, bob, alice_recovery[0])[1] == 401
    assert _login(app, alice, pyotp.TOTP(bob_secret).at(frozen.now()))[1] == 401


# --- the pages ------------------------------------------------------------------


def _pending(page: str) -> str:
    found = re.search(r'name="pending_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_sign_in_page_asks_for_the_code_after_the_password(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock
) -> None:
    secret, _ = _enrol(alice, frozen)
    browser = TestClient(app)
    first = browser.post(
        "/login",
        data={"email": alice.email, "password": alice.password, "next": "/accounts"},
        follow_redirects=False,
    )
    assert first.status_code == 200
    assert "Two-factor code" in first.text
    assert "potwise_session" not in first.headers.get("set-cookie", "")
    token = _pending(first.text)

    wrong = browser.post(
        "/login/code",
        data={
            "pending_token": token,
            "code": "000000" if pyotp.TOTP(secret).at(frozen.now()) != "000000" else "111111",
            "next": "/accounts",
        },
        follow_redirects=False,
    )
    assert wrong.status_code == 401
    assert "not right" in wrong.text

    right = browser.post(
        "/login/code",
        data={
            "pending_token": token,
            "code": pyotp.TOTP(secret).at(frozen.now()),
            "next": "/accounts",
        },
        follow_redirects=False,
    )
    assert right.status_code == 303
    assert right.headers["location"] == "/accounts"
    assert browser.get("/settings").status_code == 200


@pytest.mark.parametrize("spoil", ["tampered", "expired", "password_changed"])
def test_a_spoilt_pending_sign_in_starts_again(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock, spoil: str
) -> None:
    secret, _ = _enrol(alice, frozen)
    browser = TestClient(app)
    first = browser.post("/login", data={"email": alice.email, "password": alice.password})
    token = _pending(first.text)
    if spoil == "tampered":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif spoil == "expired":
        frozen.advance(timedelta(minutes=5, seconds=31))
    else:
        changed = alice.client.post(
            "/api/v1/auth/password",
            json={"current_password": alice.password, "new_password": "a brand new passphrase"},
        )
        assert changed.status_code == 200, changed.text
    answer = browser.post(
        "/login/code",
        data={"pending_token": token, "code": pyotp.TOTP(secret).at(frozen.now())},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?flash=sign_in_expired"
    assert "potwise_session" not in answer.headers.get("set-cookie", "")


def test_settings_enrol_shows_a_qr_code_then_the_recovery_codes_once(
    alice: SignedIn, frozen: clock.FixedClock, engine: Engine
) -> None:
    page = alice.client.post("/settings/2fa/enrol")
    assert page.status_code == 200
    assert "<svg" in page.text and "QR code" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret
    wrong = alice.client.post("/settings/2fa/confirm", data={"code": "12"})
    assert wrong.status_code == 400
    assert secret.group(1) in wrong.text  # the same enrolment is shown again
    done = alice.client.post(
        "/settings/2fa/confirm", data={"code": pyotp.TOTP(secret.group(1)).at(frozen.now())}
    )
    assert done.status_code == 200
    shown = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.text)
    assert len(shown) == 10
    later = alice.client.get("/settings")
    assert "10 recovery codes left" in later.text
    assert not any(code in later.text for code in shown)
    with Session(engine) as db:
        assert factor.is_enabled(db, alice.user_id)


def test_settings_turn_off_with_a_recovery_code(
    alice: SignedIn, frozen: clock.FixedClock, engine: Engine
) -> None:
    _, recovery = _enrol(alice, frozen)
    wrong = alice.client.post(
        "/settings/2fa/off", data={"password": "wrong password here", "code": recovery[0]}
    )
    assert wrong.status_code == 401
    off = alice.client.post(
        "/settings/2fa/off",
        data={"password": alice.password, "code": recovery[0]},
        follow_redirects=False,
    )
    assert off.status_code == 303
    with Session(engine) as db:
        assert not factor.is_enabled(db, alice.user_id)
        assert db.scalars(select(RecoveryCode)).first() is None


def test_failed_codes_are_counted_without_the_user_s_address(
    app: FastAPI, alice: SignedIn, frozen: clock.FixedClock, engine: Engine
) -> None:
    _enrol(alice, frozen)
    _login(app, alice, "999999")
    with Session(engine) as db:
        rows = list(db.scalars(select(LoginFailure).where(LoginFailure.scope == "second_factor")))
    assert rows
    assert all(alice.email not in row.key_hash for row in rows)


def test_sign_up_helper_still_signs_in_without_a_code(app: FastAPI) -> None:
    carol = sign_up(app, "carol@example.com")
    assert carol.client.get("/api/v1/auth/totp").json()["enabled"] is False
