"""Confirming an address: the link a new account gets by e-mail, what waits for it
(rules that move money), resending, an address that already has an account, a new
address chosen in Settings, and turning sign-in notices off."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Automation, User
from potwise.services import auth
from tests.integration.conftest import GOOD_PASSWORD
from tests.integration.mail.conftest import Postman
from tests.support.smtp import link_in, text_of

EMAIL = "new@example.com"
SWEEP = {
    "kind": "sweep",
    "name": "Sweep",
    "config": {"pot_id": "0" * 32, "threshold": 10_000},
}


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _registered(app: FastAPI, email: str = EMAIL) -> TestClient:
    browser = TestClient(app)
    body = {"email": email, "password": GOOD_PASSWORD}
    assert browser.post("/api/v1/auth/register", json=body).status_code == 202
    assert browser.post("/api/v1/auth/login", json=body).status_code == 200
    return browser


def test_a_new_account_confirms_its_address_with_the_link(app: FastAPI, postman: Postman) -> None:
    browser = _registered(app)
    assert browser.get("/api/v1/auth/me").json()["user"]["email_verified"] is False
    message = postman.last_to(EMAIL)
    assert message["Subject"] == "Confirm your e-mail address"
    link = link_in(message)
    assert link.startswith("http://testserver/verify?token=")
    page = browser.get(link.removeprefix("http://testserver"))
    assert "Confirm my address" in page.text  # a GET (a mail scanner) changes nothing
    assert browser.get("/api/v1/auth/me").json()["user"]["email_verified"] is False
    done = browser.post("/api/v1/auth/verify", json={"token": _token(link)})
    assert done.status_code == 200 and done.json()["user"]["email_verified"] is True
    again = browser.post("/api/v1/auth/verify", json={"token": _token(link)})
    assert again.status_code == 400 and again.json()["error"]["code"] == "link_used"


def test_the_confirm_page_confirms(app: FastAPI, postman: Postman, db: Session) -> None:
    browser = _registered(app)
    token = _token(link_in(postman.last_to(EMAIL)))
    page = browser.post("/verify", data={"token": token})
    assert page.status_code == 200 and "your address is confirmed" in page.text
    assert db.scalars(select(User)).one().email_verified_at is not None
    bad = browser.post("/verify", data={"token": token[:-2] + "xx"})
    assert bad.status_code == 400 and "may have been altered" in bad.text


def test_rules_that_move_money_wait_for_the_address(
    app: FastAPI, postman: Postman, db: Session
) -> None:
    browser = _registered(app)
    refused = browser.post("/api/v1/automations", json=SWEEP)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_unverified"
    assert "Confirm your e-mail address" in refused.json()["error"]["message"]
    # A switched-off rule (made before a change of rules, say) cannot be switched on.
    user = db.scalars(select(User)).one()
    rule = Automation(user_id=user.id, kind="sweep", name="Old", enabled=False, config={})
    db.add(rule)
    db.commit()
    switch_on = browser.patch(f"/api/v1/automations/{rule.id}", json={"enabled": True})
    assert switch_on.status_code == 403
    db.refresh(rule)
    assert rule.enabled is False
    page = browser.get("/automations")
    assert "rules that move money cannot be created or switched on" in page.text
    assert 'action="/verify/resend"' in page.text
    browser.post("/api/v1/auth/verify", json={"token": _token(link_in(postman.last_to(EMAIL)))})
    allowed = browser.post("/api/v1/automations", json=SWEEP)
    assert allowed.status_code != 403  # now refused only for the pot it names
    assert allowed.json()["error"]["code"] != "email_unverified"


def test_a_new_link_at_most_once_a_minute(app: FastAPI, postman: Postman) -> None:
    browser = _registered(app)
    postman.deliver()
    too_soon = browser.post("/api/v1/auth/verify/resend")
    assert too_soon.status_code == 429
    page = browser.post("/verify/resend", data={"next": "/automations"}, follow_redirects=False)
    assert page.headers["location"] == "/automations?flash=verify_wait"


def test_registering_a_known_address_tells_its_owner_and_changes_nothing(
    app: FastAPI, client: TestClient, db: Session, postman: Postman
) -> None:
    auth.create_user(db, email="owner@example.com", password="the owner's passphrase")
    answer = client.post(
        "/api/v1/auth/register", json={"email": "owner@example.com", "password": GOOD_PASSWORD}
    )
    assert answer.status_code == 202
    message = postman.last_to("owner@example.com")
    assert message["Subject"] == "Someone tried to register with your address"
    assert "Nothing was changed" in text_of(message)
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "owner@example.com", "password": GOOD_PASSWORD}
        ).status_code
        == 401
    )


def test_operator_made_users_are_confirmed(db: Session) -> None:
    user = auth.create_user(db, email="op@example.com", password=GOOD_PASSWORD)
    assert user.email_verified


def test_a_new_address_takes_effect_once_confirmed_and_the_old_one_is_told(
    app: FastAPI, postman: Postman, db: Session
) -> None:
    auth.create_user(db, email="old@example.com", password=GOOD_PASSWORD)
    browser = TestClient(app)
    browser.post("/api/v1/auth/login", json={"email": "old@example.com", "password": GOOD_PASSWORD})
    wrong = browser.post(
        "/api/v1/auth/email", json={"new_email": "fresh@example.com", "password": "nope nope"}
    )
    assert wrong.status_code == 401
    asked = browser.post(
        "/api/v1/auth/email", json={"new_email": "fresh@example.com", "password": GOOD_PASSWORD}
    )
    assert asked.status_code == 202
    assert browser.get("/api/v1/auth/me").json()["user"]["email"] == "old@example.com"
    link = link_in(postman.last_to("fresh@example.com"))
    assert link.startswith("http://testserver/settings/email/confirm?token=")
    page = browser.post("/settings/email/confirm", data={"token": _token(link)})
    assert page.status_code == 200 and "now uses fresh@example.com" in page.text
    assert browser.get("/api/v1/auth/me").json()["user"]["email"] == "fresh@example.com"
    told = postman.last_to("old@example.com")
    assert "is now fresh@example.com" in text_of(told)
    assert browser.post("/settings/email/confirm", data={"token": _token(link)}).status_code == 400


def test_one_click_unsubscribe_turns_sign_in_notices_off(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = auth.create_user(db, email="quiet@example.com", password=GOOD_PASSWORD)
    url = app.state.mailer.unsubscribe_url(user.id).removeprefix("http://testserver")
    assert client.get(url).status_code == 200
    db.refresh(user)
    assert user.mail_notices is True  # a GET changes nothing
    one_click = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    db.refresh(user)
    assert user.mail_notices is False
    forged = client.post(url[:-3] + "abc", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 400
