"""Everything a user owns as one JSON file: every table there, nobody else's rows, no secret."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session

from potwise.db.models import (
    USER_OWNED_MODELS,
    Automation,
    Budget,
    Category,
    CategoryRule,
    Commitment,
    Connection,
    OAuthClient,
    Passkey,
    PlannedItem,
    Pot,
    Transfer,
    User,
    table_of,
)
from potwise.services.exports import EXCLUDED_TABLES, exported_models, is_secret_column
from potwise.services.exports.everything import scrub
from tests.integration.conftest import SignedIn
from tests.integration.web.export_builders import Books

URL = "/api/v1/export/all.json"
JULY = datetime(2026, 7, 10, tzinfo=UTC)
# What the issue names, by the keys the file uses.
NAMED = (
    "accounts",
    "pots",
    "transactions",
    "automations",
    "transfers",
    "budgets",
    "commitments",
    "planned_items",
    "categories",
    "category_rules",
    "connections",
)


def _own_everything(db: Session, user_id: str, tag: str) -> Books:
    """One of each thing a user can own, named with `tag`."""
    books = Books.of(db, user_id, at=JULY)
    books.add(datetime(2026, 7, 1, 10, tzinfo=UTC), -1234, description=f"{tag} SHOP")
    current = books.accounts["current"]
    pot = Pot(
        user_id=user_id,
        connection_id=books.connection.id,
        account_id=current.id,
        external_id=f"pot_{tag}",
        name=f"{tag} bills pot",
        currency="GBP",
        balance=2500,
    )
    rule = Automation(
        user_id=user_id,
        kind="sweep",
        name=f"{tag} sweep",
        config={"keep": 10000, "pot_id": f"pot_{tag}"},
        state={"last_swept_on": "2026-07-01"},
    )
    hobby = f"{tag} hobbies"
    db.add(
        Category(
            user_id=user_id,
            key=hobby.lower().replace(" ", "-"),
            name=hobby,
            name_folded=hobby.casefold(),
        )
    )
    db.add_all([pot, rule])
    db.flush()
    db.add_all(
        [
            Transfer(
                user_id=user_id,
                automation_id=rule.id,
                pot_id=pot.id,
                pot_external_id=pot.external_id,
                account_external_id=current.external_id,
                direction="deposit",
                amount=500,
                currency="GBP",
                dedupe_id=f"dedupe-{tag}",
                status="confirmed",
                reason=f"{tag} sweep above the cushion",
            ),
            Budget(user_id=user_id, category="groceries", amount=30000),
            Commitment(
                user_id=user_id,
                key=f"{tag}-rent",
                payee=f"{tag} Landlord",
                amount=90000,
                cadence="monthly",
                direction="out",
                status="confirmed",
            ),
            PlannedItem(
                user_id=user_id, label=f"{tag} holiday", amount=120000, due_on=date(2026, 9, 1)
            ),
            CategoryRule(user_id=user_id, category="pets", merchant_key=f"{tag.lower()} pets"),
        ]
    )
    db.commit()
    return books


def _secrets(alice: SignedIn, db: Session, books: Books) -> list[str]:
    """Alice's credentials of every kind, as the file must never hold them."""
    token = alice.client.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    saved = alice.client.put(
        "/api/v1/connections/clients/monzo",
        json={"client_id": "alice-client", "client_secret": "alice-client-secret-123"},
    )
    assert saved.status_code == 204, saved.text
    connection = db.get(Connection, books.connection.id)
    assert connection is not None
    connection.access_token_enc = "gAAAAB-encrypted-access-token-of-alice"
    connection.refresh_token_enc = "gAAAAB-encrypted-refresh-token-of-alice"
    connection.webhook_secret_hash = hashlib.sha256(b"alice-webhook-secret").hexdigest()
    db.commit()
    user = db.get(User, alice.user_id)
    client = db.query(OAuthClient).filter_by(user_id=alice.user_id).one()
    assert user is not None and client.client_secret_enc
    return [
        token,
        hashlib.sha256(token.encode()).hexdigest(),
        alice.client.cookies["potwise_session"],
        alice.password,
        user.password_hash,
        "alice-client-secret-123",
        client.client_secret_enc,
        "gAAAAB-encrypted-access-token-of-alice",
        "gAAAAB-encrypted-refresh-token-of-alice",
        connection.webhook_secret_hash,
    ]


def _download(who: SignedIn) -> tuple[str, dict[str, Any]]:
    answer = who.client.get(URL)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith('attachment; filename="potwise-export-')
    assert answer.headers["cache-control"] == "no-store"
    return answer.text, json.loads(answer.text)


def test_the_file_holds_every_table_of_the_user_in_a_versioned_shape(
    alice: SignedIn, db: Session
) -> None:
    books = _own_everything(db, alice.user_id, "Alice")

    _, data = _download(alice)

    assert (data["format"], data["version"]) == ("potwise-export", 1)
    assert datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    assert data["user"]["email"] == "alice@example.com"
    for key in NAMED:
        assert isinstance(data[key], list), key
        assert data[key], f"{key} is empty"
    for model in exported_models():
        assert isinstance(data[table_of(model).name], list)
    for table in EXCLUDED_TABLES:
        assert table not in data
    assert {a["id"] for a in data["accounts"]} == {a.id for a in books.accounts.values()}
    [rule] = data["automations"]
    assert rule["config"] == {"keep": 10000, "pot_id": "pot_Alice"}
    assert rule["state"] == {"last_swept_on": "2026-07-01"}
    [tx] = data["transactions"]
    assert (tx["amount"], tx["currency"], tx["description"]) == (-1234, "GBP", "Alice SHOP")
    assert datetime.fromisoformat(tx["created_at"]) == datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert any(
        c["category"] == "groceries" and c["transactions"] == 1 and c["name"] == "Groceries"
        for c in data["categories_in_use"]
    )
    [connection] = data["connections"]
    assert (connection["provider"], connection["display_name"]) == ("monzo", "Monzo")


def test_every_table_of_user_data_is_exported_or_left_out_for_a_reason() -> None:
    names = {table_of(m).name for m in USER_OWNED_MODELS}
    exported = {table_of(m).name for m in exported_models()}
    assert exported | set(EXCLUDED_TABLES) == names
    assert not exported & set(EXCLUDED_TABLES)


@pytest.mark.parametrize(
    ("column", "secret"),
    [
        ("access_token_enc", True),
        ("refresh_token_enc", True),
        ("client_secret_enc", True),
        ("webhook_secret_hash", True),
        ("password_hash", True),
        ("token_hash", True),
        ("code_verifier", True),
        ("secret_encrypted", True),
        ("config_encrypted", True),
        ("token", True),
        ("accessToken", True),
        ("clientSecret", True),
        ("token_expires_at", False),
        ("webhook_external_id", False),
        ("status", False),
    ],
)
def test_secret_columns_are_known_by_their_names(column: str, secret: bool) -> None:
    assert is_secret_column(column) is secret


def test_keys_naming_secrets_inside_json_columns_are_dropped_at_any_depth() -> None:
    config = {
        "url": "https://example.com/hook",
        "secret": "s1",
        "signing_secret": "s2",
        "subscription": {"endpoint": "https://push.example", "keys": {"p256dh": "k", "auth": "a"}},
        "items": [{"access_token": "t", "keep": 1}],
        "keep": 10000,
    }
    assert scrub(config) == {
        "url": "https://example.com/hook",
        "subscription": {"endpoint": "https://push.example", "keys": {}},
        "items": [{"keep": 1}],
        "keep": 10000,
    }


def test_no_token_secret_or_hash_is_anywhere_in_the_file(alice: SignedIn, db: Session) -> None:
    books = _own_everything(db, alice.user_id, "Alice")
    secrets = _secrets(alice, db, books)

    text, data = _download(alice)

    for secret in secrets:
        assert secret not in text
    for table, rows in data.items():
        if isinstance(rows, list):
            for row in rows:
                assert not any(is_secret_column(k) for k in row), table
    [client] = data["oauth_clients"]
    assert client["client_id"] == "alice-client"


def test_two_factor_and_passkeys_stay_out_of_the_file(alice: SignedIn, db: Session) -> None:
    secret = alice.client.post("/api/v1/auth/totp/enrol").json()["secret"]
    codes = alice.client.post(
        "/api/v1/auth/totp/confirm", json={"code": pyotp.TOTP(secret).now()}
    ).json()["recovery_codes"]
    db.add(
        Passkey(
            user_id=alice.user_id,
            credential_id="credential-of-alice",
            public_key=b"\x01\x02binary key",
            sign_count=3,
            name="Alice's phone",
        )
    )
    db.commit()

    text, data = _download(alice)

    for table in ("totp_factors", "recovery_codes", "passkeys", "webauthn_challenges"):
        assert table not in data
    assert secret not in text
    assert not any(code in text for code in codes)
    assert "credential-of-alice" not in text


def test_each_user_gets_their_own_data_only(alice: SignedIn, bob: SignedIn, db: Session) -> None:
    _own_everything(db, alice.user_id, "Alice")
    _own_everything(db, bob.user_id, "Bob")

    alices_text, alices = _download(alice)
    bobs_text, bobs = _download(bob)

    assert bobs["user"]["email"] == "bob@example.com"
    for key in NAMED:
        if key == "categories":
            continue
        alice_ids = {row["id"] for row in alices[key]}
        bob_ids = {row["id"] for row in bobs[key]}
        assert alice_ids and bob_ids and not alice_ids & bob_ids, key
        for row_id in bob_ids:
            assert row_id not in alices_text
    assert "Bob" not in alices_text
    assert "Alice" not in bobs_text


def test_a_user_with_nothing_yet_gets_empty_tables(alice: SignedIn) -> None:
    _, data = _download(alice)
    assert data["transactions"] == [] and data["accounts"] == []
    assert data["user"]["email"] == "alice@example.com"


def test_the_file_needs_a_signed_in_caller(client: Any) -> None:
    assert client.get(URL).status_code == 401
