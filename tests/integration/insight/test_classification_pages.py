"""Re-categorising from the transactions page: per-row form, reasons, the suggestion banner."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from tests.integration.conftest import SignedIn
from tests.integration.insight.test_classification_api import Mirror, _tesco

ORIGIN = {"origin": "http://testserver"}


def _post(client: TestClient, url: str, data: dict[str, str]) -> Response:
    return client.post(url, data=data, headers=ORIGIN, follow_redirects=False)


def test_page_shows_each_classification_with_its_reason(alice: SignedIn, db: Session) -> None:
    mirror = Mirror(db, alice.user_id)
    mirror.add(-25000, description="AMERICAN EXPRESS", provider_category="bills")
    mirror.add(25000, account="amex", days=1, description="PAYMENT RECEIVED - THANK YOU")
    mirror.classify()
    page = alice.client.get("/transactions")
    assert page.status_code == 200
    assert "Card repayment" in page.text
    assert "matched £250.00 credit on Amex (Amex), 1 day apart" in page.text
    assert 'for="cat-' in page.text and 'for="class-' in page.text  # labelled controls


def test_recategorising_three_rows_offers_to_apply_to_the_merchant(
    alice: SignedIn, db: Session
) -> None:
    mirror = Mirror(db, alice.user_id)
    ids = [_tesco(mirror, d) for d in range(5)]
    mirror.classify()
    for tid in ids[2:]:
        saved = _post(
            alice.client,
            f"/transactions/{tid}/category",
            {"category": "household", "classification": "auto", "back": "/transactions?q=tesco"},
        )
        assert saved.status_code == 303
        location = saved.headers["location"]
        assert location.startswith("/transactions?q=tesco&saved=category&changed=")
    page = alice.client.get(location.split("#")[0])
    assert "Saved. Your choice stays" in page.text
    assert "Apply to all Tesco, past and future" in page.text
    assert mirror.get(ids[0]).category == "groceries"
    applied = _post(
        alice.client,
        "/transactions/suggestions/apply",
        {"merchant_key": "tesco", "category": "household", "back": "https://evil.example/x"},
    )
    assert applied.headers["location"] == "/transactions?saved=applied"
    assert mirror.get(ids[0]).category == "household"
    assert mirror.get(ids[0]).category_source == "rule"


def test_choosing_automatic_hands_the_row_back(alice: SignedIn, db: Session) -> None:
    mirror = Mirror(db, alice.user_id)
    tid = _tesco(mirror, 0)
    mirror.classify()
    _post(
        alice.client,
        f"/transactions/{tid}/category",
        {"category": "treats", "classification": "income"},
    )
    assert (mirror.get(tid).category_source, mirror.get(tid).classification) == ("user", "income")
    _post(
        alice.client,
        f"/transactions/{tid}/category",
        {"category": "auto", "classification": "auto"},
    )
    row = mirror.get(tid)
    assert (row.category, row.category_source) == ("groceries", "provider")
    assert (row.classification, row.classification_source) == ("spending", "auto")


def test_someone_elses_transaction_is_not_found(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    mirror = Mirror(db, alice.user_id)
    tid = _tesco(mirror, 0)
    answer = _post(bob.client, f"/transactions/{tid}/category", {"category": "treats"})
    assert answer.status_code == 404
    assert mirror.get(tid).category == "groceries"
