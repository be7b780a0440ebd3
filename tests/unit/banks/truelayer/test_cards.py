"""What is owed on a card, per issuer (the reference's card-pot recipe)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from potwise.banks.truelayer import owed_on_card
from potwise.domain.mirror import AccountBalance, BankTransaction, TransactionStatus

AT = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def balance(
    pence: int,
    *,
    available: int | None = None,
    credit_limit: int | None = None,
) -> AccountBalance:
    """A card balance in our view: negative when owed."""
    return AccountBalance(
        external_id="card-1",
        balance=pence,
        currency="GBP",
        at=AT,
        available=available,
        credit_limit=credit_limit,
    )


def pending(*amounts: int, currency: str = "GBP") -> list[BankTransaction]:
    """Pending card rows in our view: charges negative, refunds/payments positive."""
    return [
        BankTransaction(
            external_id=f"p{index}",
            account_external_id="card-1",
            created_at=AT,
            amount=amount,
            currency=currency,
            status=TransactionStatus.PENDING,
            description="PENDING",
        )
        for index, amount in enumerate(amounts)
    ]


@pytest.mark.parametrize("provider", ["ob-amex", "uk-ob-amex", "oauth-amex", "AMEX"])
def test_amex_owes_posted_balance_plus_pending_charges(provider: str) -> None:
    assert owed_on_card(provider, balance(-87235), pending(-1832, -500)) == 87235 + 1832 + 500


def test_amex_pending_refunds_and_payments_never_lower_what_is_owed() -> None:
    # Reference §13: uncertain whether pending credits should count; the
    # safe reading (and what the studied tools do) ignores them.
    assert owed_on_card("ob-amex", balance(-10000), pending(-1832, 4000, 61108)) == 11832


def test_amex_pending_in_another_currency_is_not_added_as_pence() -> None:
    assert owed_on_card("ob-amex", balance(-10000), pending(-2500, currency="USD")) == 10000


def test_amex_card_in_credit_with_small_pending_charge_owes_nothing() -> None:
    assert owed_on_card("ob-amex", balance(1000), pending(-500)) == 0


@pytest.mark.parametrize("provider", ["uk-ob-barclaycard", "ob-barclaycard", "BARCLAYCARD"])
def test_barclaycard_owes_the_posted_balance_only_as_pending_is_already_included(
    provider: str,
) -> None:
    assert owed_on_card(provider, balance(-50000), pending(-1500, 2000)) == 50000


def test_halifax_owes_limit_minus_available_which_accounts_for_pending() -> None:
    card = balance(-40000, available=55000, credit_limit=100000)
    assert owed_on_card("uk-ob-halifax", card, []) == 45000


def test_halifax_without_available_falls_back_to_the_posted_balance() -> None:
    assert owed_on_card("ob-halifax", balance(-40000, credit_limit=100000), []) == 40000


def test_other_issuers_owe_the_posted_balance_ignoring_pending() -> None:
    assert owed_on_card("ob-natwest", balance(-12345), pending(-999)) == 12345


def test_a_card_in_credit_owes_nothing() -> None:
    assert owed_on_card("uk-ob-barclaycard", balance(2500), []) == 0
