"""The `transaction.created` webhook: parsed into a transaction or refused as malformed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from potwise.banks.errors import BadResponse
from potwise.banks.monzo import parse_webhook
from potwise.domain.mirror import TransactionStatus
from tests.unit.banks.monzo import payloads


def test_a_card_payment_webhook_becomes_a_pending_transaction_of_its_account() -> None:
    tx = parse_webhook(payloads.webhook_event())
    assert tx.external_id == "tx_0000D7fKpL3kJ2hG1fD9sA"
    assert tx.account_external_id == payloads.PERSONAL
    assert tx.amount == -2389
    assert tx.status is TransactionStatus.PENDING
    assert tx.merchant == "Greenleaf Grocers"
    assert tx.category == "groceries"
    assert tx.created_at == datetime(2026, 5, 19, 17, 5, 33, 207000, tzinfo=UTC)


def test_a_declined_attempt_arrives_as_declined() -> None:
    tx = parse_webhook(payloads.webhook_event(decline_reason="CARD_BLOCKED"))
    assert tx.status is TransactionStatus.DECLINED
    assert tx.decline_reason == "CARD_BLOCKED"


def test_a_pot_move_webhook_names_the_pot() -> None:
    tx = parse_webhook({"type": "transaction.created", "data": payloads.pot_deposit()})
    assert tx.pot_external_id == payloads.CARD_POT
    assert tx.status is TransactionStatus.SETTLED


def test_a_transfer_webhook_has_no_merchant() -> None:
    tx = parse_webhook(payloads.webhook_event(merchant=None, counterparty={"name": "J SMITH"}))
    assert tx.merchant is None
    assert tx.counterparty == "J SMITH"


def test_unknown_fields_in_a_webhook_are_ignored() -> None:
    event = payloads.webhook_event(fresh_field=[1, 2])
    event["delivery_attempt"] = 2
    assert parse_webhook(event).external_id == "tx_0000D7fKpL3kJ2hG1fD9sA"


def _without(field: str) -> dict[str, Any]:
    event = payloads.webhook_event()
    del event["data"][field]
    return event


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([], id="not-an-object"),
        pytest.param("transaction.created", id="a-string"),
        pytest.param({}, id="empty"),
        pytest.param({"type": "transaction.updated", "data": {}}, id="unknown-type"),
        pytest.param({"data": payloads.webhook_event()["data"]}, id="no-type"),
        pytest.param({"type": "transaction.created"}, id="no-data"),
        pytest.param({"type": "transaction.created", "data": []}, id="data-not-object"),
        pytest.param(_without("id"), id="no-id"),
        pytest.param(_without("account_id"), id="no-account-id"),
        pytest.param(_without("amount"), id="no-amount"),
        pytest.param(_without("created"), id="no-created"),
        pytest.param(payloads.webhook_event(account_id=""), id="empty-account-id"),
        pytest.param(payloads.webhook_event(amount=-23.89), id="float-amount"),
        pytest.param(payloads.webhook_event(amount="-2389"), id="string-amount"),
        pytest.param(payloads.webhook_event(created="2026-05-19"), id="date-only-created"),
        pytest.param(payloads.webhook_event(settled="later"), id="garbage-settled"),
    ],
)
def test_malformed_webhooks_are_bad_responses(payload: Any) -> None:
    with pytest.raises(BadResponse):
        parse_webhook(payload)
