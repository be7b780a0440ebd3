"""What the control API shows of a household: its books at a glance, and the truth
a client's analysis can be checked against."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from potwise.sandbox.household import Household
from potwise.sandbox.model import TLAccount
from potwise.sandbox.providers import PROVIDERS
from potwise.sandbox.truelayer_shapes import card_current

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld


def household_view(world: SandboxWorld, h: Household) -> dict[str, Any]:
    return {
        "name": h.name,
        "people": [{"user_id": p.user_id, "name": p.full} for p in h.people],
        "monzo": {
            "user_id": h.main.user_id,
            "accounts": _monzo_accounts(h),
            "pots": _pots(h),
            "pending_approvals": len(world.monzo.pending(h.name)),
        },
        "truelayer": _truelayer(h),
        "providers": {pid: p.display_name for pid, p in PROVIDERS.items()},
    }


def _monzo_accounts(h: Household) -> list[dict[str, Any]]:
    return [
        {
            "id": account.id,
            "type": account.type,
            "closed": account.closed,
            "description": account.description,
            "balance": account.balance,
            "owners": [o["preferred_name"] for o in account.owners],
            "transactions": len(account.txs),
        }
        for account in h.monzo_accounts.values()
        if not account.is_pot_ledger
    ]


def _pots(h: Household) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "balance": p.balance,
            "deleted": p.deleted,
            "current_account_id": p.current_account_id,
            "pot_account_id": p.pot_account_id,
            "goal_amount": p.goal_amount,
        }
        for p in h.pots.values()
    ]


def _truelayer(h: Household) -> dict[str, list[dict[str, Any]]]:
    truelayer: dict[str, list[dict[str, Any]]] = {}
    for tl in h.tl_accounts.values():
        entry: dict[str, Any] = {
            "id": tl.account_id,
            "kind": tl.kind,
            "display_name": tl.display_name,
            "settled_transactions": len(tl.settled),
            "pending_transactions": len(tl.pending),
        }
        entry.update(_card_figures(tl) if tl.kind == "card" else _account_figures(tl))
        truelayer.setdefault(tl.provider_id, []).append(entry)
    return truelayer


def _card_figures(tl: TLAccount) -> dict[str, Any]:
    reports_due = tl.reports_payment_due and tl.payment_due_date is not None
    return {
        # Issuer's view, in pence: positive = the user owes this much.
        "current": card_current(tl),
        "settled_balance": tl.settled_balance,
        "credit_limit": tl.credit_limit,
        # The last statement as the card balance endpoint reports it (pence, the
        # issuer's view); null where the provider reports none (Amex: no payment due).
        "last_statement_balance": tl.last_statement_balance,
        "last_statement_date": (
            tl.last_statement_date.isoformat() if tl.last_statement_date else None
        ),
        "payment_due": tl.payment_due if reports_due else None,
        "payment_due_date": (
            tl.payment_due_date.isoformat() if reports_due and tl.payment_due_date else None
        ),
    }


def _account_figures(tl: TLAccount) -> dict[str, Any]:
    return {"current": tl.settled_balance, "overdraft": tl.overdraft}


def truth_view(h: Household) -> dict[str, Any]:
    return {
        "user": h.name,
        "payday": h.payday,
        "recurring": [
            {
                "payee": r.payee,
                "amount": r.amount,
                "cadence": r.cadence,
                "direction": r.direction,
                "active": r.active,
                "transaction_ids": list(r.transaction_ids),
                "key": r.key,
                "bank": r.bank,
                "account": r.account,
                "method": r.method,
                "day_of_month": r.day_of_month,
                "category": r.category,
                "amounts": list(r.amounts),
            }
            for r in h.recurring.values()
        ],
        "internal_transfers": list(h.internal_transfers),
        "card_repayments": list(h.card_repayments),
        "pot_moves": list(h.pot_move_ids),
    }
