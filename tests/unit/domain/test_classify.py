"""Classification: pot moves, own transfers, card repayments, refunds, overrides, pairs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain import categories
from potwise.domain.classify import (
    AccountInfo,
    Classification,
    Context,
    MerchantTxn,
    Txn,
    classify,
    pair_key,
    suggest,
    suggestion_key,
)

T0 = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
MONZO = AccountInfo("monzo", "current", "Current account", "monzo")
JOINT = AccountInfo("joint", "joint", "Joint account", "monzo")
NATWEST = AccountInfo("natwest", "current", "Select Account", "ob-natwest")
AMEX = AccountInfo("amex", "credit_card", "Gold Card", "ob-amex")
BARCLAYCARD = AccountInfo("bc", "credit_card", "Barclaycard Platinum", "uk-ob-barclaycard")
ACCOUNTS = {a.id: a for a in (MONZO, JOINT, NATWEST, AMEX, BARCLAYCARD)}
_ids = itertools.count()


def tx(account: AccountInfo, amount: int, **fields: Any) -> Txn:
    values: dict[str, Any] = {
        "id": fields.pop("id", f"t{next(_ids):04d}"),
        "account_id": account.id,
        "created_at": T0,
        "amount": amount,
        "currency": "GBP",
    }
    values.update(fields)
    return Txn(**values)


def run(*txns: Txn, **context: Any) -> dict[str, Any]:
    ctx = Context(accounts=ACCOUNTS, **context)
    return classify(list(txns), ctx)


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


# --- transfers between own accounts ------------------------------------------------


def test_transfer_to_own_account_at_another_bank_is_paired() -> None:
    out = tx(
        MONZO,
        -30000,
        description="JANE DOE",
        counterparty="JANE DOE",
        provider_category="transfers",
    )
    into = tx(
        NATWEST,
        30000,
        description="JANE DOE SAVINGS",
        counterparty="JANE DOE",
        provider_category="TRANSFER",
        created_at=T0.replace(hour=0, minute=0),
    )
    outcomes = run(out, into)
    assert outcomes[out.id].classification == "internal_transfer"
    assert outcomes[into.id].classification == "internal_transfer"
    assert outcomes[out.id].linked_id == into.id and outcomes[into.id].linked_id == out.id
    assert outcomes[out.id].reason == (
        "Transfer between your accounts — matched £300.00 into Select Account (NatWest), same day"
    )
    assert outcomes[into.id].reason.endswith("from Current account (Monzo), same day")


def test_standing_order_topping_up_monzo_is_paired_days_apart() -> None:
    out = tx(
        NATWEST, -5000, description="JANE DOE TOP UP MONZO", provider_category="STANDING_ORDER"
    )
    into = tx(
        MONZO,
        5000,
        description="TOP UP MONZO",
        counterparty="JANE DOE",
        provider_category="transfers",
        created_at=T0 + timedelta(days=2),
    )
    outcomes = run(out, into)
    assert outcomes[into.id].classification == "internal_transfer"
    assert outcomes[into.id].reason.endswith("2 days apart")


def test_joint_account_contribution_from_own_account_is_internal() -> None:
    out = tx(
        MONZO,
        -105000,
        description="Joint bills",
        counterparty="Joint account",
        provider_category="transfers",
    )
    into = tx(
        JOINT,
        105000,
        description="Joint bills",
        counterparty="Jane Doe",
        provider_category="transfers",
    )
    outcomes = run(out, into)
    assert {o.classification for o in outcomes.values()} == {"internal_transfer"}


def test_partner_paying_into_the_joint_account_is_income_not_internal() -> None:
    partner = tx(
        JOINT,
        100000,
        description="JOINT ACCOUNT",
        counterparty="ALEX SMITH",
        provider_category="transfers",
    )
    assert run(partner)[partner.id].classification == "income"


def test_transfers_more_than_four_days_apart_are_not_paired() -> None:
    out = tx(MONZO, -30000, description="SAVINGS", provider_category="transfers")
    into = tx(
        NATWEST,
        30000,
        description="SAVINGS",
        provider_category="TRANSFER",
        created_at=T0 + timedelta(days=5),
    )
    outcomes = run(out, into)
    assert outcomes[out.id].classification == "spending"
    assert outcomes[into.id].classification == "income"


def test_same_account_opposite_amounts_are_not_a_transfer() -> None:
    out = tx(MONZO, -2000, description="SAVINGS", provider_category="transfers")
    into = tx(MONZO, 2000, description="SAVINGS", provider_category="transfers")
    assert run(out, into)[out.id].linked_id is None


def test_salary_is_never_half_of_a_transfer() -> None:
    out = tx(NATWEST, -250000, description="TRANSFER", provider_category="TRANSFER")
    salary = tx(MONZO, 250000, description="ACME SALARY", provider_category="income")
    outcomes = run(out, salary)
    assert outcomes[salary.id].classification == "income"


def test_card_purchase_and_equal_income_elsewhere_are_not_a_transfer() -> None:
    shop = tx(
        MONZO,
        -4599,
        merchant="Tesco",
        description="TESCO STORES 2214",
        provider_category="groceries",
    )
    credit = tx(NATWEST, 4599, description="TRANSFER", provider_category="TRANSFER")
    outcomes = run(shop, credit)
    assert outcomes[shop.id].classification == "spending"
    assert outcomes[credit.id].classification == "income"


def test_transfer_needs_a_hint_on_at_least_one_side() -> None:
    out = tx(MONZO, -1000, description="A PERSON", provider_category="general")
    into = tx(NATWEST, 1000, description="SOMEONE", provider_category="CREDIT")
    assert run(out, into)[out.id].classification == "spending"


def test_different_currencies_never_pair() -> None:
    out = tx(MONZO, -1000, description="SAVINGS", provider_category="transfers")
    into = tx(NATWEST, 1000, description="SAVINGS", provider_category="TRANSFER", currency="EUR")
    assert run(out, into)[out.id].linked_id is None


# --- card repayments ----------------------------------------------------------------


def test_amex_direct_debit_matches_the_credit_on_the_card() -> None:
    debit = tx(
        MONZO,
        -25000,
        description="AMERICAN EXPRESS",
        counterparty="AMERICAN EXPRESS",
        provider_category="bills",
    )
    credit = tx(
        AMEX,
        25000,
        description="PAYMENT RECEIVED - THANK YOU",
        provider_category="CREDIT",
        created_at=T0 + timedelta(days=1),
    )
    outcomes = run(debit, credit)
    assert outcomes[debit.id].classification == "card_repayment"
    assert outcomes[credit.id].classification == "card_repayment"
    assert outcomes[debit.id].linked_id == credit.id
    assert outcomes[debit.id].reason == (
        "Card repayment — matched £250.00 credit on Gold Card (Amex), 1 day apart"
    )
    assert outcomes[credit.id].reason == (
        "Card repayment — matched £250.00 paid from Current account (Monzo), 1 day apart"
    )


def test_barclaycard_direct_debit_from_another_bank_matches_its_card() -> None:
    debit = tx(NATWEST, -20000, description="BARCLAYCARD", provider_category="DIRECT_DEBIT")
    credit = tx(
        BARCLAYCARD,
        20000,
        description="PAYMENT, THANK YOU",
        provider_category="CREDIT",
        created_at=T0 + timedelta(days=4),
    )
    outcomes = run(debit, credit)
    assert outcomes[debit.id].linked_id == credit.id


def test_repayment_goes_to_the_card_the_debit_names() -> None:
    debit = tx(MONZO, -20000, description="BARCLAYCARD", provider_category="bills")
    amex = tx(AMEX, 20000, description="PAYMENT RECEIVED", created_at=T0 + timedelta(hours=20))
    bc = tx(BARCLAYCARD, 20000, description="PAYMENT RECEIVED", created_at=T0 + timedelta(days=3))
    outcomes = run(debit, amex, bc)
    assert outcomes[debit.id].linked_id == bc.id
    assert outcomes[amex.id].classification == "card_repayment"  # unmatched, still a payment
    assert outcomes[amex.id].linked_id is None


def test_card_refund_is_not_taken_for_a_repayment() -> None:
    debit = tx(MONZO, -3000, description="AMERICAN EXPRESS", provider_category="bills")
    refund = tx(
        AMEX,
        3000,
        merchant="Argos",
        description="ARGOS LTD",
        provider_category="Shopping / General",
    )
    outcomes = run(debit, refund)
    assert outcomes[refund.id].classification == "spending"
    assert outcomes[debit.id].linked_id is None
    assert outcomes[debit.id].classification == "card_repayment"  # names the issuer


def test_repayment_credit_a_week_later_is_too_late() -> None:
    debit = tx(MONZO, -9000, description="TO CARD", provider_category="transfers")
    credit = tx(AMEX, 9000, description="PAYMENT RECEIVED", created_at=T0 + timedelta(days=8))
    assert run(debit, credit)[debit.id].linked_id is None


def test_unmatched_payment_to_a_card_issuer_is_a_repayment_with_its_reason() -> None:
    debit = tx(MONZO, -15000, description="CAPITAL ONE", counterparty="CAPITAL ONE")
    out = run(debit)[debit.id]
    assert out.classification == "card_repayment"
    assert "Capital One" in out.reason


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


# --- categories and rules -------------------------------------------------------------


def rule(category: str, **conditions: Any) -> categories.Rule:
    return categories.Rule(
        id=conditions.pop("id", f"r{next(_ids)}"),
        category=category,
        created_at=conditions.pop("created_at", T0),
        **conditions,
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


# --- one-to-one pairing and rejected pairs ---------------------------------------------


def test_each_transaction_is_in_at_most_one_pair_the_nearest_wins() -> None:
    out = tx(MONZO, -5000, description="TOP UP", provider_category="transfers")
    near = tx(
        NATWEST,
        5000,
        description="TOP UP",
        provider_category="TRANSFER",
        created_at=T0 + timedelta(hours=1),
    )
    far = tx(
        JOINT,
        5000,
        description="TOP UP",
        provider_category="transfers",
        created_at=T0 + timedelta(days=2),
    )
    outcomes = run(out, near, far)
    assert outcomes[out.id].linked_id == near.id
    assert outcomes[far.id].linked_id is None
    assert outcomes[far.id].classification == "income"


def test_two_equal_transfers_pair_up_one_to_one() -> None:
    outs = [
        tx(
            MONZO,
            -5000,
            description="SAVINGS",
            provider_category="transfers",
            created_at=T0 + timedelta(days=d),
        )
        for d in (0, 1)
    ]
    ins = [
        tx(
            NATWEST,
            5000,
            description="SAVINGS",
            provider_category="TRANSFER",
            created_at=T0 + timedelta(days=d),
        )
        for d in (0, 1)
    ]
    outcomes = run(*outs, *ins)
    assert outcomes[outs[0].id].linked_id == ins[0].id
    assert outcomes[outs[1].id].linked_id == ins[1].id


def test_a_rejected_pair_is_never_proposed_again() -> None:
    out = tx(MONZO, -30000, description="SAVINGS", provider_category="transfers")
    into = tx(NATWEST, 30000, description="SAVINGS", provider_category="TRANSFER")
    other = tx(
        JOINT,
        30000,
        description="SAVINGS",
        provider_category="transfers",
        created_at=T0 + timedelta(days=3),
    )
    outcomes = run(out, into, other, rejected_pairs=frozenset({pair_key(into.id, out.id)}))
    assert outcomes[into.id].classification == "income"
    assert outcomes[out.id].linked_id == other.id  # the next-best partner is still allowed


@given(st.permutations(range(6)))
def test_pairing_does_not_depend_on_input_order(order: list[int]) -> None:
    base = [
        tx(MONZO, -5000, id="a", description="SAVINGS", provider_category="transfers"),
        tx(NATWEST, 5000, id="b", description="SAVINGS", provider_category="TRANSFER"),
        tx(JOINT, 5000, id="c", description="SAVINGS", provider_category="transfers"),
        tx(NATWEST, -5000, id="d", description="TOP UP", provider_category="STANDING_ORDER"),
        tx(MONZO, -7000, id="e", description="AMEX", provider_category="bills"),
        tx(AMEX, 7000, id="f", description="PAYMENT RECEIVED", created_at=T0 + timedelta(days=1)),
    ]
    expected = {k: (v.classification, v.linked_id) for k, v in run(*base).items()}
    shuffled = {
        k: (v.classification, v.linked_id) for k, v in run(*[base[i] for i in order]).items()
    }
    assert shuffled == expected
    linked = [v[1] for v in expected.values() if v[1] is not None]
    assert len(linked) == len(set(linked))


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


# --- learned suggestions -------------------------------------------------------------------


def history(*sources: tuple[str, str | None]) -> list[MerchantTxn]:
    return [
        MerchantTxn(f"h{i}", T0 + timedelta(days=i), category, source, "Tesco")
        for i, (category, source) in enumerate(sources)
    ]


def test_three_of_the_last_five_chosen_by_the_user_make_a_suggestion() -> None:
    items = history(
        ("groceries", "provider"),
        ("groceries", "provider"),
        ("household", "user"),
        ("groceries", "provider"),
        ("household", "user"),
        ("household", "user"),
    )
    [s] = suggest({"tesco": items}, [], frozenset())
    assert (s.merchant_key, s.category, s.chosen, s.merchant) == ("tesco", "household", 3, "Tesco")
    assert s.to_change == 3
    assert set(s.evidence) == {"h2", "h4", "h5"}


def test_two_choices_are_not_enough_and_old_choices_fall_out_of_the_window() -> None:
    items = history(
        ("household", "user"),
        ("household", "user"),
        ("groceries", "provider"),
        ("groceries", "provider"),
        ("groceries", "provider"),
        ("household", "user"),
        ("household", "user"),
    )
    assert suggest({"tesco": items}, [], frozenset()) == []


def test_a_dismissed_suggestion_is_never_offered_again() -> None:
    items = history(*[("household", "user")] * 3)
    assert suggest({"tesco": items}, [], frozenset({suggestion_key("tesco", "household")})) == []


def test_no_suggestion_once_a_rule_does_it() -> None:
    items = history(*[("household", "user")] * 3)
    covering = rule("household", merchant_key="tesco")
    narrower = rule("household", merchant_key="tesco", account_id="amex")
    assert suggest({"tesco": items}, [covering], frozenset()) == []
    assert len(suggest({"tesco": items}, [narrower], frozenset())) == 1


def test_classification_values_are_the_contracts() -> None:
    assert {c.value for c in Classification} == {
        "spending",
        "income",
        "internal_transfer",
        "card_repayment",
        "pot_move",
    }
