"""Category names and keys, which categories a budget can cap, and amounts in a search."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain import categories
from potwise.domain import category_names as naming
from potwise.domain.amount_search import AmountQuery, amount_query


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Pets", "Pets"),
        ("  Kids'   clubs ", "Kids' clubs"),
        ("Café\tlunches", "Café lunches"),
        ("x" * naming.MAX_NAME, "x" * naming.MAX_NAME),
    ],
)
def test_a_name_is_kept_as_typed_with_its_spaces_tidied(typed: str, kept: str) -> None:
    assert naming.clean_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "Give the category a name"),
        ("   \n ", "Give the category a name"),
        ("x" * (naming.MAX_NAME + 1), "at most 40 characters"),
        ("Bad\x00name", "control characters"),
    ],
)
def test_an_empty_long_or_unprintable_name_is_refused(typed: str, why: str) -> None:
    with pytest.raises(naming.InvalidCategoryName, match=why):
        naming.clean_name(typed)


def test_names_differing_in_case_alone_are_the_same_name() -> None:
    assert naming.folded("Eating OUT") == naming.folded(" eating  out") == "eating out"
    assert naming.built_in_names()["eating out"] == "eating_out"


@pytest.mark.parametrize(
    ("name", "taken", "key"),
    [
        ("Pets", set(), "pets"),
        ("Kids' clubs", set(), "kids_clubs"),
        ("Kids' clubs", {"kids_clubs"}, "kids_clubs_2"),
        ("Kids' clubs", {"kids_clubs", "kids_clubs_2"}, "kids_clubs_3"),
        ("Café", set(), "cafe"),
        ("2nd car", set(), "c_2nd_car"),
        ("£££", set(), "category"),
        ("Groceries", set(), "groceries_2"),  # a built-in key is never reused
    ],
)
def test_a_new_categorys_key_is_made_from_its_name(name: str, taken: set[str], key: str) -> None:
    assert naming.key_for(name, taken) == key


@given(st.text(min_size=1, max_size=naming.MAX_NAME), st.sets(st.text(max_size=10), max_size=5))
def test_every_key_made_is_a_valid_own_category_and_free(name: str, taken: set[str]) -> None:
    key = naming.key_for(name, taken)
    assert categories.is_valid(key)
    assert key not in taken
    assert key not in categories.CATEGORIES


def test_only_spending_categories_can_have_a_budget() -> None:
    assert not naming.can_budget("income")
    assert not naming.can_budget("transfers")
    assert not naming.can_budget("savings")
    assert naming.can_budget("groceries")
    assert naming.can_budget("pets")  # one of the user's own
    assert "Income is not spending" in naming.not_budgetable_message("Income")


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("12.99", AmountQuery(1_299, 0)),
        ("£12.99", AmountQuery(1_299, 0)),
        (" -12.99 ", AmountQuery(1_299, -1)),
        ("-£12.99", AmountQuery(1_299, -1)),
        ("+12.99", AmountQuery(1_299, 1)),
        ("12", AmountQuery(1_200, 0)),
        ("1,200.50", AmountQuery(120_050, 0)),
        ("12.5", AmountQuery(1_250, 0)),
        ("tesco", None),
        ("12.999", None),  # more decimals than pence
        ("€12.99", None),  # another currency's symbol
        ("0.00", None),
        ("flat 12", None),
        ("", None),
    ],
)
def test_a_search_that_reads_as_an_amount_names_it(typed: str, query: AmountQuery | None) -> None:
    assert amount_query(typed) == query


def test_an_amount_without_a_sign_matches_money_in_and_out() -> None:
    assert set(AmountQuery(1_299, 0).amounts()) == {1_299, -1_299}
    assert AmountQuery(1_299, -1).amounts() == (-1_299,)
    assert AmountQuery(1_299, 1).amounts() == (1_299,)
