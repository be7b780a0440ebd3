"""Monzo JSON shapes (field lists and presence as in the reference, §4 to §7)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from potwise.sandbox.clock import monzo_time
from potwise.sandbox.household import Household
from potwise.sandbox.model import Merchant, MonzoAccount, MonzoTx, Pot

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def account_json(account: MonzoAccount) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": account.id,
        "closed": account.closed,
        "created": monzo_time(account.created),
        "description": account.description,
        "type": account.type,
        "currency": "GBP",
        "country_code": "GB",
        "owners": account.owners,
    }
    if account.account_number is not None and account.sort_code is not None:
        body["account_number"] = account.account_number
        body["sort_code"] = account.sort_code
        body["payment_details"] = {
            "locale_uk": {"account_number": account.account_number, "sort_code": account.sort_code}
        }
    return body


def balance_json(h: Household, account: MonzoAccount, now: datetime) -> dict[str, Any]:
    pots = sum(
        p.balance for p in h.pots.values() if p.current_account_id == account.id and not p.deleted
    )
    # Monzo's day for spend_today starts around 04:00 UK time.
    day_start = now.replace(hour=4, minute=0, second=0, microsecond=0)
    if now < day_start:
        day_start -= timedelta(days=1)
    start_ts = day_start.timestamp()
    spent = 0
    for index in range(len(account.txs) - 1, -1, -1):
        if account.times[index] < start_ts:
            break
        tx = account.txs[index]
        if tx.amount < 0 and tx.include_in_spending and tx.decline_reason is None:
            spent += tx.amount
    return {
        "balance": account.balance,
        "total_balance": account.balance + pots,
        # No flexible-savings pots in the sandbox, so this equals the plain balance.
        "balance_including_flexible_savings": account.balance,
        "currency": "GBP",
        # Documented as "amount spent"; real values are negative (≤ 0).
        "spend_today": spent,
        "local_currency": "",
        "local_exchange_rate": 0,
        "local_spend": [{"spend_today": spent, "currency": "GBP"}] if spent else [],
    }


def pot_json(pot: Pot) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": pot.id,
        "name": pot.name,
        "style": pot.style,
        "balance": pot.balance,
        "currency": "GBP",
        "type": "default",
        "product_id": "default",
        "current_account_id": pot.current_account_id,
        "cover_image_url": f"https://example.invalid/pot-covers/{pot.style or 'custom'}.png",
        "isa_wrapper": "",
        "round_up": pot.round_up,
        "round_up_multiplier": None,
        "is_tax_pot": False,
        "created": monzo_time(pot.created),
        "updated": monzo_time(pot.updated),
        "deleted": pot.deleted,
        "locked": pot.locked,
        "available_for_bills": pot.available_for_bills,
        "has_virtual_cards": False,
    }
    if pot.goal_amount is not None:
        body["goal_amount"] = pot.goal_amount
    return body


def merchant_json(merchant: Merchant) -> dict[str, Any]:
    return {
        "id": merchant.id,
        "group_id": merchant.group_id,
        "created": monzo_time(merchant.created),
        "name": merchant.name,
        "logo": "",
        "emoji": merchant.emoji,
        "category": merchant.category,
        "online": merchant.online,
        "atm": merchant.category == "cash",
        "address": merchant.address,
        "updated": monzo_time(merchant.created),
        "metadata": {},
        "disable_feedback": False,
    }


def tx_json(tx: MonzoTx, *, expand_merchant: bool) -> dict[str, Any]:
    card = tx.scheme == "mastercard"
    if tx.merchant is None:
        merchant: Any = None
    elif expand_merchant:
        merchant = merchant_json(tx.merchant)
    else:
        merchant = tx.merchant.id
    body: dict[str, Any] = {
        "id": tx.id,
        "created": monzo_time(tx.created),
        "description": tx.description,
        "amount": tx.amount,
        "fees": {},
        "currency": "GBP",
        "merchant": merchant,
        "notes": tx.notes,
        "metadata": tx.metadata,
        "labels": None,
        "attachments": None,
        "international": None,
        "category": tx.category,
        "categories": None if tx.decline_reason else {tx.category: tx.amount},
        "is_load": tx.is_load,
        # Pending card payments: the empty string, not null and not absent.
        "settled": monzo_time(tx.settled) if tx.settled is not None else "",
        "local_amount": tx.amount,
        "local_currency": "GBP",
        "updated": monzo_time(tx.updated),
        "account_id": tx.account_id,
        "user_id": tx.user_id,
        "counterparty": tx.counterparty,
        "scheme": tx.scheme,
        "dedupe_id": tx.dedupe_id,
        "originator": tx.originator,
        "include_in_spending": tx.include_in_spending,
        "can_be_excluded_from_breakdown": card,
        "can_be_made_subscription": card,
        "can_split_the_bill": card,
        "can_add_to_tab": card,
        "can_match_transactions_in_categorization": card,
        "amount_is_pending": card and tx.settled is None and tx.decline_reason is None,
        "atm_fees_detailed": None,
        "parent_account_id": "",
    }
    if tx.decline_reason is not None:
        body["decline_reason"] = tx.decline_reason
    return body


def tx_fragment(tx: MonzoTx, *, expand_merchant: bool) -> str:
    """The transaction's JSON text, cached until the transaction changes."""
    if expand_merchant:
        if tx.cached_json_expanded is None:
            tx.cached_json_expanded = _dumps(tx_json(tx, expand_merchant=True))
        return tx.cached_json_expanded
    if tx.cached_json is None:
        tx.cached_json = _dumps(tx_json(tx, expand_merchant=False))
    return tx.cached_json
