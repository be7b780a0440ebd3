"""Transaction search matches the words typed: `%` and `_` are not wildcards."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.integration.conftest import SignedIn
from tests.security.seed import seed_mirror

DESCRIPTIONS = ["50% off coffee", "TESCO STORES", "pay_ref 12", "payXref 13"]


def _found(alice: SignedIn, q: str) -> list[str]:
    answer = alice.client.get("/api/v1/transactions", params={"q": q})
    assert answer.status_code == 200, answer.text
    return sorted(item["description"] for item in answer.json()["items"])


def test_percent_and_underscore_are_matched_as_characters(alice: SignedIn, db: Session) -> None:
    seed_mirror(db, alice.user_id, DESCRIPTIONS)
    assert _found(alice, "%") == ["50% off coffee"]
    assert _found(alice, "pay_") == ["pay_ref 12"]
    assert _found(alice, "/") == []
    assert _found(alice, "tesco") == ["TESCO STORES"]


def test_the_transactions_page_searches_the_same_way(alice: SignedIn, db: Session) -> None:
    seed_mirror(db, alice.user_id, DESCRIPTIONS)
    page = alice.client.get("/transactions", params={"q": "%"})
    assert page.status_code == 200
    assert "50% off coffee" in page.text
    assert "TESCO STORES" not in page.text
