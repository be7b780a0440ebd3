"""`/api/v1/categories` on SQLite and PostgreSQL: the built-in categories and the user's
own, created, renamed and merged (all at once or not at all), budgets refused for what
is not spending, and one user's categories out of another's reach."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Budget, Category, CategoryRule, Transaction
from potwise.services.insight import category_merge
from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    return message


def _listed(user: SignedIn) -> dict[str, dict[str, Any]]:
    response = user.client.get("/api/v1/categories")
    assert response.status_code == 200, response.text
    return {c["key"]: c for c in response.json()["items"]}


def _create(user: SignedIn, name: str) -> dict[str, Any]:
    response = user.client.post("/api/v1/categories", json={"name": name})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_the_list_holds_the_built_in_categories_and_says_which_can_have_a_budget(
    alice: SignedIn,
) -> None:
    listed = _listed(alice)
    assert listed["eating_out"] | {"count": 0} == {
        "id": "eating_out",
        "key": "eating_out",
        "name": "Eating out",
        "category": "eating_out",
        "standard": True,
        "own": False,
        "budgetable": True,
        "count": 0,
    }
    assert [k for k, c in listed.items() if not c["budgetable"]] == [
        "income",
        "savings",
        "transfers",
    ]
    names = [c["name"] for c in alice.client.get("/api/v1/categories").json()["items"]]
    assert names == sorted(names, key=str.casefold)


def test_a_category_of_ones_own_is_created_and_listed_with_its_count(
    alice: SignedIn, db: Session
) -> None:
    created = _create(alice, "  Kids'  clubs ")
    assert created["name"] == "Kids' clubs"
    assert created["key"] == "kids_clubs"
    assert (created["own"], created["standard"], created["budgetable"]) == (True, False, True)
    row = Household.of(db, alice.user_id).add(NOW, -1_500, category="groceries")
    moved = alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "kids_clubs"})
    assert moved.status_code == 200, moved.text
    assert _listed(alice)["kids_clubs"]["count"] == 1
    assert _listed(alice)["kids_clubs"]["id"] == created["id"]


def test_names_are_checked_empty_long_and_taken_whatever_the_case(alice: SignedIn) -> None:
    _create(alice, "Pets")
    post = alice.client.post
    assert "already have a category called PETS" in _error(
        post("/api/v1/categories", json={"name": "PETS"}), 409, "conflict"
    )
    assert "built-in" in _error(
        post("/api/v1/categories", json={"name": "eating OUT"}), 409, "conflict"
    )
    assert "Give the category a name" in _error(
        post("/api/v1/categories", json={"name": "   "}), 400, "invalid_input"
    )
    assert "at most 40" in _error(
        post("/api/v1/categories", json={"name": "x" * 41}), 400, "invalid_input"
    )
    _error(post("/api/v1/categories", json={"name": ""}), 422, "validation_error")
    _error(post("/api/v1/categories", json={}), 422, "validation_error")
    assert [c["name"] for c in _listed(alice).values() if c["own"]] == ["Pets"]


def test_renaming_keeps_the_key_and_what_carries_it(alice: SignedIn, db: Session) -> None:
    pets = _create(alice, "Pets")
    vet = _create(alice, "Vet")
    h = Household.of(db, alice.user_id)
    row = h.add(NOW, -4_000, category="groceries", merchant="Pets at Home")
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "pets"})
    renamed = alice.client.patch(f"/api/v1/categories/{pets['id']}", json={"name": "Animals"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["key"], renamed.json()["name"]) == ("pets", "Animals")
    assert renamed.json()["count"] == 1
    db.expire_all()
    assert db.get(Transaction, row.id).category == "pets"  # type: ignore[union-attr]
    # Its own name in another case is fine; another category's name is not.
    again = alice.client.patch(f"/api/v1/categories/{pets['id']}", json={"name": "ANIMALS"})
    assert again.status_code == 200, again.text
    _error(
        alice.client.patch(f"/api/v1/categories/{pets['id']}", json={"name": "vet"}),
        409,
        "conflict",
    )
    assert "built in" in _error(
        alice.client.patch("/api/v1/categories/groceries", json={"name": "Food"}),
        400,
        "invalid_input",
    )
    assert _listed(alice)["vet"]["name"] == vet["name"] == "Vet"


def test_a_merge_moves_transactions_rules_and_budget_then_removes_the_category(
    alice: SignedIn, db: Session
) -> None:
    treats = _create(alice, "Treats")
    h = Household.of(db, alice.user_id)
    bought = [h.add(NOW, -500 * (i + 1), category="groceries", merchant="Greggs") for i in range(3)]
    for row in bought[:2]:
        alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "treats"})
    rule = alice.client.post(
        "/api/v1/categories/rules", json={"category": "treats", "merchant_key": "Greggs"}
    )
    assert rule.status_code == 201, rule.text
    with clock.using(clock.FixedClock(NOW)):
        budget = alice.client.post("/api/v1/budgets", json={"category": "treats", "amount": 5_000})
        assert budget.status_code == 201, budget.text
        merged = alice.client.post(
            f"/api/v1/categories/{treats['id']}/merge", json={"into": "eating_out"}
        )
        assert merged.status_code == 200, merged.text
        assert merged.json() == {
            "key": "eating_out",
            "name": "Eating out",
            "transactions": 3,
            "rules": 1,
            "budgets": 1,
        }
        moved_budget = alice.client.get(f"/api/v1/budgets/{budget.json()['id']}").json()
    assert moved_budget["category"] == "eating_out"
    assert moved_budget["progress"]["spent"] == 3_000
    db.expire_all()
    rows = db.scalars(select(Transaction).where(Transaction.user_id == alice.user_id)).all()
    assert {t.category for t in rows} == {"eating_out"}
    # The two put there by hand stay the user's own choice, in the target.
    assert sorted(t.category_source or "" for t in rows).count("user") == 2
    assert db.scalars(select(CategoryRule.category)).all() == ["eating_out"]
    assert db.get(Category, treats["id"]) is None
    assert "treats" not in _listed(alice)
    assert _listed(alice)["eating_out"]["count"] == 3


def test_a_merge_into_another_own_category_and_the_refusals(alice: SignedIn, db: Session) -> None:
    pets = _create(alice, "Pets")
    vet = _create(alice, "Vet")
    row = Household.of(db, alice.user_id).add(NOW, -9_000, category="groceries")
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "vet"})
    url = f"/api/v1/categories/{vet['id']}/merge"
    assert "another category" in _error(
        alice.client.post(url, json={"into": vet["id"]}), 400, "invalid_input"
    )
    _error(alice.client.post(url, json={"into": "nothing-like-it"}), 404, "not_found")
    assert "built in" in _error(
        alice.client.post("/api/v1/categories/groceries/merge", json={"into": pets["id"]}),
        400,
        "invalid_input",
    )
    merged = alice.client.post(url, json={"into": pets["id"]})
    assert merged.status_code == 200, merged.text
    assert (merged.json()["key"], merged.json()["transactions"]) == ("pets", 1)
    _error(alice.client.post(url, json={"into": pets["id"]}), 404, "not_found")  # gone


def test_a_merge_of_two_budgeted_categories_is_refused_and_changes_nothing(
    alice: SignedIn, db: Session
) -> None:
    treats = _create(alice, "Treats")
    row = Household.of(db, alice.user_id).add(NOW, -700, category="groceries")
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "treats"})
    for category in ("treats", "eating_out"):
        created = alice.client.post("/api/v1/budgets", json={"category": category, "amount": 100})
        assert created.status_code == 201, created.text
    message = _error(
        alice.client.post(f"/api/v1/categories/{treats['id']}/merge", json={"into": "eating_out"}),
        409,
        "conflict",
    )
    assert "Treats and Eating out both have a budget" in message
    db.expire_all()
    assert db.get(Transaction, row.id).category == "treats"  # type: ignore[union-attr]
    assert sorted(db.scalars(select(Budget.category))) == ["eating_out", "treats"]
    assert "treats" in _listed(alice)


def test_a_budgeted_category_is_not_merged_into_income(alice: SignedIn) -> None:
    treats = _create(alice, "Treats")
    alice.client.post("/api/v1/budgets", json={"category": "treats", "amount": 100})
    message = _error(
        alice.client.post(f"/api/v1/categories/{treats['id']}/merge", json={"into": "income"}),
        409,
        "conflict",
    )
    assert "Income cannot have one" in message
    assert "treats" in _listed(alice)


def test_a_merge_that_fails_part_way_leaves_everything_as_it_was(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    treats = _create(alice, "Treats")
    h = Household.of(db, alice.user_id)
    row = h.add(NOW, -700, category="groceries")
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "treats"})
    alice.client.post(
        "/api/v1/categories/rules", json={"category": "treats", "description_contains": "cake"}
    )
    alice.client.post("/api/v1/budgets", json={"category": "treats", "amount": 100})

    def fail_on_removal(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The last step: transactions, rules and budget have moved by now.
        if statement.lstrip().upper().startswith("DELETE FROM CATEGORIES"):
            raise RuntimeError("the database went away")

    event.listen(engine, "before_cursor_execute", fail_on_removal)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            category_merge.merge(
                db, alice.user_id, treats["id"], "eating_out", fallback_timezone="Europe/London"
            )
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_removal)
    db.expire_all()
    assert db.get(Transaction, row.id).category == "treats"  # type: ignore[union-attr]
    assert db.scalars(select(CategoryRule.category)).all() == ["treats"]
    assert db.scalars(select(Budget.category)).all() == ["treats"]
    assert db.get(Category, treats["id"]) is not None
    assert _listed(alice)["treats"]["count"] == 1


def test_no_budget_for_income_transfers_or_savings(alice: SignedIn) -> None:
    for key, name in (("income", "Income"), ("transfers", "Transfers"), ("savings", "Savings")):
        message = _error(
            alice.client.post("/api/v1/budgets", json={"category": key, "amount": 10_000}),
            400,
            "invalid_input",
        )
        assert f"{name} is not spending, so it cannot have a budget" in message
    created = alice.client.post("/api/v1/budgets", json={"category": "groceries", "amount": 100})
    assert created.status_code == 201, created.text
    assert "not spending" in _error(
        alice.client.patch(f"/api/v1/budgets/{created.json()['id']}", json={"category": "income"}),
        400,
        "invalid_input",
    )
    assert "no category 'nonsense'" in _error(
        alice.client.post("/api/v1/budgets", json={"category": "nonsense", "amount": 100}),
        400,
        "invalid_input",
    )
    assert [b["category"] for b in alice.client.get("/api/v1/budgets").json()["items"]] == [
        "groceries"
    ]


def test_a_budget_on_an_own_category_alerts_by_its_name(alice: SignedIn, db: Session) -> None:
    treats = _create(alice, "Little treats")
    row = Household.of(db, alice.user_id).add(NOW, -9_000, category="groceries")
    with clock.using(clock.FixedClock(NOW)):
        alice.client.post("/api/v1/budgets", json={"category": treats["key"], "amount": 10_000})
        alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": treats["key"]})
    notices = alice.client.get("/api/v1/notices").json()["items"]
    assert any("your Little treats budget" in n["message"] for n in notices), notices


def test_another_users_categories_are_out_of_reach(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    pets = _create(alice, "Pets")
    bobs = _create(bob, "Pets")  # the same name is Bob's to use too
    assert bobs["key"] == "pets" and bobs["id"] != pets["id"]
    vet = _create(bob, "Vet")
    assert "vet" not in _listed(alice)
    _error(
        bob.client.patch(f"/api/v1/categories/{pets['id']}", json={"name": "Mine"}),
        404,
        "not_found",
    )
    _error(
        bob.client.post(f"/api/v1/categories/{pets['id']}/merge", json={"into": "groceries"}),
        404,
        "not_found",
    )
    _error(
        alice.client.post(f"/api/v1/categories/{pets['id']}/merge", json={"into": vet["id"]}),
        404,
        "not_found",
    )
    db.expire_all()
    assert db.get(Category, pets["id"]).name == "Pets"  # type: ignore[union-attr]
    assert _listed(alice)["pets"]["own"]


def test_spending_by_category_names_own_categories_as_the_user_does(
    alice: SignedIn, db: Session
) -> None:
    pets = _create(alice, "Pets")
    row = Household.of(db, alice.user_id).add(NOW, -4_000, merchant="Pets at Home")
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "pets"})
    alice.client.patch(f"/api/v1/categories/{pets['id']}", json={"name": "Animals"})
    with clock.using(clock.FixedClock(NOW)):
        answer = alice.client.get(
            "/api/v1/analytics/spending",
            params={"group_by": "category", "since": "2026-04-01", "until": "2026-05-01"},
        )
    assert answer.status_code == 200, answer.text
    groups = {g["key"]: g for g in answer.json()["groups"]}
    assert (groups["pets"]["label"], groups["pets"]["amount"]) == ("Animals", 4_000)
