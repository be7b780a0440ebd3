"""The one executor that moves money. Nothing else in potwise calls a pot deposit or withdraw.

1. A transfer intent is persisted first (status `planned`) with a `dedupe_id`
   fixed at that moment (`plan`).
2. It is marked `sent`, then Monzo is called with that dedupe_id (no
   transaction is open during the call).
3. The outcome is recorded: `confirmed` (Monzo applied it — on a repeat it
   answers as for the first time and moves nothing), `failed` (Monzo refused it;
   nothing moved), or `unknown` (no answer: it may or may not have moved).
4. `reconcile` re-sends every intent left `planned`, `sent` or `unknown` with
   the same dedupe_id, which Monzo makes idempotent, until each is settled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from potwise.banks.errors import AuthExpired, BankError, ConsentExpired, RequestRejected
from potwise.db.models import Account, Automation, Pot, Transfer
from potwise.domain.money import Money
from potwise.logs import get_logger
from potwise.services import connections
from potwise.services.connections import ConnectionsContext
from potwise.services.notify import notify

log = get_logger(__name__)

OPEN_STATUSES = ("planned", "sent", "unknown")
# After this many sends without an answer the intent stays `unknown` and a person is told.
MAX_ATTEMPTS = 6
# Sends of one intent within one execute() call when the bank does not answer.
IMMEDIATE_RETRIES = 3


def _now() -> datetime:
    return datetime.now(UTC)


def dedupe_id_for(automation_id: str, run_id: str, sequence: int) -> str:
    """Deterministic per intent: the rule, the run that decided it and its place in the run.

    A new decision gets a new id (so Monzo never swallows a genuinely new move);
    a retry of the same intent reuses the stored one.
    """
    digest = hashlib.sha256(f"{automation_id}|{run_id}|{sequence}".encode()).hexdigest()[:32]
    return f"potwise-{digest}"


def plan(
    *,
    user_id: str,
    automation_id: str,
    run_id: str,
    sequence: int,
    pot: Pot,
    account: Account,
    direction: str,
    amount: int,
    reason: str,
    state_after: dict[str, Any] | None,
) -> Transfer:
    """A transfer intent, ready to be added to the caller's unit of work."""
    if direction not in ("deposit", "withdraw"):
        raise ValueError(f"unknown direction {direction!r}")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("a transfer moves a positive whole number of pence")
    if pot.user_id != user_id or account.user_id != user_id:
        raise ValueError("a transfer must stay inside one user's accounts")
    if pot.account_id != account.id:
        raise ValueError("the pot does not belong to this current account")
    return Transfer(
        user_id=user_id,
        automation_id=automation_id,
        run_id=run_id,
        pot_id=pot.id,
        pot_external_id=pot.external_id,
        account_external_id=account.external_id,
        connection_id=pot.connection_id,
        direction=direction,
        amount=amount,
        currency=pot.currency,
        dedupe_id=dedupe_id_for(automation_id, run_id, sequence),
        status="planned",
        reason=reason,
        state_after=state_after,
        created_at=_now(),
    )


def execute(ctx: ConnectionsContext, transfer_id: str) -> Transfer:
    """Send one intent to Monzo and record what happened. Safe to call again."""
    factory = ctx.session_factory
    with factory() as db:
        transfer = db.get(Transfer, transfer_id)
        if transfer is None:
            raise ValueError(f"no transfer {transfer_id}")
        if transfer.status not in OPEN_STATUSES:
            return transfer
        if transfer.connection_id is None:
            return _settle(ctx, transfer_id, "failed", "The Monzo connection was removed.")
        transfer.status = "sent"
        transfer.attempts += 1
        transfer.sent_at = _now()
        db.commit()
        connection_id = transfer.connection_id
        send_args: dict[str, Any] = {
            "pot_id": transfer.pot_external_id,
            "amount": transfer.amount,
            "dedupe_id": transfer.dedupe_id,
        }
        account_key = (
            "source_account_id" if transfer.direction == "deposit" else ("destination_account_id")
        )
        send_args[account_key] = transfer.account_external_id
        direction = transfer.direction
    log.info(
        "transfer.sending",
        transfer_id=transfer_id,
        direction=direction,
        amount=send_args["amount"],
        dedupe_id=send_args["dedupe_id"],
    )
    rejected_token: str | None = None
    last_error: BankError | None = None
    for _ in range(IMMEDIATE_RETRIES):
        try:
            token = connections.valid_access_token(
                ctx, connection_id, rejected_token=rejected_token
            )
        except ConsentExpired as exc:
            return _settle(ctx, transfer_id, "failed", f"Monzo needs re-connecting: {exc.message}")
        except BankError as exc:
            last_error = exc
            continue
        client = ctx.gateway.monzo(token)
        send: Callable[..., Any] = (
            client.deposit_to_pot if direction == "deposit" else client.withdraw_from_pot
        )
        try:
            pot = send(**send_args)
        except AuthExpired as exc:
            rejected_token, last_error = token, exc
            continue
        except RequestRejected as exc:
            # Monzo answered and refused: nothing moved. Not retried.
            return _settle(ctx, transfer_id, "failed", f"Monzo refused the move: {exc.message}")
        except BankError as exc:
            # No answer (timeout, dropped connection, 5xx): it may have been applied.
            # Sending again with the same dedupe_id is safe.
            last_error = exc
            continue
        return _settle(ctx, transfer_id, "confirmed", None, pot_balance=pot.balance)
    message = last_error.message if last_error else "no answer from Monzo"
    return _settle(ctx, transfer_id, "unknown", message)


def _settle(
    ctx: ConnectionsContext,
    transfer_id: str,
    status: str,
    error: str | None,
    *,
    pot_balance: int | None = None,
) -> Transfer:
    with ctx.session_factory() as db:
        transfer = db.get(Transfer, transfer_id)
        if transfer is None:
            raise ValueError(f"no transfer {transfer_id}")
        transfer.error = error
        if status == "unknown" and transfer.attempts == MAX_ATTEMPTS:
            notify(
                db,
                transfer.user_id,
                "transfer_unconfirmed",
                f"A {transfer.direction} of {Money(transfer.amount, transfer.currency)} could "
                "not be confirmed after several tries. Check the pot in the Monzo app; potwise "
                "will keep checking and never moves it twice.",
                level="warning",
            )
        transfer.status = status
        if status in ("confirmed", "failed"):
            transfer.completed_at = _now()
        if status == "confirmed":
            _apply_to_mirror(db, transfer, pot_balance)
            if transfer.automation_id and transfer.state_after is not None:
                rule = db.get(Automation, transfer.automation_id)
                if rule is not None:
                    rule.state = transfer.state_after
        if status == "failed":
            notify(
                db,
                transfer.user_id,
                "transfer_failed",
                f"A {transfer.direction} of {Money(transfer.amount, transfer.currency)} "
                f"failed: {error}",
                level="error",
            )
        db.commit()
        log.info(
            "transfer.settled",
            transfer_id=transfer_id,
            automation_id=transfer.automation_id,
            direction=transfer.direction,
            amount=transfer.amount,
            dedupe_id=transfer.dedupe_id,
            status=status,
            reason=transfer.reason,
        )
        return transfer


def _apply_to_mirror(db: Any, transfer: Transfer, pot_balance: int | None) -> None:
    """Keep the mirror in step with a confirmed move until the next sync."""
    pot = db.get(Pot, transfer.pot_id) if transfer.pot_id else None
    sign = 1 if transfer.direction == "deposit" else -1
    if pot is not None:
        pot.balance = (
            pot_balance if pot_balance is not None else pot.balance + sign * transfer.amount
        )
        pot.balance_at = _now()
        account = db.get(Account, pot.account_id)
        if account is not None and account.balance is not None:
            account.balance -= sign * transfer.amount
            if account.available is not None:
                account.available -= sign * transfer.amount


def open_transfer_ids(ctx: ConnectionsContext, *, automation_id: str | None = None) -> list[str]:
    with ctx.session_factory() as db:
        statement = select(Transfer.id).where(Transfer.status.in_(OPEN_STATUSES))
        if automation_id is not None:
            statement = statement.where(Transfer.automation_id == automation_id)
        return list(db.scalars(statement.order_by(Transfer.created_at)))


def reconcile(ctx: ConnectionsContext, *, automation_id: str | None = None) -> list[Transfer]:
    """Finish every intent left open by a crash or a lost answer, exactly once each."""
    settled = [
        execute(ctx, transfer_id)
        for transfer_id in open_transfer_ids(ctx, automation_id=automation_id)
    ]
    if settled:
        log.info("transfer.reconciled", count=len(settled))
    return settled
