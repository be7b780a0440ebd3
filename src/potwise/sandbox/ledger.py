"""Pot moves: Monzo's deposit/withdraw semantics and the sandbox's ledger of every move.

A `dedupe_id` is scoped, as Monzo records it, per pot + account + direction +
user: a repeat moves nothing and answers with the pot as it stands. Every
request, repeats included, is written to the ledger so tests can see exactly
what a client asked for and what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from potwise.sandbox.clock import monzo_time
from potwise.sandbox.household import Household
from potwise.sandbox.model import Pot, PotMove


@dataclass(frozen=True, slots=True)
class PotMoveRefused(Exception):
    status: int
    code: str
    message: str


def record_move(
    h: Household,
    pot: Pot,
    account_id: str,
    direction: str,
    amount: int,
    dedupe_id: str,
    when: datetime,
    transaction_id: str | None,
    *,
    repeat: bool,
    source: str,
) -> PotMove:
    move = PotMove(
        pot_id=pot.id,
        account_id=account_id,
        direction="deposit" if direction == "deposit" else "withdraw",
        amount=amount,
        dedupe_id=dedupe_id,
        time=when,
        repeat=repeat,
        transaction_id=transaction_id,
        source=source,
    )
    h.pot_moves.append(move)
    if not repeat:
        h.dedupe[(pot.id, account_id, direction, h.main.user_id, dedupe_id)] = move
    return move


def move_pot_money(
    h: Household,
    pot: Pot,
    direction: str,
    account_id: str,
    amount: int,
    dedupe_id: str,
    when: datetime,
) -> PotMove:
    """Apply a client's pot deposit/withdraw once per dedupe scope; raise `PotMoveRefused`."""
    key = (pot.id, account_id, direction, h.main.user_id, dedupe_id)
    earlier = h.dedupe.get(key)
    if earlier is not None:
        return record_move(
            h,
            pot,
            account_id,
            direction,
            earlier.amount,
            dedupe_id,
            when,
            earlier.transaction_id,
            repeat=True,
            source="api",
        )
    if pot.deleted:
        # [A] Undocumented; the reference suggests 400/404 for a deleted pot.
        raise PotMoveRefused(400, "bad_request.pot_deleted", "This pot has been deleted")
    if account_id != pot.current_account_id:
        # [A] Wrong account for the pot: real API fails, code unknown; reference picks 403.
        raise PotMoveRefused(403, "forbidden", "The account does not own this pot")
    if direction == "withdraw" and pot.locked:
        raise PotMoveRefused(
            403,
            "forbidden.pot_locked",  # [A] reference's pick
            "This pot is locked and can't be withdrawn from via the API",
        )
    account = h.monzo_accounts[account_id]
    if direction == "deposit" and amount > account.balance:
        raise PotMoveRefused(
            400,
            "bad_request.insufficient_funds",
            "You can't deposit more than your current account balance",
        )
    if direction == "withdraw" and amount > pot.balance:
        # [A] Undocumented; the reference's pick mirrors the deposit error.
        raise PotMoveRefused(
            400, "bad_request.insufficient_funds", "You can't withdraw more than the pot balance"
        )
    tx = h.pot_transaction(pot, account_id, direction, amount, dedupe_id, when)
    return record_move(
        h, pot, account_id, direction, amount, dedupe_id, when, tx.id, repeat=False, source="api"
    )


def ledger_view(h: Household) -> list[dict[str, Any]]:
    pots = h.pots
    return [
        {
            "pot_id": m.pot_id,
            "pot_name": pots[m.pot_id].name,
            "account_id": m.account_id,
            "direction": m.direction,
            "amount": m.amount,
            "dedupe_id": m.dedupe_id,
            "time": monzo_time(m.time),
            "repeat": m.repeat,
            "transaction_id": m.transaction_id,
            "source": m.source,
        }
        for m in h.pot_moves
    ]
