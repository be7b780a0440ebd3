"""Categories: user rules, the provider's categories in ours, category names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from potwise.domain import categories
from tests.unit.domain.classify_builders import (
    MONZO,
    T0,
    rule,
    run,
    tx,
)


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        ({"merchant_key": "tesco"}, True),
        ({"merchant_key": "asda"}, False),
        ({"description_contains": "stores"}, True),
        ({"description_contains": "nope"}, False),
        ({"description_equals": "tesco stores 2214"}, True),
        ({"description_equals": "tesco"}, True),  # the merchant name counts too
        ({"description_equals": "tesco stores"}, False),
        ({"min_amount": -5000, "max_amount": -4000}, True),
        ({"min_amount": -4000}, False),
        ({"account_id": "monzo"}, True),
        ({"account_id": "amex"}, False),
        ({"merchant_key": "tesco", "account_id": "amex"}, False),
        ({}, False),  # a rule without conditions matches nothing
    ],
)
def test_rule_conditions_all_have_to_hold(conditions: dict[str, Any], matches: bool) -> None:
    buy = tx(
        MONZO,
        -4200,
        merchant="Tesco",
        description="TESCO STORES 2214",
        provider_category="groceries",
    )
    out = run(buy, rules=[rule("household", **conditions)])[buy.id]
    assert (out.category == "household") is matches
    assert out.category_source == ("rule" if matches else "provider")


def test_lower_priority_number_wins_then_the_older_rule() -> None:
    buy = tx(MONZO, -4200, merchant="Tesco", provider_category="groceries")
    rules = [
        rule("b_newer", merchant_key="tesco", created_at=T0 + timedelta(days=1)),
        rule("a_older", merchant_key="tesco"),
        rule("urgent", merchant_key="tesco", priority=1, created_at=T0 + timedelta(days=2)),
    ]
    assert run(buy, rules=rules)[buy.id].category == "urgent"
    assert run(buy, rules=rules[:2])[buy.id].category == "a_older"


def test_users_own_category_beats_every_rule() -> None:
    buy = tx(MONZO, -4200, merchant="Tesco", category="treats", category_source="user")
    out = run(buy, rules=[rule("household", merchant_key="tesco", priority=0)])[buy.id]
    assert (out.category, out.category_source) == ("treats", "user")


@pytest.mark.parametrize(
    ("provider", "category"),
    [
        ("groceries", "groceries"),
        ("eating_out", "eating_out"),
        ("Shopping / Groceries", "groceries"),
        ("Shopping / Clothing", "shopping"),
        ("Food & Dining / Coffee shops", "eating_out"),
        ("Auto & Transport / Gas & Fuel", "transport"),
        ("Travel / Hotel", "holidays"),
        ("Home / Furnishings", "shopping"),
        ("Health & Fitness / Pharmacy", "personal_care"),
        ("DIRECT_DEBIT", "bills"),
        ("ATM", "cash"),
        ("TRANSFER", "transfers"),
        ("PURCHASE", None),
        ("", None),
        (None, None),
    ],
)
def test_provider_categories_map_onto_ours(provider: str | None, category: str | None) -> None:
    assert categories.from_provider(provider) == category


def test_category_names_are_validated() -> None:
    assert categories.is_valid("groceries")
    assert categories.is_valid("kids_clubs")
    assert not categories.is_valid("")
    assert not categories.is_valid("Groceries!")
    assert not categories.is_valid("x" * 65)
