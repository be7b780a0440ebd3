"""TrueLayer → domain types, in our sign convention, with exact money."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from potwise.banks.truelayer import mapping, schemas
from potwise.domain.mirror import AccountKind, TransactionStatus

from . import fixtures

SEEN = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def results(text: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(text, parse_float=Decimal)["results"]  # type: ignore[no-any-return]


def card_row(amount: str, kind: str | None, **extra: object) -> schemas.CardTransaction:
    row: dict[str, object] = {
        "transaction_id": "t",
        "timestamp": "2025-03-01T00:00:00Z",
        "description": "X",
        "amount": Decimal(amount),
        "currency": "GBP",
        "transaction_classification": [],
        **extra,
    }
    if kind is not None:
        row["transaction_type"] = kind
    return schemas.CardTransaction.model_validate(row)


def account_row(amount: str, **extra: object) -> schemas.Transaction:
    row: dict[str, object] = {
        "transaction_id": "t",
        "timestamp": "2025-03-01T00:00:00Z",
        "description": "X",
        "amount": Decimal(amount),
        "currency": "GBP",
        "transaction_type": "DEBIT" if Decimal(amount) < 0 else "CREDIT",
        **extra,
    }
    return schemas.Transaction.model_validate(row)


def card_balance(**fields: object) -> schemas.CardBalance:
    return schemas.CardBalance.model_validate({"currency": "GBP", **fields})


# -- exact money ----------------------------------------------------------------


def test_tenths_add_up_exactly_in_pence() -> None:
    amounts = [
        mapping.map_account_transaction("a", account_row(x), status=TransactionStatus.SETTLED)
        for x in ("0.1", "0.2")
    ]
    assert [t.amount for t in amounts] == [10, 20]
    assert sum(t.amount for t in amounts) == 30  # 0.1 + 0.2 == 0.3, exactly


@pytest.mark.parametrize(
    ("amount", "pence"),
    [
        ("0.125", 12),  # half to even: down
        ("0.135", 14),  # half to even: up
        ("-2.675", -268),
        ("1.005", 100),
        ("1.0051", 101),
        ("-6", -600),
        ("2450.00", 245000),
    ],
)
def test_three_decimal_amounts_round_half_even_once(amount: str, pence: int) -> None:
    row = mapping.map_account_transaction(
        "a", account_row(amount), status=TransactionStatus.SETTLED
    )
    assert row.amount == pence


def test_decimal_json_numbers_become_exact_pence_without_floats() -> None:
    [tesco, salary] = [
        mapping.map_account_transaction(
            "a", schemas.Transaction.model_validate(raw), status=TransactionStatus.SETTLED
        )
        for raw in results(fixtures.ACCOUNT_TRANSACTIONS)
    ]
    assert (tesco.amount, salary.amount) == (-2347, 245000)


# -- bank accounts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("account_type", "name", "kind"),
    [
        ("TRANSACTION", "Classic Account", AccountKind.CURRENT),
        ("BUSINESS_TRANSACTION", "Business Current", AccountKind.CURRENT),
        ("SAVINGS", "Easy Saver", AccountKind.SAVINGS),
        ("BUSINESS_SAVINGS", "Business Reserve", AccountKind.SAVINGS),
        ("SAVING", "Old Mock Saver", AccountKind.SAVINGS),  # the old SDK fixture's spelling
        ("TRANSACTION", "Joint Account", AccountKind.JOINT),
        ("SOMETHING_NEW", "Mystery", AccountKind.CURRENT),
        (None, "Jointly Owned? no", AccountKind.CURRENT),
    ],
)
def test_account_kinds(account_type: str | None, name: str, kind: AccountKind) -> None:
    raw = schemas.Account.model_validate(
        {"account_id": "a", "account_type": account_type, "display_name": name, "currency": "GBP"}
    )
    assert mapping.map_account(raw).kind is kind


def test_overdrawn_account_balance_stays_negative() -> None:
    raw = schemas.AccountBalance.model_validate(
        {"currency": "GBP", "current": Decimal("-120.50"), "available": Decimal("629.50")}
    )
    balance = mapping.map_account_balance("a", raw, observed_at=SEEN)
    assert (balance.balance, balance.available, balance.at) == (-12050, 62950, SEEN)


def test_account_amounts_keep_their_sign_even_when_the_type_disagrees() -> None:
    # The Mock bank sent a CREDIT/PURCHASE with -20.5; for accounts the sign is
    # authoritative (reference §5: "account amount → as-is").
    raw = account_row("-20.5", transaction_type="CREDIT", transaction_category="PURCHASE")
    assert (
        mapping.map_account_transaction("a", raw, status=TransactionStatus.SETTLED).amount == -2050
    )


# -- cards: transactions ----------------------------------------------------------


def test_amex_purchase_positive_debit_is_money_out() -> None:
    [purchase, payment] = [
        mapping.map_card_transaction(
            fixtures.AMEX_CARD_ID,
            schemas.CardTransaction.model_validate(raw),
            status=TransactionStatus.SETTLED,
        )
        for raw in results(fixtures.CARD_TRANSACTIONS)
    ]
    assert purchase.amount == -895
    assert payment.amount == 61108
    assert purchase.merchant == "Pret A Manger"


@pytest.mark.parametrize(
    ("amount", "kind", "ours"),
    [
        ("18.32", "DEBIT", -1832),  # Amex/Barclaycard purchase
        ("-40.00", "CREDIT", 4000),  # refund
        ("-611.08", "CREDIT", 61108),  # payment to the card
        ("-85.0", "DEBIT", -8500),  # Mock / Monzo Flex: bank-style negative DEBIT
        ("20.00", "CREDIT", 2000),  # unsigned credit
        ("12.00", None, -1200),  # no type: the issuer's sign, flipped
        ("-3.00", "SOMETHING", 300),
        ("0", "DEBIT", 0),
    ],
)
def test_card_transaction_signs_follow_the_transaction_type(
    amount: str, kind: str | None, ours: int
) -> None:
    assert mapping.card_transaction_amount(card_row(amount, kind)) == ours


def test_card_type_in_amex_meta_is_used_when_the_top_level_type_is_missing() -> None:
    row = card_row("-5.00", None, meta={"transaction_type": "DEBIT"})
    assert mapping.card_transaction_amount(row) == -500


def test_pending_card_rows_are_pending_with_no_settlement_time() -> None:
    rows = [
        mapping.map_card_transaction(
            "c", schemas.CardTransaction.model_validate(raw), status=TransactionStatus.PENDING
        )
        for raw in results(fixtures.CARD_PENDING)
    ]
    assert [(t.amount, t.status, t.settled_at) for t in rows] == [
        (-1832, TransactionStatus.PENDING, None),
        (4000, TransactionStatus.PENDING, None),
    ]
    assert rows[0].external_id == "p1a2b3c4d5e6f708192a3b4c5d6e7f80"
    assert rows[1].created_at == datetime(2025, 3, 4, 15, 2, tzinfo=UTC)


# -- cards: balances --------------------------------------------------------------


def test_card_balance_owed_becomes_negative_and_available_credit_stays_positive() -> None:
    [raw] = results(fixtures.CARD_BALANCE)
    balance = mapping.map_card_balance(
        "c",
        schemas.CardBalance.model_validate(raw),
        provider_id="uk-ob-barclaycard",
        observed_at=SEEN,
    )
    assert balance.balance == -87235
    assert balance.available == 412765
    assert balance.credit_limit == 500000
    assert balance.at == datetime(2025, 3, 4, 7, 14, 11, 902514, tzinfo=UTC)


def test_card_in_credit_becomes_positive() -> None:
    raw = card_balance(current=Decimal("-15.00"), available=Decimal("1015.00"), credit_limit=1000)
    assert mapping.map_card_balance("c", raw, observed_at=SEEN).balance == 1500


def test_amex_balance_without_available_is_flipped_and_limit_dropped() -> None:
    raw = card_balance(current=Decimal("872.35"), credit_limit=Decimal("4127.65"))
    balance = mapping.map_card_balance("c", raw, provider_id="ob-amex", observed_at=SEEN)
    assert balance.balance == -87235
    assert balance.available is None
    assert balance.credit_limit is None  # "remaining available limit": not relied on
    assert balance.at == SEEN


def test_monzo_flex_style_bank_signed_card_balance_is_taken_as_is() -> None:
    raw = card_balance(current=Decimal("-250.00"), available=Decimal("-250.00"))
    assert mapping.map_card_balance("c", raw, observed_at=SEEN).balance == -25000


def test_card_over_its_limit_is_still_debt_not_credit() -> None:
    raw = card_balance(current=Decimal("5100.00"), available=Decimal("-100.00"), credit_limit=5000)
    assert mapping.map_card_balance("c", raw, observed_at=SEEN).balance == -510000


def test_cards_are_credit_card_accounts_named_by_product() -> None:
    [raw] = results(fixtures.CARDS)
    card = mapping.map_card(schemas.Card.model_validate(raw))
    assert card.kind is AccountKind.CREDIT_CARD
    assert card.name == "Preferred Rewards Gold Card"


# -- transaction details ------------------------------------------------------------


def test_external_id_prefers_the_normalised_then_the_bank_id() -> None:
    assert (
        mapping.transaction_external_id(
            account_row(
                "-1", normalised_provider_transaction_id="txn-1", provider_transaction_id="b"
            )
        )
        == "txn-1"
    )
    assert mapping.transaction_external_id(account_row("-1", provider_transaction_id="b")) == "b"
    assert mapping.transaction_external_id(account_row("-1")) == "t"


def test_classification_becomes_the_provider_category_else_the_category() -> None:
    classified = account_row("-1", transaction_classification=["Shopping", "Groceries"])
    plain = account_row("-1", transaction_category="DIRECT_DEBIT")
    map_ = mapping.map_account_transaction
    assert map_("a", classified, status=TransactionStatus.SETTLED).provider_category == (
        "Shopping / Groceries"
    )
    assert map_("a", plain, status=TransactionStatus.SETTLED).provider_category == "DIRECT_DEBIT"


def test_transaction_date_suffix_is_removed_from_descriptions() -> None:
    raw = account_row("-9.99", description="NETFLIX.COM, Transaction Date: 2025-02-27")
    row = mapping.map_account_transaction("a", raw, status=TransactionStatus.SETTLED)
    assert row.description == "NETFLIX.COM"


def test_merchant_falls_back_to_the_provider_merchant_name() -> None:
    raw = account_row("-18.32", meta={"provider_merchant_name": "UBER TRIP"})
    assert mapping.map_account_transaction("a", raw, status=TransactionStatus.SETTLED).merchant == (
        "UBER TRIP"
    )


def test_settled_rows_are_settled_at_their_posting_timestamp() -> None:
    row = mapping.map_account_transaction("a", account_row("-1"), status=TransactionStatus.SETTLED)
    assert row.settled_at == row.created_at == datetime(2025, 3, 1, tzinfo=UTC)


# -- standing orders and direct debits ----------------------------------------------


def test_standing_order_is_money_out_with_its_next_date() -> None:
    [raw] = results(fixtures.STANDING_ORDERS)
    order = mapping.map_standing_order("acc", schemas.StandingOrder.model_validate(raw))
    assert order.amount == -30000
    assert order.next_date == date(2025, 3, 28)
    assert order.frequency == "IntrvlMnthDay:01:28"
    assert order.reference == "RENT SHARE"
    assert order.external_id.startswith("so-")


def test_standing_order_id_is_stable_between_syncs_and_differs_between_orders() -> None:
    [raw] = results(fixtures.STANDING_ORDERS)
    first = mapping.map_standing_order("acc", schemas.StandingOrder.model_validate(raw))
    later = dict(raw, next_payment_date="2025-04-28T00:00:00+00:00", timestamp="2025-04-01")
    again = mapping.map_standing_order("acc", schemas.StandingOrder.model_validate(later))
    other = mapping.map_standing_order(
        "acc", schemas.StandingOrder.model_validate(dict(raw, payee="SOMEONE ELSE"))
    )
    assert first.external_id == again.external_id
    assert first.external_id != other.external_id


def test_inactive_standing_orders_are_left_out() -> None:
    [raw] = results(fixtures.STANDING_ORDERS)
    orders = [
        schemas.StandingOrder.model_validate(raw),
        schemas.StandingOrder.model_validate(dict(raw, status="Inactive", payee="OLD")),
    ]
    assert [o.payee for o in mapping.map_standing_orders("acc", orders)] == ["R RAMAN"]


def test_standing_order_amount_given_as_string_is_accepted() -> None:
    raw = schemas.StandingOrder.model_validate(
        {"payee": "X", "next_payment_amount": "12.345", "currency": "GBP"}
    )
    assert mapping.map_standing_order("acc", raw).amount == -1234


def test_direct_debit_prefers_the_mandate_reference_over_the_unstable_id() -> None:
    [raw] = results(fixtures.DIRECT_DEBITS)
    debit = mapping.map_direct_debit("acc", schemas.DirectDebit.model_validate(raw))
    assert debit.external_id == "A-7F2K9Q1M"
    assert debit.last_amount == -9650
    assert debit.last_date == date(2025, 2, 14)
    assert debit.status == "Active"


def test_me_maps_to_connection_details() -> None:
    [raw] = results(fixtures.ME)
    details = mapping.map_me(schemas.Me.model_validate(raw))
    assert details.consent_created_at == datetime(2025, 1, 10, 9, 30, 58, 102000, tzinfo=UTC)
    assert details.scopes == (
        "info",
        "accounts",
        "balance",
        "cards",
        "transactions",
        "offline_access",
    )
