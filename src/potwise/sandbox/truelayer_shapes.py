"""TrueLayer Data API JSON shapes (reference §4), amounts as exact decimal numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from potwise.sandbox.clock import tl_midnight, tl_time
from potwise.sandbox.model import DirectDebit, Provider, StandingOrder, TLAccount, TLTx
from potwise.sandbox.tlnumbers import pence_to_major


def provider_json(provider: Provider) -> dict[str, str]:
    return {
        "display_name": provider.display_name,
        "logo_uri": provider.logo_uri,
        "provider_id": provider.provider_id,
    }


def account_json(account: TLAccount, provider: Provider, now: datetime) -> dict[str, Any]:
    return {
        "update_timestamp": tl_time(now),
        "account_id": account.account_id,
        "account_type": account.account_type,
        "display_name": account.display_name,
        "currency": "GBP",
        "account_number": {
            "iban": f"GB29NWBK{account.sort_code.replace('-', '')}{account.number}",
            "number": account.number,
            "sort_code": account.sort_code,
            "swift_bic": "NWBKGB2L",
        },
        "provider": provider_json(provider),
    }


def account_balance_json(account: TLAccount, now: datetime) -> dict[str, Any]:
    pending_out = sum(t.amount for t in account.pending if t.amount < 0)
    return {
        "currency": "GBP",
        # `current` is the settled ledger; `available` counts pending debits and the overdraft.
        "available": pence_to_major(account.settled_balance + pending_out + account.overdraft),
        "current": pence_to_major(account.settled_balance),
        "overdraft": pence_to_major(account.overdraft),
        "update_timestamp": tl_time(now),
    }


def card_json(card: TLAccount, provider: Provider, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_id": card.account_id,
        "card_network": card.card_network,
        "card_type": card.card_type,
        "currency": "GBP",
        "display_name": card.display_name,
        "partial_card_number": card.partial_card_number,
        "name_on_card": card.name_on_card,
        "update_timestamp": tl_time(now),
        "provider": provider_json(provider),
    }
    if card.valid_from:
        body["valid_from"] = card.valid_from
        body["valid_to"] = card.valid_to
    return body


def card_current(card: TLAccount) -> int:
    """What the issuer reports as owed (positive = the user owes)."""
    if card.pending_in_current:
        # Barclaycard adds pending charges to the balance straight away.
        return card.settled_balance + sum(t.amount for t in card.pending if t.amount > 0)
    return card.settled_balance  # Amex: settled only, pending charges come on top


def card_balance_json(card: TLAccount, now: datetime) -> dict[str, Any]:
    current = card_current(card)
    held = 0 if card.pending_in_current else sum(t.amount for t in card.pending if t.amount > 0)
    body: dict[str, Any] = {"currency": "GBP", "current": pence_to_major(current)}
    if card.reports_available:
        body["available"] = pence_to_major(card.credit_limit - current - held)
    body["credit_limit"] = pence_to_major(card.credit_limit)
    body["last_statement_balance"] = pence_to_major(card.last_statement_balance)
    if card.last_statement_date is not None:
        body["last_statement_date"] = card.last_statement_date.isoformat()
    if card.reports_payment_due and card.payment_due_date is not None:
        body["payment_due"] = pence_to_major(card.payment_due)
        body["payment_due_date"] = card.payment_due_date.isoformat()
    body["update_timestamp"] = tl_time(now)
    return body


def tx_json(tx: TLTx) -> dict[str, Any]:
    body: dict[str, Any] = {"transaction_id": tx.transaction_id}
    if not tx.pending:
        if tx.normalised_id is not None:
            body["normalised_provider_transaction_id"] = tx.normalised_id
        if tx.provider_tx_id is not None:
            body["provider_transaction_id"] = tx.provider_tx_id
    body["timestamp"] = tl_time(tx.timestamp) if tx.pending else tl_midnight(tx.timestamp)
    body["description"] = tx.description
    body["amount"] = pence_to_major(tx.amount)
    body["currency"] = "GBP"
    body["transaction_type"] = tx.transaction_type
    body["transaction_category"] = tx.category
    body["transaction_classification"] = tx.classification
    if tx.merchant_name:
        body["merchant_name"] = tx.merchant_name
    if tx.running_balance is not None and not tx.pending:
        body["running_balance"] = {"amount": pence_to_major(tx.running_balance), "currency": "GBP"}
    body["meta"] = tx.meta
    return body


def _milliseconds(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def standing_order_json(so: StandingOrder, account: TLAccount, now: datetime) -> dict[str, Any]:
    return {
        "frequency": so.frequency,
        "status": so.status,
        "timestamp": _milliseconds(now),
        "currency": "GBP",
        "meta": {"provider_account_id": account.number},
        "next_payment_date": so.next_payment_date.isoformat() + "T00:00:00+00:00",
        "next_payment_amount": pence_to_major(so.amount),
        "first_payment_date": so.first_payment_date.isoformat() + "T00:00:00+00:00",
        "first_payment_amount": pence_to_major(so.amount),
        "final_payment_date": "9999-12-31T00:00:00+00:00",
        "final_payment_amount": 0,
        "payee": so.payee,
        "reference": so.reference,
    }


def direct_debit_json(dd: DirectDebit, account: TLAccount, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "direct_debit_id": dd.direct_debit_id,
        "timestamp": _milliseconds(now),
        "name": dd.name,
        "status": dd.status,
        "currency": "GBP",
        "meta": {
            "provider_mandate_identification": dd.mandate,
            "provider_account_id": account.number,
        },
    }
    if dd.previous_payment_time is not None and dd.previous_payment_amount is not None:
        row["previous_payment_timestamp"] = dd.previous_payment_time.strftime(
            "%Y-%m-%dT00:00:00+00:00"
        )
        row["previous_payment_amount"] = pence_to_major(dd.previous_payment_amount)
    return row
