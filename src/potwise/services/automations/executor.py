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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.banks.errors import AuthExpired, BankError, ConsentExpired, RequestRejected
from potwise.db.models import Account, Automation, Pot, Transfer
from potwise.domain.money import Money
from potwise.domain.transfers import OPEN_TRANSFER_STATUSES, TransferDirection, TransferStatus
from potwise.logs import get_logger
from potwise.services import connections
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import InvalidInput, NotFound
from potwise.services.notify import notify

log = get_logger(__name__)

OPEN_STATUSES = OPEN_TRANSFER_STATUSES
# After this many sends without an answer the intent stays `unknown` and a person is told.
MAX_ATTEMPTS = 6
# Sends of one intent within one execute() call when the bank does not answer.
IMMEDIATE_RETRIES = 3
_NO_CONNECTION = "The Monzo connection was removed."


def _now() -> datetime:
    return clock.now()


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
    try:
        way = TransferDirection(direction)
    except ValueError:
        raise InvalidInput(f"unknown direction {direction!r}") from None
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("a transfer moves a positive whole number of pence")
    if pot.user_id != user_id or account.user_id != user_id:
        raise InvalidInput("a transfer must stay inside one user's accounts")
    if pot.account_id != account.id:
        raise InvalidInput("the pot does not belong to this current account")
    return Transfer(
        user_id=user_id,
        automation_id=automation_id,
        run_id=run_id,
        pot_id=pot.id,
        pot_external_id=pot.external_id,
        account_external_id=account.external_id,
        connection_id=pot.connection_id,
        direction=way,
        amount=amount,
        currency=pot.currency,
        dedupe_id=dedupe_id_for(automation_id, run_id, sequence),
        status=TransferStatus.PLANNED,
        reason=reason,
        state_after=state_after,
        created_at=_now(),
    )


@dataclass(frozen=True)
class _Sending:
    """One intent on its way to Monzo: what the call carries, read before it is made."""

    transfer_id: str
    connection_id: str
    direction: str
    args: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    """What the bank said (or did not say) about one intent."""

    status: TransferStatus
    error: str | None = None
    pot_balance: int | None = None


def execute(ctx: ConnectionsContext, transfer_id: str) -> Transfer:
    """Send one intent to Monzo and record what happened. Safe to call again."""
    with ctx.session_factory() as db:
        transfer = _intent(db, transfer_id)
        if transfer.status not in OPEN_STATUSES:
            return transfer
        sending = _mark_sent(db, transfer)
    if sending is None:
        return _settle(ctx, transfer_id, _Outcome(TransferStatus.FAILED, _NO_CONNECTION))
    log.info(
        "transfer.sending",
        transfer_id=transfer_id,
        direction=sending.direction,
        amount=sending.args["amount"],
        dedupe_id=sending.args["dedupe_id"],
    )
    return _settle(ctx, transfer_id, _send(ctx, sending))


def _intent(db: Session, transfer_id: str) -> Transfer:
    transfer = db.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound("No such transfer.")
    return transfer


def _mark_sent(db: Session, transfer: Transfer) -> _Sending | None:
    """Count the attempt and commit it before the call; None when there is no one to call."""
    if transfer.connection_id is None:
        return None
    transfer.status = TransferStatus.SENT
    transfer.attempts += 1
    transfer.sent_at = _now()
    db.commit()
    account_key = (
        "source_account_id"
        if transfer.direction == TransferDirection.DEPOSIT
        else "destination_account_id"
    )
    return _Sending(
        transfer_id=transfer.id,
        connection_id=transfer.connection_id,
        direction=transfer.direction,
        args={
            "pot_id": transfer.pot_external_id,
            "amount": transfer.amount,
            "dedupe_id": transfer.dedupe_id,
            account_key: transfer.account_external_id,
        },
    )


def _send(ctx: ConnectionsContext, sending: _Sending) -> _Outcome:
    """Up to IMMEDIATE_RETRIES sends while Monzo does not answer; a refusal is final."""
    rejected_token: str | None = None
    last_error: BankError | None = None
    for _ in range(IMMEDIATE_RETRIES):
        try:
            token = connections.valid_access_token(
                ctx, sending.connection_id, rejected_token=rejected_token
            )
        except ConsentExpired as exc:
            return _Outcome(TransferStatus.FAILED, f"Monzo needs re-connecting: {exc.message}")
        except BankError as exc:
            last_error = exc
            continue
        try:
            pot = _call_monzo(ctx, sending, token)
        except AuthExpired as exc:
            rejected_token, last_error = token, exc
            continue
        except RequestRejected as exc:
            # Monzo answered and refused: nothing moved. Not retried.
            return _Outcome(TransferStatus.FAILED, f"Monzo refused the move: {exc.message}")
        except BankError as exc:
            # No answer (timeout, dropped connection, 5xx): it may have been applied.
            # Sending again with the same dedupe_id is safe.
            last_error = exc
            continue
        return _Outcome(TransferStatus.CONFIRMED, pot_balance=pot.balance)
    message = last_error.message if last_error else "no answer from Monzo"
    return _Outcome(TransferStatus.UNKNOWN, message)


def _call_monzo(ctx: ConnectionsContext, sending: _Sending, token: str) -> Any:
    client = ctx.gateway.monzo(token)
    send: Callable[..., Any] = (
        client.deposit_to_pot
        if sending.direction == TransferDirection.DEPOSIT
        else client.withdraw_from_pot
    )
    return send(**sending.args)


def _settle(ctx: ConnectionsContext, transfer_id: str, outcome: _Outcome) -> Transfer:
    """Store the outcome, keep the mirror and the rule's state in step, tell the user."""
    status, error = outcome.status, outcome.error
    with ctx.session_factory() as db:
        transfer = _intent(db, transfer_id)
        if transfer.status not in OPEN_STATUSES:
            # Settled meanwhile by another send of the same intent (a reconcile side by
            # side with a run): its outcome and its notice are already recorded.
            return transfer
        transfer.error = error
        if status == TransferStatus.UNKNOWN and transfer.attempts == MAX_ATTEMPTS:
            _tell_unconfirmed(db, transfer)
        transfer.status = status
        if status in (TransferStatus.CONFIRMED, TransferStatus.FAILED):
            transfer.completed_at = _now()
        if status == TransferStatus.CONFIRMED:
            _apply_to_mirror(db, transfer, outcome.pot_balance)
            _keep_rule_state(db, transfer)
            _tell_done(db, transfer)
        if status == TransferStatus.FAILED:
            _tell_failed(db, transfer, error)
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


def _move_words(db: Session, transfer: Transfer) -> str:
    """ "£12.34 into your Bills pot" / "£5.00 out of a pot", with the rule's name."""
    pot = db.get(Pot, transfer.pot_id) if transfer.pot_id else None
    where = f"your {pot.name} pot" if pot is not None else "a pot"
    way = "into" if transfer.direction == TransferDirection.DEPOSIT else "out of"
    rule = db.get(Automation, transfer.automation_id) if transfer.automation_id else None
    by = f" (rule \u201c{rule.name}\u201d)" if rule is not None else ""
    return f"{Money(transfer.amount, transfer.currency)} {way} {where}{by}"


def _tell_done(db: Session, transfer: Transfer) -> None:
    reason = f": {transfer.reason}" if transfer.reason else "."
    notify(
        db,
        transfer.user_id,
        "transfer_done",
        f"Moved {_move_words(db, transfer)}{reason}",
        run_id=transfer.run_id,
    )


def _tell_unconfirmed(db: Session, transfer: Transfer) -> None:
    notify(
        db,
        transfer.user_id,
        "transfer_unconfirmed",
        f"The move of {_move_words(db, transfer)} could not be confirmed after several "
        "tries. Check the pot in the Monzo app; potwise will keep checking and never "
        "moves it twice.",
        level="warning",
        run_id=transfer.run_id,
    )


def _tell_failed(db: Session, transfer: Transfer, error: str | None) -> None:
    notify(
        db,
        transfer.user_id,
        "transfer_failed",
        f"The move of {_move_words(db, transfer)} did not happen: {error}",
        level="error",
        run_id=transfer.run_id,
    )


def _keep_rule_state(db: Session, transfer: Transfer) -> None:
    """The rule's state the move was decided with becomes its state once it is confirmed.

    Only then: that state records the pot as the move leaves it, so the next decision
    tells a pot that fell from one this move did not fill (a failed move keeps the
    state from before it)."""
    if transfer.automation_id and transfer.state_after is not None:
        rule = db.get(Automation, transfer.automation_id)
        if rule is not None:
            rule.state = transfer.state_after


def _apply_to_mirror(db: Session, transfer: Transfer, pot_balance: int | None) -> None:
    """Keep the mirror in step with a confirmed move until the next sync."""
    pot = db.get(Pot, transfer.pot_id) if transfer.pot_id else None
    sign = 1 if transfer.direction == TransferDirection.DEPOSIT else -1
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


def open_intents(db: Session, *, automation_id: str | None = None) -> list[str]:
    """The ids of intents left open (oldest first), read in the caller's unit of work."""
    statement = select(Transfer.id).where(Transfer.status.in_(OPEN_STATUSES))
    if automation_id is not None:
        statement = statement.where(Transfer.automation_id == automation_id)
    return list(db.scalars(statement.order_by(Transfer.created_at)))


def open_transfer_ids(ctx: ConnectionsContext, *, automation_id: str | None = None) -> list[str]:
    with ctx.session_factory() as db:
        return open_intents(db, automation_id=automation_id)


def reconcile(ctx: ConnectionsContext, *, automation_id: str | None = None) -> list[Transfer]:
    """Finish every intent left open by a crash or a lost answer, exactly once each."""
    return finish(ctx, open_transfer_ids(ctx, automation_id=automation_id))


def finish(ctx: ConnectionsContext, transfer_ids: list[str]) -> list[Transfer]:
    """Send again each of these open intents (with its own dedupe_id) until it is settled."""
    settled = [execute(ctx, transfer_id) for transfer_id in transfer_ids]
    if settled:
        log.info("transfer.reconciled", count=len(settled))
    return settled
