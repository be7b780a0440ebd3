"""Security notices by e-mail: a sign-in from a new browser, a new API token, a new
bank connection (over the sandbox's real OAuth flow)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from potwise.db.models import User
from potwise.jobs.mail_sender import MailSender
from potwise.services import auth
from tests.integration.conftest import GOOD_PASSWORD
from tests.integration.mail.conftest import Postman
from tests.support.harness import Sandbox, connect, product, running_sandbox, signed_in
from tests.support.smtp import SmtpServer, text_of

EMAIL = "watch@example.com"
CREDENTIALS = {"email": EMAIL, "password": GOOD_PASSWORD}


def _browser(app: FastAPI, agent: str) -> TestClient:
    browser = TestClient(app, headers={"user-agent": agent})
    assert browser.post("/api/v1/auth/login", json=CREDENTIALS).status_code == 200
    return browser


def _notices(postman: Postman) -> list[str]:
    postman.deliver()
    return [text_of(m) for m in postman.inbox.to(EMAIL)]


def test_a_sign_in_from_a_new_browser_is_told(app: FastAPI, db: Session, postman: Postman) -> None:
    auth.create_user(db, **CREDENTIALS)
    laptop = _browser(app, "Laptop Firefox")
    assert _notices(postman) == []  # the first browser is no news
    assert laptop.post("/api/v1/auth/login", json=CREDENTIALS).status_code == 200
    assert _notices(postman) == []  # the same browser again
    _browser(app, "Phone Safari")
    [notice] = _notices(postman)
    assert "a browser we have not seen before" in notice
    assert "Phone Safari" in notice
    assert postman.inbox.to(EMAIL)[0]["List-Unsubscribe"] is not None


def test_no_sign_in_notice_once_turned_off(app: FastAPI, db: Session, postman: Postman) -> None:
    auth.create_user(db, **CREDENTIALS)
    laptop = _browser(app, "Laptop")
    assert laptop.post("/settings/notices", data={"on": ""}).status_code == 200
    _browser(app, "Phone")
    assert _notices(postman) == []
    db.execute(update(User).values(mail_notices=True))
    db.commit()
    _browser(app, "Tablet")
    assert len(_notices(postman)) == 1


def test_a_new_api_token_is_told(app: FastAPI, db: Session, postman: Postman) -> None:
    auth.create_user(db, **CREDENTIALS)
    browser = _browser(app, "Laptop")
    assert browser.post("/api/v1/auth/tokens", json={"name": "backup script"}).status_code == 201
    browser.post("/settings/tokens", data={"name": "phone shortcut"})
    notices = _notices(postman)
    assert len(notices) == 2
    assert "A new personal API token was created" in notices[0]
    assert "backup script" in notices[0] and "phone shortcut" in notices[1]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


def test_a_new_bank_connection_is_told(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox, smtp: SmtpServer
) -> None:
    app = product(tmp_path, database_url, engine, sandbox, **smtp.settings())
    client = signed_in(app, EMAIL)
    assert connect(client, sandbox, "truelayer", "ob-amex").status_code == 303
    MailSender(app.state.connections).run_once()
    message = smtp.inbox.to(EMAIL)[-1]  # after the link to confirm the address
    assert message["Subject"] == "Security notice for your potwise account"
    assert "A bank was connected to your account." in text_of(message)
    assert "Bank: AMEX." in text_of(message)  # the provider's own name for itself
