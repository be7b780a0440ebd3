"""Builders for the classification tests: the user's accounts, transactions, rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from potwise.domain import categories
from potwise.domain.classify import AccountInfo, Context, Txn, classify

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


def rule(category: str, **conditions: Any) -> categories.Rule:
    return categories.Rule(
        id=conditions.pop("id", f"r{next(_ids)}"),
        category=category,
        created_at=conditions.pop("created_at", T0),
        **conditions,
    )
