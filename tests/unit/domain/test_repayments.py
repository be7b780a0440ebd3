"""Card repayments on their way: seen leaving a bank, not on the card yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from potwise.domain.repayments import LANDS_WITHIN, CardCredit, Repayment, on_its_way

PAID = datetime(2026, 12, 3, 9, 14, tzinfo=UTC)
NOW = PAID + timedelta(hours=2)
DD = Repayment("tx_dd", 25000, PAID)


def test_a_repayment_after_the_card_was_read_is_on_its_way() -> None:
    found = on_its_way(
        [DD], [], balance_at=PAID - timedelta(hours=3), transactions_at=None, now=NOW
    )
    assert found == (DD,)


def test_a_repayment_whose_credit_landed_on_the_card_is_not() -> None:
    credit = CardCredit("tx_credit", 25000, PAID + timedelta(days=1))
    later = PAID + timedelta(days=1, hours=2)
    found = on_its_way([DD], [credit], balance_at=later, transactions_at=later, now=later)
    assert found == ()


def test_a_credit_of_another_amount_does_not_land_it() -> None:
    credit = CardCredit("tx_credit", 20000, PAID + timedelta(days=1))
    later = PAID + timedelta(days=1, hours=2)
    found = on_its_way([DD], [credit], balance_at=later, transactions_at=later, now=later)
    assert found == (DD,)


def test_each_credit_lands_one_payment() -> None:
    second = Repayment("tx_dd2", 25000, PAID + timedelta(minutes=5))
    credit = CardCredit("tx_credit", 25000, PAID + timedelta(days=1))
    later = PAID + timedelta(days=1, hours=2)
    found = on_its_way([DD, second], [credit], balance_at=later, transactions_at=later, now=later)
    assert found == (second,)


def test_a_pairing_by_classification_lands_it() -> None:
    paired = Repayment("tx_dd", 25000, PAID, paired_with="tx_credit")
    credit = CardCredit("tx_credit", 24999, PAID + timedelta(days=1))
    later = PAID + timedelta(days=2)
    assert on_its_way([paired], [credit], balance_at=later, transactions_at=later, now=later) == ()


def test_a_balance_read_after_the_payment_without_its_transactions_is_trusted() -> None:
    # The balance may include the credit already: take nothing off (the safe reading).
    read = PAID + timedelta(hours=1)
    found = on_its_way(
        [DD], [], balance_at=read, transactions_at=PAID - timedelta(hours=5), now=NOW
    )
    assert found == ()


def test_a_full_read_after_the_payment_without_the_credit_keeps_it_on_its_way() -> None:
    read = PAID + timedelta(hours=1)
    assert on_its_way([DD], [], balance_at=read, transactions_at=read, now=NOW) == (DD,)


def test_old_repayments_and_unread_cards_count_nothing() -> None:
    old_now = PAID + LANDS_WITHIN + timedelta(minutes=1)
    assert (
        on_its_way(
            [DD], [], balance_at=PAID - timedelta(hours=1), transactions_at=None, now=old_now
        )
        == ()
    )
    assert on_its_way([DD], [], balance_at=None, transactions_at=None, now=NOW) == ()
