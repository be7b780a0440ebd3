"""Monzo JSON to domain types: kinds, flags, statuses and the user's sign convention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from potwise.banks.errors import BadResponse
from potwise.banks.monzo import mapping
from potwise.domain.mirror import AccountKind, TransactionStatus
from tests.unit.banks.monzo import payloads

NOW = datetime(2026, 5, 19, 9, 0, tzinfo=UTC)


def test_retail_is_a_current_account_and_joint_is_joint() -> None:
    found = mapping.accounts_from_json(
        {"accounts": [payloads.personal_account(), payloads.joint_account()]}
    )
    assert [(a.external_id, a.kind) for a in found] == [
        (payloads.PERSONAL, AccountKind.CURRENT),
        (payloads.JOINT, AccountKind.JOINT),
    ]
    personal = found[0]
    assert personal.provider_type == "uk_retail"
    assert personal.currency == "GBP"
    assert personal.display_suffix == "6815"
    assert not personal.closed


def test_account_names_come_from_owners_not_the_description() -> None:
    personal, joint = mapping.accounts_from_json(
        {"accounts": [payloads.personal_account(), payloads.joint_account()]}
    )
    assert "user_" not in personal.name
    assert joint.name == "Joint account (Priya & Tom)"


def test_closed_accounts_are_flagged_not_dropped() -> None:
    [closed] = mapping.accounts_from_json({"accounts": [payloads.personal_account(closed=True)]})
    assert closed.closed


def test_account_types_we_do_not_mirror_are_left_out() -> None:
    body = {
        "accounts": [
            payloads.prepaid_account(),
            payloads.personal_account(id="acc_biz", type="uk_business"),
            payloads.personal_account(id="acc_flex", type="uk_monzo_flex"),
            payloads.personal_account(),
        ]
    }
    assert [a.external_id for a in mapping.accounts_from_json(body)] == [payloads.PERSONAL]


def test_a_missing_account_type_is_taken_from_the_filter_used() -> None:
    body = payloads.joint_account()
    del body["type"]
    del body["currency"]
    [joint] = mapping.accounts_from_json({"accounts": [body]}, requested_type="uk_retail_joint")
    assert joint.kind is AccountKind.JOINT
    assert joint.currency == "GBP"  # assumed: the developer API serves GBP accounts only


def test_balance_is_the_app_balance_without_pots() -> None:
    balance = mapping.balance_from_json(payloads.balance(), account_id=payloads.PERSONAL, at=NOW)
    assert balance.balance == 84217  # not total_balance (312905), which adds the pots
    assert balance.available == 84217
    assert balance.currency == "GBP"
    assert balance.at == NOW
    assert balance.external_id == payloads.PERSONAL


def test_an_overdrawn_balance_stays_negative() -> None:
    balance = mapping.balance_from_json(
        payloads.balance(balance=-2500), account_id=payloads.PERSONAL, at=NOW
    )
    assert balance.balance == -2500


def test_pots_keep_deleted_ones_flagged_with_their_goal() -> None:
    live, deleted = mapping.pots_from_json(
        {"pots": [payloads.card_pot(), payloads.deleted_pot()]}, account_id=payloads.PERSONAL
    )
    assert (live.external_id, live.balance, live.deleted, live.goal) == (
        payloads.CARD_POT,
        42617,
        False,
        None,
    )
    assert (deleted.external_id, deleted.deleted, deleted.goal) == (payloads.OLD_POT, True, 150000)
    assert live.account_external_id == payloads.PERSONAL


def test_joint_pots_belong_to_the_joint_account() -> None:
    [pot] = mapping.pots_from_json(
        {"pots": [payloads.card_pot(current_account_id=payloads.JOINT)]},
        account_id=payloads.JOINT,
    )
    assert pot.account_external_id == payloads.JOINT


def test_a_pending_card_payment_is_negative_with_its_merchant() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.card_payment()]}, account_id=payloads.PERSONAL
    )[0]
    assert tx.amount == -465
    assert tx.status is TransactionStatus.PENDING
    assert tx.settled_at is None
    assert tx.merchant == "Corner Cafe"
    assert tx.category == "eating_out"
    assert tx.provider_category == "eating_out"
    assert tx.created_at == datetime(2026, 5, 18, 12, 41, 7, 342000, tzinfo=UTC)
    assert tx.pot_external_id is None
    assert tx.counterparty is None  # `{}` is no counterparty
    assert (tx.local_amount, tx.local_currency) == (-465, "GBP")


def test_a_settled_transaction_has_its_settlement_time() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.card_payment(settled="2026-05-19T01:10:04.2Z")]},
        account_id=payloads.PERSONAL,
    )[0]
    assert tx.status is TransactionStatus.SETTLED
    assert tx.settled_at == datetime(2026, 5, 19, 1, 10, 4, 200000, tzinfo=UTC)


def test_a_decline_is_declined_whatever_settled_says() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.card_payment(decline_reason="INSUFFICIENT_FUNDS")]},
        account_id=payloads.PERSONAL,
    )[0]
    assert tx.status is TransactionStatus.DECLINED
    assert tx.decline_reason == "INSUFFICIENT_FUNDS"


def test_an_unknown_decline_reason_is_kept_as_given() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.card_payment(decline_reason="SOMETHING_NEW")]},
        account_id=payloads.PERSONAL,
    )[0]
    assert tx.decline_reason == "SOMETHING_NEW"


def test_salary_is_positive_with_the_payer_as_counterparty() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.salary()]}, account_id=payloads.JOINT
    )[0]
    assert tx.amount == 245000
    assert tx.status is TransactionStatus.SETTLED
    assert tx.counterparty == "ACME LTD"
    assert tx.merchant is None
    # The abbreviated object has no account_id: the listed account stands in.
    assert tx.account_external_id == payloads.JOINT


def test_a_pot_deposit_carries_its_pot_id() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.pot_deposit()]}, account_id=payloads.PERSONAL
    )[0]
    assert tx.pot_external_id == payloads.CARD_POT
    assert tx.amount == -12500  # money left the current account
    assert tx.status is TransactionStatus.SETTLED
    assert tx.merchant is None


def test_a_pot_move_without_pot_metadata_is_recognised_by_scheme_and_description() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.pot_deposit(metadata={})]}, account_id=payloads.PERSONAL
    )[0]
    assert tx.pot_external_id == payloads.CARD_POT


def test_an_unexpanded_merchant_id_is_not_a_merchant_name() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.trimmed_list_item(1)]}, account_id=payloads.PERSONAL
    )[0]
    assert tx.merchant is None
    assert tx.account_external_id == payloads.PERSONAL


def test_spending_abroad_keeps_the_local_amount() -> None:
    tx = mapping.transactions_from_json(
        {"transactions": [payloads.card_payment(local_amount=-20000, local_currency="THB")]},
        account_id=payloads.PERSONAL,
    )[0]
    assert (tx.amount, tx.currency, tx.local_amount, tx.local_currency) == (
        -465,
        "GBP",
        -20000,
        "THB",
    )


def test_lists_come_back_oldest_first() -> None:
    newer = payloads.card_payment()
    older = payloads.salary()
    txs = mapping.transactions_from_json(
        {"transactions": [newer, older]}, account_id=payloads.PERSONAL
    )
    assert [t.external_id for t in txs] == [older["id"], newer["id"]]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"transaction": []},
        {"transactions": [{"id": "tx_1"}]},
        {"transactions": [payloads.card_payment(amount=1.5)]},
        {"transactions": [payloads.card_payment(created="soon")]},
    ],
)
def test_a_wrong_shape_is_a_bad_response(body: object) -> None:
    with pytest.raises(BadResponse):
        mapping.transactions_from_json(body, account_id=payloads.PERSONAL)


def test_bad_response_messages_name_fields_not_values() -> None:
    with pytest.raises(BadResponse) as caught:
        mapping.transactions_from_json(
            {"transactions": [payloads.card_payment(created="SECRET-VALUE")]},
            account_id=payloads.PERSONAL,
        )
    assert "transactions.0.created" in caught.value.message
    assert "SECRET-VALUE" not in caught.value.message
