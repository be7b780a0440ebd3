"""After a full sync of both banks, a webhook and a rule's run that moves money, the log
holds no piece (eight characters or more) of any credential: bank access and refresh
tokens, the webhook secret, the session cookie or a personal API token."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import Connection
from tests.security.conftest import SESSION_COOKIE, captured_log
from tests.support.harness import (
    amex_pot_rule,
    connect,
    connect_monzo,
    running_sandbox,
    served_product,
)


def _pieces(secret: str, size: int = 8) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_no_credential_reaches_the_log_through_a_sync_a_webhook_and_a_move(
    tmp_path: Path, database_url: str, engine: Engine, db: Session, production: bool
) -> None:
    with (
        captured_log(production=production) as out,
        running_sandbox(webhook_retry_base=0.05) as sandbox,
        served_product(tmp_path, database_url, engine, sandbox, "logs@example.com") as (
            app,
            browser,
        ),
    ):
        token = browser.post("/api/v1/auth/tokens", json={"name": "cli"}).json()["token"]
        cookie = browser.cookies.get(SESSION_COOKIE)
        assert cookie and len(token) > 20
        connect_monzo(browser, sandbox)
        connect(browser, sandbox, "truelayer", sandbox_provider="ob-amex")
        assert browser.post("/api/v1/sync").status_code == 200
        card = next(
            a for a in browser.get("/api/v1/accounts").json()["items"] if a["kind"] == "credit_card"
        )
        rule = amex_pot_rule(browser, card)
        sandbox.add_transaction(
            bank="ob-amex",
            account=card["external_id"],
            amount=2500,
            kind="purchase",
            description="LOGGED SPEND",
            pending=True,
        )
        # A script with the token reads the rule; "Run now" by the person signed in
        # reads the card attended (a token's run would decide on the card as last read).
        listed = browser.get("/api/v1/automations", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200, listed.text
        moved = browser.post(f"/api/v1/automations/{rule['id']}/run").json()
        assert moved["status"] == "moved", moved["explanation"]
        deliveries = sandbox.http.get("/_sandbox/webhooks/deliveries").json()["deliveries"]
        deadline = time.monotonic() + 20
        while not deliveries and time.monotonic() < deadline:
            time.sleep(0.1)
            deliveries = sandbox.http.get("/_sandbox/webhooks/deliveries").json()["deliveries"]
        assert deliveries, "the move's webhook never came"
    secrets = {"session cookie": str(cookie), "API token": token}
    secrets["webhook secret"] = deliveries[0]["url"].rsplit("/", 1)[-1]
    vault = app.state.connections.vault
    for row in db.scalars(select(Connection)):
        for name in ("access_token_enc", "refresh_token_enc"):
            sealed = getattr(row, name)
            if sealed is not None:
                secrets[f"{row.provider} {name}"] = vault.decrypt(sealed)
    output = out.getvalue()
    assert "sync.finished" in output and "transfer.settled" in output
    for name, secret in secrets.items():
        leaked = [piece for piece in _pieces(secret) if piece in output]
        assert not leaked, f"{name} in the log: {leaked[:3]}"
