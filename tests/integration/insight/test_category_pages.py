"""The /categories page and the lists of categories on the other pages, over HTTP on
SQLite and PostgreSQL: create, rename and merge in forms, refusals in words with nothing
changed, the same list in budgets, transactions and spending, and a filter's totals."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Budget, Category, Transaction
from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def _create(user: SignedIn, name: str) -> str:
    response = user.client.post("/categories", data={"name": name}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/categories?flash=category_created#category-")
    return response.headers["location"].rsplit("#category-", 1)[1]


def _options(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found is not None, select_id
    return re.findall(r">([^<]+)</option>", found[1])


def test_the_categories_page_creates_renames_and_merges(alice: SignedIn, db: Session) -> None:
    page = alice.client.get("/categories")
    assert page.status_code == 200
    assert "<h1>Categories</h1>" in page.text
    assert "Not spending: no budget" in page.text  # income, transfers, savings
    pets_id = _create(alice, "Pets")
    shown = alice.client.get("/categories?flash=category_created").text
    assert "Category created." in shown
    assert f'id="category-{pets_id}"' in shown
    renamed = alice.client.post(
        f"/categories/{pets_id}/rename", data={"name": "Animals"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    db.expire_all()
    assert db.get(Category, pets_id).name == "Animals"  # type: ignore[union-attr]
    row = Household.of(db, alice.user_id).add(NOW, -2_000, category="groceries")
    alice.client.post(f"/transactions/{row.id}/category", data={"category": "pets"})
    merged = alice.client.post(
        f"/categories/{pets_id}/merge", data={"into": "shopping"}, follow_redirects=False
    )
    assert merged.status_code == 303
    assert "Merged:" in alice.client.get(merged.headers["location"]).text
    db.expire_all()
    assert db.get(Category, pets_id) is None
    assert db.get(Transaction, row.id).category == "shopping"  # type: ignore[union-attr]


def test_refusals_are_said_in_words_and_change_nothing(alice: SignedIn, db: Session) -> None:
    pets_id = _create(alice, "Pets")
    _create(alice, "Vet")
    twice = alice.client.post("/categories", data={"name": "pets"})
    assert twice.status_code == 400
    assert "You already have a category called pets." in twice.text
    assert 'value="pets"' in twice.text  # what was typed is kept
    empty = alice.client.post("/categories", data={"name": "  "})
    assert empty.status_code == 400 and "Give the category a name." in empty.text
    taken = alice.client.post(f"/categories/{pets_id}/rename", data={"name": "VET"})
    assert taken.status_code == 400 and "already have a category called VET" in taken.text
    unchosen = alice.client.post(f"/categories/{pets_id}/merge", data={"into": ""})
    assert unchosen.status_code == 400 and "Choose the category to merge into." in unchosen.text
    for key in ("pets", "eating_out"):
        alice.client.post("/budgets", data={"category": key, "amount": "10"})
    both = alice.client.post(f"/categories/{pets_id}/merge", data={"into": "eating_out"})
    assert both.status_code == 400
    assert "Pets and Eating out both have a budget" in both.text
    db.expire_all()
    assert sorted(db.scalars(select(Category.name))) == ["Pets", "Vet"]
    assert sorted(db.scalars(select(Budget.category))) == ["eating_out", "pets"]


def test_another_users_category_pages_are_not_found(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    pets_id = _create(alice, "Pets")
    bobs_id = _create(bob, "Vet")
    for path, data in (
        (f"/categories/{pets_id}/rename", {"name": "Mine"}),
        (f"/categories/{pets_id}/merge", {"into": "groceries"}),
        (f"/categories/{bobs_id}/merge", {"into": "groceries"}),  # Alice, at Bob's
    ):
        user = alice if bobs_id in path else bob
        response = user.client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 404, path
    into_bobs = alice.client.post(f"/categories/{pets_id}/merge", data={"into": bobs_id})
    assert into_bobs.status_code == 404
    assert "Pets" not in bob.client.get("/categories").text.split("Built-in categories")[0]
    db.expire_all()
    assert sorted(db.scalars(select(Category.name))) == ["Pets", "Vet"]


def test_budgets_offer_the_same_list_without_income_and_refuse_it_in_words(
    alice: SignedIn, db: Session
) -> None:
    _create(alice, "Kids' clubs")
    page = alice.client.get("/budgets").text
    offered = _options(page, "category")
    assert "Kids&#39; clubs" in offered and "Groceries" in offered
    assert not {"Income", "Transfers", "Savings"} & set(offered)
    assert 'href="/categories"' in page
    refused = alice.client.post("/budgets", data={"category": "income", "amount": "100"})
    assert refused.status_code == 400
    assert "Income is not spending, so it cannot have a budget" in refused.text
    assert db.scalars(select(Budget)).all() == []
    assert 'href="/categories"' in alice.client.get("/settings").text


def test_transactions_offer_the_same_list_to_filter_and_recategorise(
    alice: SignedIn, db: Session
) -> None:
    _create(alice, "Kids' clubs")
    h = Household.of(db, alice.user_id)
    h.add(NOW, -1_000, merchant="Tesco")
    h.add(NOW, -2_500, merchant="Tesco")
    h.add(NOW, 500, merchant="Tesco")
    h.add(NOW, -9_000, merchant="Swim club", category="family")
    page = alice.client.get("/transactions").text
    filter_options = _options(page, "category")
    assert filter_options[0] == "All categories"
    assert "Kids&#39; clubs" in filter_options and "Income" in filter_options
    assert "Kids&#39; clubs" in page.split('name="category">', 2)[2]  # a row's form
    assert 'id="tx-summary"' not in page  # no filter, no totals
    filtered = alice.client.get("/transactions", params={"category": "groceries"})
    assert filtered.status_code == 200
    assert "Swim club" not in filtered.text
    summary = filtered.text.split('id="tx-summary"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"<dt>Transactions</dt><dd class=\"num\">3</dd>", summary)
    assert "£5.00" in summary and "-£35.00" in summary and "-£30.00" in summary
    unknown = alice.client.get("/transactions", params={"category": "nope"})
    assert unknown.status_code == 400 and "Choose a category from the list." in unknown.text
    by_amount = alice.client.get("/transactions", params={"q": "£90"})
    listed = by_amount.text.split("tx-table")[1]
    assert "Swim Club" in listed and "Tesco" not in listed


def test_spending_shows_own_categories_by_name_and_links_to_their_transactions(
    alice: SignedIn, db: Session
) -> None:
    clubs = _create(alice, "Kids' clubs")
    key = db.get(Category, clubs).key  # type: ignore[union-attr]
    row = Household.of(db, alice.user_id).add(NOW, -9_000, merchant="Swim club")
    alice.client.post(f"/transactions/{row.id}/category", data={"category": key})
    with clock.using(clock.FixedClock(NOW)):
        page = alice.client.get("/spending").text
    # This month is shown up to today: the link asks for the same days.
    link = f'href="/transactions?category={key}&amp;since=2026-04-01&amp;until=2026-04-15"'
    assert f"{link}>Kids&#39; clubs</a>" in page
