"""Pairing: transfers between own accounts, card repayments, one to one, rejected pairs."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.classify import (
    pair_key,
)
from tests.unit.domain.classify_builders import (
    AMEX,
    BARCLAYCARD,
    JOINT,
    MONZO,
    NATWEST,
    T0,
    run,
    tx,
)

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
