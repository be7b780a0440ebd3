"""Leaving: `DELETE /api/v1/auth/me` tells every bank, then erases every row of the user
in every table, and leaves a second user's rows as they were."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import JSON, Engine, String, Text, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Base, OutboxMessage, Transfer
from potwise.jobs.mail_sender import MailSender
from potwise.services import leases
from potwise.services.leaving import owned_tables
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)
from tests.support.smtp import smtp_server, text_of


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def app(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> FastAPI:
    return product(tmp_path, database_url, engine, sandbox)


def _connect_monzo(client: TestClient, sandbox: Sandbox) -> dict[str, Any]:
    assert connect(client, sandbox, "monzo").status_code == 303
    sandbox.approve_monzo()
    monzo = next(
        c for c in client.get("/api/v1/connections").json()["items"] if c["provider"] == "monzo"
    )
    assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
    wait_for_run(client, monzo["id"])
    return dict(monzo)


def _connect_amex(client: TestClient, sandbox: Sandbox) -> dict[str, Any]:
    assert connect(client, sandbox, "truelayer", sandbox_provider="ob-amex").status_code == 303
    amex = next(
        c
        for c in client.get("/api/v1/connections").json()["items"]
        if c["provider_id"] == "ob-amex"
    )
    wait_for_run(client, amex["id"])
    return dict(amex)


def _identity(client: TestClient) -> tuple[str, set[str]]:
    """A user's e-mail, and their own ids: user, connections, accounts."""
    me = client.get("/api/v1/auth/me").json()["user"]
    ids = {me["id"]}
    ids |= {c["id"] for c in client.get("/api/v1/connections").json()["items"]}
    ids |= {a["id"] for a in client.get("/api/v1/accounts").json()["items"]}
    return me["email"], ids


def _text_columns(table: Any) -> list[Any]:
    return [c for c in table.c if isinstance(c.type, String | Text | JSON)]


def mentions(db: Session, email: str, ids: set[str]) -> dict[str, int]:
    """Rows naming the user, by table: any string column (JSON too) holding one of
    their ids or their address. Every table in the metadata is read whole."""
    needles = [email.lower(), *ids]
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        columns = _text_columns(table)
        if not columns:
            continue
        for row in db.execute(select(*columns)):
            text = " ".join(str(v) for v in row if v is not None).lower()
            if any(needle in text for needle in needles):
                found[table.name] = found.get(table.name, 0) + 1
    return found


def _requests(sandbox: Sandbox) -> dict[tuple[str, str, str, str], int]:
    counts: dict[tuple[str, str, str, str], int] = {}
    for r in sandbox.http.get("/_sandbox/requests").json()["requests"]:
        key = (r["bank"], r["method"], r["path"], str(r["status"]))
        counts[key] = counts.get(key, 0) + r["count"]
    return counts


def _leave(client: TestClient, **body: Any) -> Any:
    return client.request("DELETE", "/api/v1/auth/me", json={"password": GOOD_PASSWORD, **body})


def test_leaving_tells_every_bank_and_erases_every_row_of_the_user_only(
    app: FastAPI, sandbox: Sandbox, db: Session
) -> None:
    alice = signed_in(app, "alice@example.com")
    _connect_monzo(alice, sandbox)
    _connect_amex(alice, sandbox)
    alice.post("/api/v1/auth/tokens", json={"name": "script"})
    bob = signed_in(app, "bob@example.com")
    _connect_amex(bob, sandbox)
    alice_email, alice_ids = _identity(alice)
    bob_email, bob_ids = _identity(bob)
    assert len(alice_ids) > 5
    before = mentions(db, alice_email, alice_ids)
    assert {"users", "connections", "accounts", "transactions", "sessions"} <= before.keys()
    bob_before = mentions(db, bob_email, bob_ids)
    sandbox.http.delete("/_sandbox/requests").raise_for_status()

    answer = _leave(alice)

    assert answer.status_code == 200, answer.text
    left = answer.json()
    assert left["deleted"] is True
    assert sorted(b["name"] for b in left["banks"]) == ["American Express", "Monzo"]
    assert all(b["revoked"] for b in left["banks"])
    assert left["revoke_by_hand"] == []
    assert left["erased"]["users"] == 1 and left["erased"]["transactions"] > 0
    db.expire_all()
    assert mentions(db, alice_email, alice_ids) == {}
    assert mentions(db, bob_email, bob_ids) == bob_before
    asked = _requests(sandbox)
    assert asked[("monzo", "DELETE", "/webhooks/{id}", "200")] >= 1
    assert asked[("monzo", "POST", "/oauth2/logout", "200")] == 1
    assert asked[("truelayer", "DELETE", "/api/delete", "200")] == 1
    # The session died with the account; the other user's did not.
    assert alice.get("/api/v1/auth/me").status_code == 401
    assert bob.get("/api/v1/auth/me").status_code == 200


def test_a_wrong_password_changes_nothing(app: FastAPI, db: Session) -> None:
    alice = signed_in(app, "alice@example.com")
    email, ids = _identity(alice)
    before = mentions(db, email, ids)
    refused = alice.request("DELETE", "/api/v1/auth/me", json={"password": "not my password"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "confirmation_refused"
    assert "password" in refused.json()["error"]["message"]
    db.expire_all()
    assert mentions(db, email, ids) == before
    assert alice.get("/api/v1/auth/me").status_code == 200


def test_a_move_in_flight_is_settled_before_anything_is_erased(
    app: FastAPI, sandbox: Sandbox, db: Session
) -> None:
    alice = signed_in(app, "alice@example.com")
    monzo = _connect_monzo(alice, sandbox)
    pot = next(p for p in alice.get("/api/v1/pots").json()["items"] if not p["deleted"])
    account = next(
        a for a in alice.get("/api/v1/accounts").json()["items"] if a["id"] == pot["account_id"]
    )
    user_id = alice.get("/api/v1/auth/me").json()["user"]["id"]
    # An intent a crash left `sent`: nobody knows yet whether Monzo applied it.
    db.add(
        Transfer(
            user_id=user_id,
            pot_id=pot["id"],
            pot_external_id=pot["external_id"],
            account_external_id=account["external_id"],
            connection_id=monzo["id"],
            direction="deposit",
            amount=123,
            currency="GBP",
            dedupe_id="potwise-leaving-test-0001",
            status="sent",
            attempts=1,
        )
    )
    db.commit()
    # Monzo does not answer pot moves: the move stays unknown, and nothing is erased.
    sandbox.fault(path="/monzo/api/pots/*", kind="error_5xx", count=100)
    busy = _leave(alice)
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "move_in_flight"
    assert int(busy.headers["Retry-After"]) > 0
    db.expire_all()
    assert db.scalars(select(Transfer.status)).one() == "unknown"
    assert alice.get("/api/v1/auth/me").status_code == 200
    assert len(alice.get("/api/v1/connections").json()["items"]) == 1
    # The rules stay paused until the user tries again (or turns them back on).
    assert alice.get("/api/v1/automations/pause").json()["paused"] is True
    # Monzo answers again: the move is settled (once), then the account goes.
    sandbox.clear_faults()
    left = _leave(alice)
    assert left.status_code == 200, left.text
    ledger = sandbox.http.get(f"/_sandbox/users/{sandbox.user}/ledger").json()
    moves = ledger["moves"] if isinstance(ledger, dict) else ledger
    applied = [m for m in moves if m["dedupe_id"] == "potwise-leaving-test-0001"]
    assert len([m for m in applied if not m.get("repeat")]) == 1
    db.expire_all()
    assert db.scalar(select(Transfer.id)) is None


def test_a_bank_that_cannot_be_reached_does_not_stop_the_erasure(
    app: FastAPI, sandbox: Sandbox, db: Session
) -> None:
    alice = signed_in(app, "alice@example.com")
    _connect_amex(alice, sandbox)
    email, ids = _identity(alice)
    sandbox.fault(path="/truelayer/auth/api/delete", kind="error_5xx", count=100)
    answer = _leave(alice)
    assert answer.status_code == 200, answer.text
    assert answer.json()["revoke_by_hand"] == ["American Express"]
    [bank] = answer.json()["banks"]
    assert bank["revoked"] is False and "revoke access" in bank["message"]
    db.expire_all()
    assert mentions(db, email, ids) == {}


def test_with_two_factor_on_a_right_code_is_needed_too(app: FastAPI, db: Session) -> None:
    fixed = clock.FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    with clock.using(fixed):
        alice = signed_in(app, "alice@example.com")
        secret = alice.post("/api/v1/auth/totp/enrol").json()["secret"]
        code = pyotp.TOTP(secret).at(fixed.now())
        assert alice.post("/api/v1/auth/totp/confirm", json={"code": code}).status_code == 200
        fixed.advance(timedelta(seconds=30))
        email, ids = _identity(alice)
        before = mentions(db, email, ids)
        right = pyotp.TOTP(secret).at(fixed.now())
        wrong = "000000" if right != "000000" else "111111"
        for body in ({}, {"totp": wrong}):
            refused = _leave(alice, **body)
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "confirmation_refused"
        # A wrong code counts towards the second factor's throttle, as at sign-in;
        # nothing else changed.
        db.expire_all()
        after = mentions(db, email, ids)
        assert after.pop("login_failures") == 1
        assert after == before
        assert _leave(alice, totp=right).status_code == 200
    db.expire_all()
    assert mentions(db, email, ids) == {}


def test_the_goodbye_mail_outlives_the_user_and_names_the_bank_to_revoke_by_hand(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox, db: Session
) -> None:
    with smtp_server(tmp_path) as smtp:
        app = product(tmp_path, database_url, engine, sandbox, **smtp.settings())
        alice = signed_in(app, "alice@example.com")
        _connect_amex(alice, sandbox)
        email, ids = _identity(alice)
        sandbox.fault(path="/truelayer/auth/api/delete", kind="error_5xx", count=100)
        answer = _leave(alice)
        assert answer.status_code == 200, answer.text
        assert answer.json()["goodbye_mail"] is True
        db.expire_all()
        # The goodbye mail is the one row that still holds the address, and it has no owner.
        assert mentions(db, email, ids) == {"mail_outbox": 1}
        [goodbye] = db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email))
        assert goodbye.user_id is None and goodbye.kind == "account_deleted"
        MailSender(app.state.connections).run_once()
        [mail] = smtp.inbox.to(email)
        assert mail["Subject"] == "Your potwise account was deleted"
        assert "- American Express" in text_of(mail)
        assert "revoke potwise's access" in text_of(mail)


def _page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_settings_page_deletes_the_account_once_the_address_is_typed(
    app: FastAPI, sandbox: Sandbox, db: Session
) -> None:
    alice = signed_in(app, "alice@example.com")
    _connect_amex(alice, sandbox)
    email, ids = _identity(alice)
    page = _page_text(alice.get("/settings").text)
    assert "Delete account" in page
    assert "asks TrueLayer to delete its connection to American Express" in page
    before = mentions(db, email, ids)

    mistyped = alice.post(
        "/settings/delete",
        data={"confirm_email": "alice@example.org", "password": GOOD_PASSWORD},
    )
    assert mistyped.status_code == 400
    assert "Type your e-mail address exactly as shown" in mistyped.text
    wrong = alice.post(
        "/settings/delete", data={"confirm_email": email, "password": "not my password"}
    )
    assert wrong.status_code == 403
    assert "Your password is not correct. Nothing was changed." in _page_text(wrong.text)
    db.expire_all()
    assert mentions(db, email, ids) == before

    sandbox.fault(path="/truelayer/auth/api/delete", kind="error_5xx", count=100)
    done = alice.post(
        "/settings/delete", data={"confirm_email": " Alice@Example.com ", "password": GOOD_PASSWORD}
    )
    assert done.status_code == 200, done.text
    text = _page_text(done.text)
    assert "Your account was deleted" in text
    assert "American Express : could not be reached" in text
    assert "revoke potwise's access by hand" in text
    db.expire_all()
    assert mentions(db, email, ids) == {}
    gone = alice.get("/settings", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_every_table_is_either_erasable_by_owner_or_instance_wide() -> None:
    """A new table with no `user_id` and no key to an owned row would outlive its
    user: it must be named here as instance-wide (and `erase.py` taught about it)."""
    instance_wide = {"leases", "login_failures", "system_flags"}
    erasable = {t.name for t in owned_tables()}
    assert erasable | instance_wide == set(Base.metadata.tables)
    assert not erasable & instance_wide


def test_a_sync_or_run_in_progress_answers_409_until_it_is_done(
    app: FastAPI, sandbox: Sandbox, db: Session
) -> None:
    alice = signed_in(app, "alice@example.com")
    amex = _connect_amex(alice, sandbox)
    email, ids = _identity(alice)
    key = f"sync:{amex['id']}"
    assert leases.try_acquire(db, key, "another-worker", timedelta(minutes=5))
    busy = _leave(alice)
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "move_in_flight"
    assert busy.headers["Retry-After"] == "30"
    db.expire_all()
    assert "connections" in mentions(db, email, ids)
    leases.release(db, key, "another-worker")
    assert _leave(alice).status_code == 200
    db.expire_all()
    assert mentions(db, email, ids) == {}
