"""Classification: pot moves, refunds, income and spending, overrides, incremental runs."""

from __future__ import annotations

from potwise.domain.classify import (
    Classification,
    Context,
    classify,
)
from tests.unit.domain.classify_builders import (
    ACCOUNTS,
    AMEX,
    JOINT,
    MONZO,
    NATWEST,
    run,
    tx,
)

# --- pot moves ---------------------------------------------------------------------


def test_monzo_pot_deposit_is_a_pot_move_naming_the_pot() -> None:
    deposit = tx(MONZO, -12000, description="pot_1", pot_external_id="pot_1")
    out = run(deposit, pot_names={"pot_1": "Bills"})[deposit.id]
    assert out.classification == "pot_move"
    assert out.reason == "Pot move — into your Bills pot"
    assert out.merchant_key is None


def test_pot_withdrawal_is_never_paired_even_with_an_opposite_amount() -> None:
    withdraw = tx(MONZO, 5000, pot_external_id="pot_1", provider_category="transfers")
    paid = tx(NATWEST, -5000, description="TRANSFER", provider_category="TRANSFER")
    outcomes = run(withdraw, paid)
    assert outcomes[withdraw.id].classification == "pot_move"
    assert outcomes[withdraw.id].linked_id is None
    assert outcomes[paid.id].classification == "spending"


# --- refunds, income, spending -------------------------------------------------------


def test_refund_is_spending_reversed_in_its_category_not_income() -> None:
    refund = tx(
        MONZO, 2500, merchant="Argos", description="ARGOS LTD", provider_category="shopping"
    )
    out = run(refund)[refund.id]
    assert out.classification == "spending"
    assert out.category == "shopping"
    assert out.reason.startswith("Refund from Argos")


def test_refund_without_a_provider_category_takes_the_merchants_category() -> None:
    refund = tx(AMEX, 2500, merchant="Tesco", description="TESCO STORES 2214 LEEDS")
    out = run(refund, merchant_categories={"tesco": "groceries"})[refund.id]
    assert (out.classification, out.category) == ("spending", "groceries")


def test_money_in_without_a_merchant_is_income() -> None:
    pay = tx(MONZO, 285000, description="ACME SALARY", provider_category="income")
    out = run(pay)[pay.id]
    assert (out.classification, out.category) == ("income", "income")


def test_card_purchase_is_spending_with_the_providers_category() -> None:
    buy = tx(
        AMEX,
        -4200,
        merchant="Tesco",
        description="TESCO STORES 2214 LEEDS",
        provider_category="Shopping / Groceries",
    )
    out = run(buy)[buy.id]
    assert (out.classification, out.category, out.category_source) == (
        "spending",
        "groceries",
        "provider",
    )
    assert out.merchant_key == "tesco"


def test_users_classification_is_kept_and_never_paired() -> None:
    out = tx(
        MONZO,
        -30000,
        description="SAVINGS",
        provider_category="transfers",
        classification="spending",
        classification_source="user",
        classification_reason="You marked this as spending",
    )
    into = tx(NATWEST, 30000, description="SAVINGS", provider_category="TRANSFER")
    outcomes = run(out, into)
    assert outcomes[out.id].classification == "spending"
    assert outcomes[out.id].classification_source == "user"
    assert outcomes[into.id].linked_id is None


# --- incremental runs ---------------------------------------------------------------------


def test_a_new_transaction_pairs_with_an_unpaired_one_already_decided() -> None:
    old = tx(
        MONZO,
        -30000,
        description="SAVINGS",
        provider_category="transfers",
        classification="spending",
        classification_source="auto",
    )
    new = tx(NATWEST, 30000, description="SAVINGS", provider_category="TRANSFER")
    outcomes = classify([old, new], Context(accounts=ACCOUNTS), targets=frozenset({new.id}))
    assert outcomes[new.id].linked_id == old.id
    assert outcomes[old.id].classification == "internal_transfer"


def test_an_already_paired_transaction_is_not_taken_by_a_newcomer() -> None:
    a = tx(
        MONZO,
        -30000,
        id="a",
        description="SAVINGS",
        provider_category="transfers",
        classification="internal_transfer",
        classification_source="auto",
        linked_id="b",
    )
    b = tx(
        NATWEST,
        30000,
        id="b",
        description="SAVINGS",
        provider_category="TRANSFER",
        classification="internal_transfer",
        classification_source="auto",
        linked_id="a",
    )
    new = tx(JOINT, 30000, id="n", description="SAVINGS", provider_category="transfers")
    outcomes = classify([a, b, new], Context(accounts=ACCOUNTS), targets=frozenset({"n"}))
    assert set(outcomes) == {"n"}
    assert outcomes["n"].classification == "income"


def test_a_partner_that_vanished_frees_the_other_half() -> None:
    a = tx(
        MONZO,
        -30000,
        id="a",
        description="SAVINGS",
        provider_category="transfers",
        classification="internal_transfer",
        classification_source="auto",
        linked_id="gone",
    )
    settled = tx(NATWEST, 30000, id="s", description="SAVINGS", provider_category="TRANSFER")
    outcomes = classify([a, settled], Context(accounts=ACCOUNTS), targets=frozenset({"s"}))
    assert outcomes["s"].linked_id == "a" and outcomes["a"].linked_id == "s"


def test_classification_values_are_the_contracts() -> None:
    assert {c.value for c in Classification} == {
        "spending",
        "income",
        "internal_transfer",
        "card_repayment",
        "pot_move",
    }
