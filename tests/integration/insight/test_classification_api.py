"""The classification API: overrides, rules, learned suggestions, internal pairs, and
overrides surviving a real re-sync."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Transaction
from potwise.services.insight import classify as insight
from tests.integration.conftest import SignedIn
from tests.integration.insight.test_classification_sandbox import wait_until_classified
from tests.support.harness import (
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)

T0 = datetime(2026, 10, 1, 12, tzinfo=UTC)


class Mirror:
    """A user's accounts and transactions stored directly, as a sync would leave them."""

    def __init__(self, db: Session, user_id: str) -> None:
        self.db = db
        self.user_id = user_id
        connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        self.connection_id = connection.id
        self.accounts: dict[str, Account] = {}
        for name, kind, provider in (
            ("monzo", "current", "monzo"),
            ("natwest", "current", "ob-natwest"),
            ("amex", "credit_card", "ob-amex"),
        ):
            account = Account(
                user_id=user_id,
                connection_id=connection.id,
                external_id=f"acc_{name}_{uuid.uuid4().hex[:6]}",
                provider=provider,
                kind=kind,
                name=name.title(),
                currency="GBP",
            )
            db.add(account)
            self.accounts[name] = account
        db.commit()

    def add(self, amount: int, *, account: str = "monzo", days: float = 0, **fields: Any) -> str:
        row = Transaction(
            user_id=self.user_id,
            connection_id=self.connection_id,
            account_id=self.accounts[account].id,
            external_id=f"tx_{uuid.uuid4().hex}",
            created_at=T0 + timedelta(days=days),
            amount=amount,
            currency="GBP",
            status="settled",
            description=fields.pop("description", ""),
            **fields,
        )
        self.db.add(row)
        self.db.commit()
        return row.id

    def classify(self) -> None:
        insight.classify_changed(self.db, self.user_id)

    def get(self, transaction_id: str) -> Transaction:
        self.db.expire_all()
        found = self.db.get(Transaction, transaction_id)
        assert found is not None
        return found


def _tesco(mirror: Mirror, days: float) -> str:
    return mirror.add(
        -2000 - int(days),
        days=days,
        merchant="Tesco",
        description="TESCO STORES 2214",
        category="groceries",
        provider_category="groceries",
    )


def test_three_recategorisations_offer_a_rule_that_applies_to_past_and_future(
    alice: SignedIn, db: Session
) -> None:
    mirror = Mirror(db, alice.user_id)
    ids = [_tesco(mirror, d) for d in range(6)]
    mirror.classify()
    client = alice.client
    first = client.patch(f"/api/v1/transactions/{ids[5]}", json={"category": "household"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["category"], body["category_source"]) == ("household", "user")
    assert body["suggestion"] is None  # one choice is not a pattern yet
    client.patch(f"/api/v1/transactions/{ids[4]}", json={"category": "household"})
    third = client.patch(f"/api/v1/transactions/{ids[3]}", json={"category": "household"}).json()
    suggestion = third["suggestion"]
    assert suggestion["merchant_key"] == "tesco" and suggestion["category"] == "household"
    assert suggestion["chosen"] == 3 and suggestion["to_change"] == 3
    listed = client.get("/api/v1/categories/suggestions").json()["items"]
    assert [(s["merchant_key"], s["category"]) for s in listed] == [("tesco", "household")]
    # Nothing changed silently: the other Tesco rows still have the provider's category.
    assert mirror.get(ids[0]).category == "groceries"

    applied = client.post(
        "/api/v1/categories/suggestions/apply",
        json={"merchant_key": "tesco", "category": "household"},
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["changed"] == 3
    assert applied.json()["rule"]["source"] == "suggestion"
    for tid in ids[:3]:
        row = mirror.get(tid)
        assert (row.category, row.category_source) == ("household", "rule")
    assert mirror.get(ids[5]).category_source == "user"
    assert client.get("/api/v1/categories/suggestions").json()["items"] == []
    # The future: a new Tesco payment arrives and is classified by the rule.
    new = mirror.add(-999, days=10, merchant="Tesco", provider_category="groceries")
    mirror.classify()
    assert (mirror.get(new).category, mirror.get(new).category_source) == ("household", "rule")
    rules = client.get("/api/v1/categories/rules").json()["items"]
    assert [r["merchant_key"] for r in rules] == ["tesco"]
    # Deleting the rule hands the category back to the provider's.
    assert client.delete(f"/api/v1/categories/rules/{rules[0]['id']}").status_code == 204
    assert mirror.get(new).category == "groceries"
    assert mirror.get(ids[5]).category == "household"


def test_a_dismissed_suggestion_is_not_offered_again(alice: SignedIn, db: Session) -> None:
    mirror = Mirror(db, alice.user_id)
    ids = [_tesco(mirror, d) for d in range(3)]
    mirror.classify()
    for tid in ids:
        alice.client.patch(f"/api/v1/transactions/{tid}", json={"category": "household"})
    choice = {"merchant_key": "tesco", "category": "household"}
    assert len(alice.client.get("/api/v1/categories/suggestions").json()["items"]) == 1
    assert (
        alice.client.post("/api/v1/categories/suggestions/dismiss", json=choice).status_code == 204
    )
    assert (
        alice.client.post("/api/v1/categories/suggestions/dismiss", json=choice).status_code == 204
    )
    assert alice.client.get("/api/v1/categories/suggestions").json()["items"] == []
    extra = _tesco(mirror, 5)
    mirror.classify()
    again = alice.client.patch(f"/api/v1/transactions/{extra}", json={"category": "household"})
    assert again.json()["suggestion"] is None


def test_rules_need_a_condition_and_a_valid_category(alice: SignedIn, db: Session) -> None:
    Mirror(db, alice.user_id)
    bad = alice.client.post("/api/v1/categories/rules", json={"category": "household"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"
    bad = alice.client.post(
        "/api/v1/categories/rules", json={"category": "Not OK!", "merchant_key": "Tesco"}
    )
    assert bad.json()["error"]["code"] == "invalid_input"
    made = alice.client.post(
        "/api/v1/categories/rules",
        json={"category": "coffee", "merchant_key": "COSTA COFFEE 43010", "max_amount": -1},
    )
    assert made.status_code == 201, made.text
    assert made.json()["rule"]["merchant_key"] == "costa"


def test_overrides_are_validated(alice: SignedIn, db: Session) -> None:
    mirror = Mirror(db, alice.user_id)
    tid = _tesco(mirror, 0)
    for body in ({"classification": "salary"}, {"category": ""}, {}):
        response = alice.client.patch(f"/api/v1/transactions/{tid}", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["code"] == "invalid_input"


def test_rejected_pair_is_unlinked_reclassified_and_never_proposed_again(
    alice: SignedIn, db: Session
) -> None:
    mirror = Mirror(db, alice.user_id)
    out = mirror.add(-30000, description="SAVINGS", provider_category="transfers")
    into = mirror.add(30000, account="natwest", description="SAVINGS", provider_category="TRANSFER")
    mirror.classify()
    pairs = alice.client.get("/api/v1/internal-pairs").json()["items"]
    assert len(pairs) == 1
    assert pairs[0]["kind"] == "internal_transfer"
    assert (pairs[0]["money_out"]["id"], pairs[0]["money_in"]["id"]) == (out, into)
    assert pairs[0]["money_out"]["classification_reason"].startswith("Transfer between")
    rejected = alice.client.post(f"/api/v1/internal-pairs/{into}/reject")
    assert rejected.status_code == 200, rejected.text
    after = {t["id"]: t for t in rejected.json()["transactions"]}
    assert (
        after[out]["classification"] == "spending" and after[out]["linked_transaction_id"] is None
    )
    assert after[into]["classification"] == "income"
    insight.reclassify_all(db, alice.user_id)
    assert mirror.get(out).linked_transaction_id is None
    assert alice.client.get("/api/v1/internal-pairs").json()["items"] == []
    again = alice.client.post(f"/api/v1/internal-pairs/{into}/reject")
    assert again.json()["error"]["code"] == "invalid_input"


def test_overriding_one_half_of_a_pair_frees_the_other(alice: SignedIn, db: Session) -> None:
    mirror = Mirror(db, alice.user_id)
    debit = mirror.add(-25000, description="AMERICAN EXPRESS", provider_category="bills")
    credit = mirror.add(25000, account="amex", days=1, description="PAYMENT RECEIVED - THANK YOU")
    mirror.classify()
    assert mirror.get(debit).linked_transaction_id == credit
    assert "Amex" in (mirror.get(debit).classification_reason or "")
    changed = alice.client.patch(
        f"/api/v1/transactions/{debit}", json={"classification": "spending"}
    ).json()
    assert (changed["classification"], changed["classification_source"]) == ("spending", "user")
    freed = mirror.get(credit)
    assert freed.linked_transaction_id is None
    assert freed.classification == "card_repayment"  # still a payment, just unmatched
    back = alice.client.patch(f"/api/v1/transactions/{debit}", json={"classification": None})
    assert back.json()["classification_source"] == "auto"
    assert back.json()["linked_transaction_id"] == credit


def test_categories_list_standard_ones_and_those_in_use(alice: SignedIn, db: Session) -> None:
    mirror = Mirror(db, alice.user_id)
    _tesco(mirror, 0)
    mirror.classify()
    items = {c["category"]: c for c in alice.client.get("/api/v1/categories").json()["items"]}
    assert items["groceries"]["count"] == 1 and items["groceries"]["standard"]
    assert items["bills"]["count"] == 0


def test_user_choices_survive_a_resync_and_a_full_reclassification(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with running_sandbox(frozen_clock=True) as sandbox:
        client: TestClient = signed_in(product(tmp_path, database_url, engine, sandbox))
        landed = connect(client, sandbox, "truelayer", sandbox_provider="ob-natwest")
        assert landed.status_code == 303, landed.text
        [connection] = client.get("/api/v1/connections").json()["items"]
        wait_for_run(client, connection["id"])
        wait_until_classified(db)
        rows = client.get("/api/v1/transactions", params={"limit": 200}).json()["items"]
        shop = next(r for r in rows if r["merchant"] and r["classification"] == "spending")
        moved = next(r for r in rows if r["classification"] == "income")
        client.patch(f"/api/v1/transactions/{shop['id']}", json={"category": "treats"})
        client.patch(f"/api/v1/transactions/{moved['id']}", json={"classification": "spending"})
        synced = client.post(f"/api/v1/connections/{connection['id']}/sync")
        assert synced.status_code == 200, synced.text
        wait_for_run(client, connection["id"], count=2)
        user_id = client.get("/api/v1/auth/me").json()["user"]["id"]
        insight.reclassify_all(db, user_id)
        db.expire_all()
        kept = {
            r.id: r
            for r in db.scalars(
                select(Transaction).where(Transaction.id.in_([shop["id"], moved["id"]]))
            )
        }
        assert (kept[shop["id"]].category, kept[shop["id"]].category_source) == ("treats", "user")
        assert kept[moved["id"]].classification == "spending"
        assert kept[moved["id"]].classification_source == "user"
