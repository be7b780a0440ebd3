"""Password reset by e-mail, end to end: the mail arrives on a loopback SMTP server,
the test follows its link; a link works once, for 30 minutes, and a tampered,
expired or used one changes nothing."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import AccountLink, LoginFailure
from potwise.services import auth
from tests.integration.mail.conftest import Postman
from tests.security.conftest import captured_log
from tests.support.smtp import link_in, text_of

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another quite long passphrase"
EMAIL = "reset@example.com"


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _signed_in(app: FastAPI, db: Session) -> TestClient:
    auth.create_user(db, email=EMAIL, password=PASSWORD)
    browser = TestClient(app)
    assert (
        browser.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}).status_code
        == 200
    )
    return browser


def _ask(client: TestClient, email: str = EMAIL) -> str:
    answer = client.post("/api/v1/auth/password-reset", json={"email": email})
    assert answer.status_code == 202, answer.text
    return answer.text


def test_a_reset_link_sets_the_password_and_signs_out_everything(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    browser = _signed_in(app, db)
    token = browser.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    _ask(client)
    message = postman.last_to(EMAIL)
    assert message["Subject"] == "Choose a new password"
    link = link_in(message)
    assert link.startswith("http://testserver/reset-password?token=")
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200 and "Set the new password" in page.text
    done = client.post(
        "/reset-password",
        data={"token": _token(link), "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?flash=password_reset"
    assert browser.get("/api/v1/auth/me").status_code == 401  # the old session is gone
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    old = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": NEW_PASSWORD})
    assert new.status_code == 200
    postman.deliver()
    told = [text_of(m) for m in postman.inbox.to(EMAIL)]
    assert any("was reset by e-mail" in text for text in told)


def test_a_used_link_is_refused_and_changes_nothing(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    _signed_in(app, db)
    _ask(client)
    token = _token(link_in(postman.last_to(EMAIL)))
    body = {"token": token, "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/password-reset/confirm", json=body).status_code == 200
    again = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": PASSWORD}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "link_used"
    assert "already been used" in client.get(f"/reset-password?token={token}").text
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": EMAIL, "password": NEW_PASSWORD}
        ).status_code
        == 200
    )


def test_an_expired_link_is_refused(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    browser = _signed_in(app, db)
    _ask(client)
    token = _token(link_in(postman.last_to(EMAIL)))
    # The half hour has passed.
    db.execute(update(AccountLink).values(expires_at=clock.wall() - timedelta(seconds=1)))
    db.commit()
    page = client.get(f"/reset-password?token={token}")
    assert page.status_code == 400 and "This link has expired" in page.text
    answer = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert answer.json()["error"]["code"] == "link_expired"
    assert browser.get("/api/v1/auth/me").status_code == 200  # nothing was changed


def test_a_link_lives_thirty_minutes(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    _signed_in(app, db)
    _ask(client)
    postman.deliver()
    link = db.query(AccountLink).one()
    assert (link.expires_at - link.created_at).total_seconds() == 30 * 60
    assert link.purpose == "reset" and link.used_at is None


def test_a_tampered_link_is_refused(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    _signed_in(app, db)
    _ask(client)
    token = _token(link_in(postman.last_to(EMAIL)))
    nonce, _, signature = token.partition(".")
    forged = nonce[:-1] + ("A" if nonce[-1] != "A" else "B") + "." + signature
    answer = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": forged, "new_password": NEW_PASSWORD}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "link_invalid"
    page = client.post(
        "/reset-password",
        data={"token": forged, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert page.status_code == 400 and "may have been altered" in page.text
    # The genuine link still works: the forgery used nothing up.
    genuine = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert genuine.status_code == 200


def test_a_weak_new_password_keeps_the_link(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    _signed_in(app, db)
    _ask(client)
    token = _token(link_in(postman.last_to(EMAIL)))
    weak = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    assert (
        client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": NEW_PASSWORD},
        ).status_code
        == 200
    )


def test_the_answer_is_the_same_for_an_unknown_address_in_words_and_time(
    app: FastAPI, db: Session, postman: Postman
) -> None:
    auth.create_user(db, email=EMAIL, password=PASSWORD)
    known, unknown = [], []
    for round_ in range(3):
        for email, times in ((EMAIL, known), (f"nobody{round_}@example.com", unknown)):
            client = TestClient(app)
            db.execute(delete(LoginFailure))  # the per-address throttle stays out of it
            db.commit()
            started = time.monotonic()
            answer = client.post("/api/v1/auth/password-reset", json={"email": email})
            times.append(time.monotonic() - started)
            assert answer.status_code == 202
            if email == EMAIL:
                known_body = answer.json()
            else:
                assert answer.json() == known_body
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.15
    assert min(known + unknown) >= 0.4
    messages = postman.deliver()
    assert {m["To"] for m in messages} == {EMAIL}


def test_requests_are_throttled_per_address(client: TestClient, postman: Postman) -> None:
    for _ in range(3):
        _ask(client, "someone@example.com")
    fourth = client.post("/api/v1/auth/password-reset", json={"email": "someone@example.com"})
    assert fourth.status_code == 429
    assert fourth.json()["error"]["code"] == "too_many_attempts"
    assert int(fourth.headers["Retry-After"]) > 0
    assert postman.deliver() == []  # no such account: nothing was ever sent


def test_the_sign_in_page_offers_a_reset(client: TestClient) -> None:
    page = client.get("/login")
    assert 'href="/forgot-password"' in page.text and "Forgot password?" in page.text
    form = client.post("/forgot-password", data={"email": "x@example.com"})
    assert form.status_code == 200 and "If an account has that address" in form.text


def test_no_link_token_reaches_the_log(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    _signed_in(app, db)
    with captured_log(production=True) as out:
        _ask(client)
        token = _token(link_in(postman.last_to(EMAIL)))
        client.get(f"/reset-password?token={token}")
        client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": NEW_PASSWORD},
        )
        postman.deliver()
    output = out.getvalue()
    assert "auth.password_reset" in output
    nonce, _, signature = token.partition(".")
    assert nonce not in output and signature not in output
