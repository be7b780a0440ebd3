"""`GET /api/v1/analytics/spending` on SQLite and PostgreSQL: what counts, local months,
card vs cash, pending, refunds, comparisons, validation and isolation."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from potwise.db.models import Transaction, User
from potwise.domain.mirror import AccountBalance
from potwise.domain.spending import Classification, effective_classification
from potwise.services.insight import classify
from potwise.services.insight.cells import is_spending
from potwise.services.sync import store
from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

MARCH_APRIL = {"since": "2026-03-01", "until": "2026-05-01"}


def _t(day: int, month: int = 4, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _spending(user: SignedIn, **params: Any) -> dict[str, Any]:
    response = user.client.get("/api/v1/analytics/spending", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _april_household(db: Session, user_id: str) -> Household:
    h = Household.of(db, user_id)
    h.add(_t(2), -4_000, merchant="Tesco")  # cash
    h.add(_t(3), -2_500, account="amex", category="eating_out", merchant="Dishoom")  # card
    h.add(_t(4), -1_000, account="joint", merchant="Tesco", status="pending")  # pending cash
    h.add(_t(5), 1_500, merchant="Tesco")  # a refund: spending reversed
    h.add(_t(6), -999, status="declined")  # never counts
    h.add(_t(7), -50_000, classification="internal_transfer", category="transfers")
    h.add(_t(8), -30_000, classification="card_repayment", category="bills", merchant=None)
    h.add(_t(9), -10_000, classification="pot_move", pot="pot_1", merchant=None)
    h.add(_t(10), 250_000, classification="income", category="income", merchant=None)
    # Not classified yet: by sign, except a row naming a pot.
    h.add(_t(11), -700, classification=None, category="transport", merchant="TfL")
    h.add(_t(12), 5_000, classification=None, category="general", merchant=None)
    h.add(_t(13), -8_000, classification=None, pot="pot_2", merchant=None)
    # Other currencies are reported separately.
    h.add(_t(14), -1_234, currency="EUR", merchant="Carrefour")
    # 23:30 UTC on 31 March is 00:30 on 1 April in London (BST).
    h.add(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), -300, merchant="Pret", category="eating_out")
    h.add(_t(15, month=3), -6_000, merchant="Tesco")
    return h


def test_month_breakdown_counts_spending_only_in_local_months(alice: SignedIn, db: Session) -> None:
    _april_household(db, alice.user_id)
    body = _spending(alice, group_by="month", **MARCH_APRIL)
    assert body["currency"] == "GBP"
    assert body["timezone"] == "Europe/London"
    assert (body["since"], body["until"]) == ("2026-03-01", "2026-05-01")
    march, april = body["groups"]
    assert (march["key"], march["amount"], march["count"]) == ("2026-03", 6_000, 1)
    # 4,000 + 2,500 + 1,000 pending - 1,500 refund + 700 unclassified + 300 (late 31 March)
    assert april["key"] == "2026-04"
    assert april["amount"] == 7_000
    assert april["count"] == 6
    assert april["refunds"] == 1_500
    assert (april["pending_amount"], april["pending_count"]) == (1_000, 1)
    assert (april["card"], april["cash"], april["other"]) == (2_500, 4_500, 0)
    assert (april["previous"], april["change"], april["change_percent"]) == (6_000, 1_000, 17)
    assert body["total"] == 13_000
    assert body["count"] == 7


def test_the_users_time_zone_decides_the_month(alice: SignedIn, db: Session) -> None:
    _april_household(db, alice.user_id)
    db.execute(update(User).where(User.id == alice.user_id).values(timezone="UTC"))
    db.commit()
    march, april = _spending(alice, group_by="month", **MARCH_APRIL)["groups"]
    assert march["amount"] == 6_300  # the 23:30 UTC coffee is March on UTC
    assert april["amount"] == 6_700


def test_category_breakdown_of_one_month_compares_with_the_month_before(
    alice: SignedIn, db: Session
) -> None:
    _april_household(db, alice.user_id)
    body = _spending(alice, group_by="category", since="2026-04-01", until="2026-05-01")
    assert (body["previous_since"], body["previous_until"]) == ("2026-03-01", "2026-04-01")
    groups = {g["key"]: g for g in body["groups"]}
    assert list(groups) == ["groceries", "eating_out", "transport"]
    assert groups["groceries"]["amount"] == 3_500
    assert groups["groceries"]["previous"] == 6_000
    assert groups["groceries"]["change"] == -2_500
    assert groups["eating_out"]["label"] == "Eating out"
    assert groups["eating_out"]["amount"] == 2_800
    assert groups["transport"]["amount"] == 700
    assert body["totals"]["previous"] == 6_000


def test_a_long_category_range_does_not_compare_unless_asked(alice: SignedIn, db: Session) -> None:
    _april_household(db, alice.user_id)
    params = {"group_by": "category", "since": "2025-05-01", "until": "2026-05-01"}
    body = _spending(alice, **params)
    assert body["previous_since"] is None
    assert all(g["previous"] is None for g in body["groups"])
    asked = _spending(alice, compare="true", **params)
    assert asked["previous_since"] == "2024-05-01"
    assert {g["key"]: g["previous"] for g in asked["groups"]}["groceries"] == 0


def test_merchant_breakdown_and_top_merchants(alice: SignedIn, db: Session) -> None:
    _april_household(db, alice.user_id)
    body = _spending(alice, group_by="merchant", since="2026-04-01", until="2026-05-01")
    by_key = {g["key"]: g for g in body["groups"]}
    assert by_key["tesco"]["amount"] == 3_500
    assert by_key["tesco"]["count"] == 3
    assert by_key["tesco"]["label"] == "Tesco"
    assert by_key["dishoom"]["card"] == 2_500
    assert [g["key"] for g in body["top_merchants"]] == ["tesco", "dishoom", "tfl", "pret"]


def test_other_currencies_are_separate(alice: SignedIn, db: Session) -> None:
    _april_household(db, alice.user_id)
    body = _spending(alice, group_by="month", currency="EUR", **MARCH_APRIL)
    assert body["currency"] == "EUR"
    assert body["total"] == 1_234


def test_defaults_to_the_last_twelve_months(alice: SignedIn) -> None:
    body = _spending(alice)
    assert body["group_by"] == "month"
    assert len(body["groups"]) == 12
    assert body["total"] == 0


def test_bad_queries_get_clear_errors(alice: SignedIn) -> None:
    url = "/api/v1/analytics/spending"
    wrong_group = alice.client.get(url, params={"group_by": "week"})
    assert wrong_group.status_code == 422
    assert wrong_group.json()["error"]["code"] == "validation_error"
    assert "group_by" in wrong_group.json()["error"]["message"]
    backwards = alice.client.get(url, params={"since": "2026-05-01", "until": "2026-04-01"})
    assert backwards.status_code == 400
    assert backwards.json()["error"] == {
        "code": "invalid_input",
        "message": "since must be before until.",
    }
    too_long = alice.client.get(url, params={"since": "2000-01-01", "until": "2026-01-01"})
    assert too_long.status_code == 400
    assert alice.client.get(url, params={"currency": "gbp"}).status_code == 422
    assert alice.client.get(url, params={"since": "yesterday"}).status_code == 422


def test_nobody_sees_anyone_elses_spending(alice: SignedIn, bob: SignedIn, db: Session) -> None:
    _april_household(db, alice.user_id)
    assert _spending(bob, group_by="month", **MARCH_APRIL)["total"] == 0
    assert _spending(bob, group_by="merchant", **MARCH_APRIL)["groups"] == []
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 13_000


def test_unauthenticated_callers_are_refused(client: Any) -> None:
    response = client.get("/api/v1/analytics/spending")
    assert response.status_code == 401


def test_the_sql_rule_for_what_counts_agrees_with_the_domain(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    classifications = [None, *(c.value for c in Classification)]
    combos = itertools.product(
        classifications, (-500, 0, 700), (None, "pot_x"), ("settled", "pending", "declined")
    )
    expected: set[str] = set()
    for day, (classification, amount, pot, status) in enumerate(combos):
        row = h.add(
            datetime(2026, 1, 1, tzinfo=UTC).replace(day=1 + day % 28),
            amount,
            classification=classification,
            pot=pot,
            status=status,
        )
        counts = status != "declined" and (
            effective_classification(classification, amount, pot) is Classification.SPENDING
        )
        if counts:
            expected.add(row.id)
    found = set(
        db.scalars(
            select(Transaction.id).where(Transaction.user_id == alice.user_id, is_spending())
        )
    )
    assert found == expected


def test_an_answer_kept_in_memory_never_outlives_a_change(alice: SignedIn, db: Session) -> None:
    h = _april_household(db, alice.user_id)
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 13_000
    # The same question again is answered from memory, and identically.
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 13_000
    # A new row (a webhook, a sync) moves the answer.
    dinner = h.add(_t(16), -2_000, status="pending", merchant="Dishoom")
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 15_000
    # A sync removing a vanished pending row updates its account in the same commit.
    scope = store.Scope(alice.user_id, h.connection_id, "monzo")
    store.store_balance(
        db,
        scope,
        dinner.account_id,
        AccountBalance("current", 123_45, "GBP", datetime.now(UTC)),
    )
    assert store.drop_vanished_pending(db, scope, dinner.account_id, set()) == 1
    db.commit()
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 13_000
    # The user's own re-classification takes effect at once.
    tesco = db.scalars(
        select(Transaction).where(
            Transaction.user_id == alice.user_id, Transaction.amount == -4_000
        )
    ).one()
    response = alice.client.patch(
        f"/api/v1/transactions/{tesco.id}", json={"classification": "internal_transfer"}
    )
    assert response.status_code == 200, response.text
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 9_000


def test_a_classification_run_after_an_answer_was_kept_moves_it(
    alice: SignedIn, db: Session
) -> None:
    h = _april_household(db, alice.user_id)
    # A card repayment the classifier has not seen yet counts by its sign: as spending.
    h.add(_t(20), -30_000, classification=None, category=None, merchant=None, description="AMEX")
    h.add(
        _t(21),
        30_000,
        account="amex",
        classification=None,
        category=None,
        merchant=None,
        description="PAYMENT RECEIVED - THANK YOU",
    )
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 43_000
    result = classify.classify_changed(db, alice.user_id)
    assert result.changed >= 2
    # The classifier's own writes move the answer kept in memory: the pair is a card
    # repayment now, and no spending.
    assert _spending(alice, group_by="month", **MARCH_APRIL)["total"] == 13_000
