"""Leaving: a user's account erased, in the order money that may be moving needs.

1. Every rule is paused (the user's own pause switch), so nothing new is decided.
2. The leases of the user's current accounts and connections are taken: a rule's run
   or a sync in progress holds them, and the request answers 409 with when to try
   again rather than erase under it. They are held until the erasure.
3. Every transfer intent not yet settled is sent again with its own `dedupe_id`
   (the executor's reconciliation); one Monzo still cannot confirm answers 409
   too. An intent is never erased unsettled.
4. Every connection goes through the disconnect path: Monzo's webhooks deleted and
   a logout, TrueLayer's `DELETE /api/delete`. A bank that cannot be reached does
   not stop the rest; its tokens are forgotten here either way and the answer
   names it, to be revoked by hand.
5. Every row of the user, in every table, is erased in one unit of work
   (`erase.py`), which also queues the goodbye mail: it has no owner, so it
   outlives the user until it is sent and the outbox forgets it.

The log keeps one line, `user.deleted`, with a random reference and the counts.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Transfer, User
from potwise.domain.providers import provider_name
from potwise.domain.transfers import OPEN_TRANSFER_STATUSES
from potwise.logs import get_logger
from potwise.services import account_mail, auth, leases, passwords
from potwise.services.automations import executor, pause
from potwise.services.automations.run_lease import account_lease_key
from potwise.services.connections.disconnect import disconnect
from potwise.services.context import ConnectionsContext
from potwise.services.errors import ConfirmationRefused, InvalidCredentials, MoveInFlight, NotFound
from potwise.services.leaving.erase import census, erase
from potwise.services.sync.engine import sync_lease_key
from potwise.services.twofactor import factor
from potwise.services.vault import Vault

log = get_logger(__name__)

#: Long enough for every bank to be told and the rows erased.
HOLD_FOR = timedelta(minutes=10)
#: When to try again while a rule's run or a sync holds an account (seconds).
RUN_RETRY_AFTER = 30
#: When to try again after a move Monzo could not confirm (seconds).
MOVE_RETRY_AFTER = 120


@dataclass(frozen=True)
class BankOutcome:
    """What one connection's bank was told."""

    name: str
    provider: str
    revoked: bool
    message: str | None = None


@dataclass(frozen=True)
class Leaving:
    """What leaving did: each bank's outcome, the rows erased by table, and whether
    a goodbye mail was queued."""

    reference: str
    banks: list[BankOutcome] = field(default_factory=list)
    erased: dict[str, int] = field(default_factory=dict)
    goodbye_mail: bool = False

    @property
    def revoke_by_hand(self) -> list[str]:
        """The banks that could not be told: the user revokes access there by hand."""
        return [bank.name for bank in self.banks if not bank.revoked]


@dataclass(frozen=True)
class Plan:
    """What leaving will do, for the page that asks: each bank that will be told."""

    email: str
    banks: list[str]


@dataclass(frozen=True)
class BankPlan:
    """A connection leaving will disconnect: the bank's name and its API (`monzo`:
    webhooks deleted and a logout; `truelayer`: the connection deleted)."""

    name: str
    provider: str


def user_id_for(ctx: ConnectionsContext, email: str) -> str:
    """The id of the user with this address (an operator names users by address)."""
    address = auth.normalise_email(email)
    with ctx.session_factory() as db:
        found = db.scalar(select(User.id).where(User.email == address))
    if found is None:
        raise NotFound(f"No user with the address {address}.")
    return found


def plan(ctx: ConnectionsContext, user_id: str) -> Plan:
    """The banks leaving will tell, by name, for the confirmation form."""
    with ctx.session_factory() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        return Plan(email=user.email, banks=[b.name for b in banks(db, user_id)])


def banks(db: Session, user_id: str) -> list[BankPlan]:
    """The user's connections as leaving will tell them, oldest first."""
    rows = db.execute(
        select(Connection.provider, Connection.provider_id, Connection.display_name)
        .where(Connection.user_id == user_id)
        .order_by(Connection.created_at)
    )
    return [BankPlan(provider_name(p, pid, name), p) for p, pid, name in rows]


def confirm(db: Session, vault: Vault, user: User, *, password: str, totp: str | None) -> None:
    """The password, and with two-factor on a code or a recovery code: else
    ConfirmationRefused (403) and nothing changes. Wrong codes count towards the
    second factor's throttle as at sign-in."""
    ok, _ = passwords.verify_password(password, user.password_hash)
    if not ok:
        raise ConfirmationRefused("Your password is not correct. Nothing was changed.")
    if not factor.is_enabled(db, user.id):
        return
    if not totp:
        raise ConfirmationRefused(
            "Two-factor authentication is on: enter a code from your authenticator app "
            "(or a recovery code). Nothing was changed."
        )
    try:
        factor.verify(db, vault, user, totp)
    except InvalidCredentials as exc:
        raise ConfirmationRefused(f"{exc.message} Nothing was changed.") from exc


def leave(ctx: ConnectionsContext, mailer: account_mail.Mailer, user_id: str) -> Leaving:
    """Erase the user (see the module's note for the order); MoveInFlight (409)
    while money may be moving, with nothing erased and the rules left paused."""
    with ctx.session_factory() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        email = user.email
        pause.set_user_pause(db, user_id, True)
        connections = list(
            db.execute(
                select(
                    Connection.id,
                    Connection.provider,
                    Connection.provider_id,
                    Connection.display_name,
                ).where(Connection.user_id == user_id)
            )
        )
        accounts = list(db.scalars(select(Account.id).where(Account.user_id == user_id)))
        held = census(db, user_id)
    keys = [account_lease_key(a) for a in accounts] + [sync_lease_key(c.id) for c in connections]
    owner = uuid.uuid4().hex
    _hold(ctx, keys, owner)
    try:
        _reconcile(ctx, user_id)
        banks = [
            _disconnect(ctx, user_id, c.id, c.provider, provider_name(*c[1:])) for c in connections
        ]
    except BaseException:
        _give_back(ctx, keys, owner)
        raise
    reference = secrets.token_hex(8)
    by_hand = [b.name for b in banks if not b.revoked]
    try:
        with ctx.session_factory() as db:
            # The leases go with the rows (they are keyed by the user's ids).
            last = erase(db, user_id, email, [*accounts, *(c.id for c in connections)])
            goodbye = account_mail.send(
                db, mailer, "account_deleted", to=email, user_id=None, by_hand=by_hand
            )
            db.commit()
    except BaseException:
        _give_back(ctx, keys, owner)
        raise
    # What the disconnects took with them counts too.
    erased = {t: max(held.get(t, 0), last.get(t, 0)) for t in sorted({*held, *last})}
    log.info(
        "user.deleted",
        reference=reference,
        counts=erased,
        banks_told=sum(b.revoked for b in banks),
        banks_by_hand=len(by_hand),
        goodbye_mail=goodbye,
    )
    return Leaving(reference=reference, banks=banks, erased=erased, goodbye_mail=goodbye)


def _hold(ctx: ConnectionsContext, keys: list[str], owner: str) -> None:
    """Take every lease, or none: a rule's run or a sync holding one answers 409."""
    taken: list[str] = []
    with ctx.session_factory() as db:
        for key in keys:
            if not leases.try_acquire(db, key, owner, HOLD_FOR):
                break
            taken.append(key)
    if len(taken) < len(keys):
        _give_back(ctx, taken, owner)
        raise MoveInFlight(
            "A rule of yours or a sync is running right now. Your rules are paused and "
            f"nothing was erased; try again in {RUN_RETRY_AFTER} seconds.",
            retry_after=RUN_RETRY_AFTER,
        )


def _give_back(ctx: ConnectionsContext, keys: list[str], owner: str) -> None:
    with ctx.session_factory() as db:
        for key in keys:
            leases.give_up(db, key, owner)
        db.commit()


def _reconcile(ctx: ConnectionsContext, user_id: str) -> None:
    """Settle every open intent of the user with the bank, or MoveInFlight."""
    with ctx.session_factory() as db:
        open_ids = _open_intents(db, user_id)
    if open_ids:
        executor.finish(ctx, open_ids)
        with ctx.session_factory() as db:
            still_open = _open_intents(db, user_id)
        if still_open:
            log.warning("user.delete_waits_for_moves", user_id=user_id, open=len(still_open))
            raise MoveInFlight(
                "A money move could not be confirmed with Monzo yet, and potwise never "
                "forgets a move before it knows whether it happened. Your rules are "
                f"paused and nothing was erased; try again in {MOVE_RETRY_AFTER // 60} "
                "minutes.",
                retry_after=MOVE_RETRY_AFTER,
            )


def _open_intents(db: Session, user_id: str) -> list[str]:
    return list(
        db.scalars(
            select(Transfer.id)
            .where(Transfer.user_id == user_id, Transfer.status.in_(OPEN_TRANSFER_STATUSES))
            .order_by(Transfer.created_at)
        )
    )


def _disconnect(
    ctx: ConnectionsContext, user_id: str, connection_id: str, provider: str, name: str
) -> BankOutcome:
    """Today's disconnect path, for one connection; a bank that cannot be reached is
    named for the user to revoke by hand."""
    try:
        result = disconnect(ctx, user_id, connection_id)
    except NotFound:
        # Disconnected meanwhile (another tab): nothing is left to tell.
        return BankOutcome(name=name, provider=provider, revoked=True)
    return BankOutcome(
        name=name, provider=provider, revoked=result.revoked_at_provider, message=result.message
    )
