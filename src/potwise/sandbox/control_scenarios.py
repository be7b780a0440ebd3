"""Scenario data through the control API: a transaction added by hand, a balance set.

Both post through the household's books like any other movement, so balances
stay the sum of transactions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from potwise.sandbox.errors import ControlError
from potwise.sandbox.household import Household
from potwise.sandbox.model import MerchantSpec, MonzoTx, TLAccount
from potwise.sandbox.providers import PROVIDERS
from potwise.sandbox.truelayer_shapes import card_current
from potwise.sandbox.ukcalendar import add_working_days

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

KINDS = ("purchase", "refund", "repayment", "income", "transfer")


@dataclass(frozen=True, slots=True)
class NewTransaction:
    """A transaction the control API was asked to add, validated."""

    kind: str
    amount: int
    description: str
    spec: MerchantSpec
    pending: bool
    now: datetime
    settle_at: datetime


def add_transaction(world: SandboxWorld, h: Household, data: dict[str, Any]) -> dict[str, Any]:
    bank = str(data.get("bank", "monzo"))
    new = _new_transaction(world, data)
    if bank == "monzo":
        return _monzo_transaction(h, str(data.get("account") or h.personal_id), new)
    return _tl_transaction(h, _tl_account(h, bank, data.get("account")), new)


def _new_transaction(world: SandboxWorld, data: dict[str, Any]) -> NewTransaction:
    kind = data.get("kind", "purchase")
    if kind not in KINDS:
        raise ControlError(400, "bad_kind", f"kind must be one of {', '.join(KINDS)}")
    amount = data.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ControlError(400, "bad_amount", "amount must be a positive integer of pence")
    description = str(data.get("description") or "SANDBOX SHOP")
    pending = bool(data.get("pending", kind == "purchase"))
    now = world.clock.now()
    settle_at = datetime.combine(add_working_days(now.date(), 1), now.timetz())
    spec = MerchantSpec(
        key="custom:" + description.lower(),
        name=description.title(),
        acquirer_text=description.upper()[:22],
        category=str(data.get("category", "general")),
        mcc="5999",
        emoji="🛍️",
        city="LONDON",
        postcode="EC1A 1BB",
        online=False,
        tl_classification=("Shopping", "General"),
    )
    return NewTransaction(str(kind), amount, description, spec, pending, now, settle_at)


# ------------------------------------------------------------------ Monzo
def _monzo_transaction(h: Household, account_id: str, new: NewTransaction) -> dict[str, Any]:
    if account_id not in h.monzo_accounts or h.monzo_accounts[account_id].is_pot_ledger:
        raise ControlError(404, "unknown_account", f"no Monzo account {account_id}")
    tx = _MONZO_KINDS[new.kind](h, account_id, new)
    return {
        "bank": "monzo",
        "account": account_id,
        "transaction_id": tx.id,
        "pending": tx.settled is None,
        "balance": h.monzo_accounts[account_id].balance,
    }


def _monzo_card(h: Household, account_id: str, new: NewTransaction) -> MonzoTx:
    tx = h.card_payment(account_id, new.spec, new.amount, new.now, refund=new.kind == "refund")
    if new.pending:
        h.schedule(new.settle_at, lambda w: h.settle_monzo(tx, w))
    else:
        h.settle_monzo(tx, new.now)
    return tx


def _monzo_income(h: Household, account_id: str, new: NewTransaction) -> MonzoTx:
    return h.faster_payment(
        account_id,
        new.description.upper(),
        new.amount,
        new.now,
        reference=new.description.upper(),
        category="income",
        account_number=h.ids.digits(8),
        sort_code="200000",
    )


def _monzo_transfer(h: Household, account_id: str, new: NewTransaction) -> MonzoTx:
    return h.faster_payment(
        account_id,
        new.description.upper(),
        -new.amount,
        new.now,
        reference=new.description.upper(),
        category="transfers",
        account_number=h.ids.digits(8),
        sort_code="309634",
    )


def _monzo_repayment(h: Household, account_id: str, new: NewTransaction) -> MonzoTx:
    tx = h.direct_debit(account_id, new.description, new.amount, new.now)
    h.card_repayments.append(tx.id)
    return tx


_MONZO_KINDS: dict[str, Callable[[Household, str, NewTransaction], MonzoTx]] = {
    "purchase": _monzo_card,
    "refund": _monzo_card,
    "income": _monzo_income,
    "transfer": _monzo_transfer,
    "repayment": _monzo_repayment,
}


# -------------------------------------------------------------- TrueLayer
def _tl_account(h: Household, provider_id: str, wanted: Any) -> TLAccount:
    if provider_id not in PROVIDERS:
        raise ControlError(400, "unknown_bank", f"bank must be monzo or one of {list(PROVIDERS)}")
    accounts = [a for a in h.tl_accounts.values() if a.provider_id == provider_id]
    if not accounts:
        raise ControlError(404, "unknown_account", f"{h.name} holds nothing at {provider_id}")
    account_id = wanted or accounts[0].account_id
    found = next((a for a in accounts if a.account_id == account_id), None)
    if found is None:
        raise ControlError(404, "unknown_account", f"no {provider_id} account {account_id}")
    return found


def _tl_signed(card: bool, kind: str, amount: int) -> int:
    """The amount with the provider's sign: the issuer's on a card, the bank's on an account."""
    if not card:
        return amount if kind in ("income", "refund") else -amount
    signed = {"purchase": amount, "refund": -amount, "repayment": -amount}.get(kind)
    if signed is None:
        raise ControlError(400, "bad_kind", "cards take purchase, refund or repayment")
    return signed


def _tl_transaction(h: Household, account: TLAccount, new: NewTransaction) -> dict[str, Any]:
    card, kind = account.kind == "card", new.kind
    signed = _tl_signed(card, kind, new.amount)
    category = {
        "purchase": "PURCHASE",
        "refund": "CREDIT",
        "repayment": "CREDIT" if card else "DIRECT_DEBIT",
        "income": "CREDIT",
        "transfer": "TRANSFER",
    }[kind]
    text = new.description.upper()
    if card and kind == "repayment":
        text = "PAYMENT RECEIVED - THANK YOU"
    row = h.tl_new_row(
        account,
        new.now,
        signed,
        text,
        category,
        merchant_name=new.spec.name if kind in ("purchase", "refund") else None,
        classification=new.spec.tl_classification if kind == "purchase" else (),
        meta={"provider_transaction_category": category[:3]},
    )
    if new.pending and kind in ("purchase", "refund"):
        h.tl_add_pending(account, row)

        def settle(when: datetime) -> None:
            h.tl_settle(account, row, when)

        h.schedule(new.settle_at, settle)
    else:
        h.tl_post(account, row)
        if kind == "repayment":
            h.card_repayments.append(row.transaction_id)
    return {
        "bank": account.provider_id,
        "account": account.account_id,
        "transaction_id": row.transaction_id,
        "pending": row.pending,
        "settled_balance": account.settled_balance,
    }


# ---------------------------------------------------------------- balances
def set_balance(world: SandboxWorld, h: Household, data: dict[str, Any]) -> dict[str, Any]:
    """Set a balance by posting an adjustment, so balances stay the sum of transactions."""
    target = data.get("balance")
    if not isinstance(target, int) or isinstance(target, bool):
        raise ControlError(400, "bad_balance", "balance must be an integer of pence")
    bank = str(data.get("bank", "monzo"))
    now = world.clock.now()
    if bank == "monzo":
        return _set_monzo_balance(h, str(data.get("account") or h.personal_id), target, now)
    return _set_tl_balance(h, bank, str(data.get("account", "")), target, now)


def _set_monzo_balance(h: Household, account_id: str, target: int, now: datetime) -> dict[str, Any]:
    account = h.monzo_accounts.get(account_id)
    if account is None or account.is_pot_ledger:
        raise ControlError(404, "unknown_account", f"no Monzo account {account_id}")
    gap = target - account.balance
    if gap:
        h.faster_payment(
            account_id,
            "SANDBOX ADJUSTMENT",
            gap,
            now,
            reference="BALANCE ADJUSTMENT",
            category="general",
            account_number="00000000",
            sort_code="000000",
        )
    return {"bank": "monzo", "account": account_id, "balance": account.balance}


def _set_tl_balance(
    h: Household, bank: str, account_id: str, target: int, now: datetime
) -> dict[str, Any]:
    tl_account = h.tl_accounts.get(account_id)
    if tl_account is None or tl_account.provider_id != bank:
        raise ControlError(404, "unknown_account", "no such TrueLayer account for that bank")
    # Cards: the target is what the issuer reports as `current` (positive = owed).
    current = card_current(tl_account) if tl_account.kind == "card" else tl_account.settled_balance
    gap = target - current
    if gap:
        h.tl_post(tl_account, h.tl_new_row(tl_account, now, gap, "BALANCE ADJUSTMENT", "OTHER"))
    return {
        "bank": bank,
        "account": tl_account.account_id,
        "current": card_current(tl_account)
        if tl_account.kind == "card"
        else tl_account.settled_balance,
    }
