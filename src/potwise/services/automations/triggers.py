"""When rules run: after a sync, when a Monzo webhook brings a transaction, on a
schedule (cooldowns that ran out, rules waiting for funds), and by hand."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Automation, Transaction, Transfer
from potwise.domain.transfers import (
    RETRIED_RULE_STATUSES,
    RuleStatus,
    TransferDirection,
    TransferStatus,
)
from potwise.logs import get_logger
from potwise.services.automations import due, runner
from potwise.services.connections import ConnectionsContext
from potwise.services.events import Event, Submit, SyncFinished, TransactionsChanged, Waiting

log = get_logger(__name__)

# A pot move Monzo reports this close to one of our transfers (same pot, amount and
# direction) is that transfer coming back.
OWN_MOVE_WITHIN = timedelta(minutes=10)


def _run_quietly(
    ctx: ConnectionsContext, rule_id: str, trigger: str, cause: str | None = None
) -> None:
    try:
        runner.run_rule(ctx, rule_id, trigger=trigger, cause=cause)
    except Exception:
        log.exception("automation.run_crashed", automation_id=rule_id, trigger=trigger)


#: Hands one current account's touched rules (its key, the rules in their turn, the
#: trigger and the cause) to whatever runs them elsewhere: the task queue on PostgreSQL.
Dispatch = Callable[[str, list[str], str, str | None], None]


def run_in_turn(
    ctx: ConnectionsContext, rule_ids: list[str], trigger: str, cause: str | None = None
) -> None:
    """The rules of one current account, one after another in the stated order
    (`runner.in_turn`): each reads what the one before it moved, and none waits for
    another's lease. One failing never stops the next."""
    for rule_id in rule_ids:
        _run_quietly(ctx, rule_id, trigger, cause)


def install(ctx: ConnectionsContext, submit: Submit, dispatch: Dispatch | None = None) -> None:
    """Run the rules a sync or a webhook touched, one group per current account.

    With `dispatch`, each group is handed to it (the task queue: a job per account,
    run by whichever worker takes it). Without, `submit` decides where the group runs
    (a thread pool in the web app, inline in the worker); a rule whose run is already
    waiting its turn is not queued again: that run reads the news when it starts."""
    waiting = Waiting()

    def run(rule_ids: list[str], trigger: str, cause: str | None) -> None:
        for rule_id in rule_ids:
            waiting.started(rule_id)
            _run_quietly(ctx, rule_id, trigger, cause)

    def on_event(event: Event) -> None:
        cause: str | None = None
        if isinstance(event, SyncFinished):
            trigger, connection_ids = "sync", event.connection_ids
        elif isinstance(event, TransactionsChanged):
            if own_pot_moves(ctx, event):
                return  # the rules' own moves coming back: nothing new to decide on
            trigger, connection_ids = "webhook", (event.connection_id,)
            cause = cause_of(ctx, event)
        else:
            return
        touched = runner.rules_touching(ctx, connection_ids=connection_ids)
        if isinstance(event, TransactionsChanged):
            touched = _concerned(ctx, event, touched)
        if dispatch is not None:
            for account, group in (runner.by_account(ctx, touched) if touched else {}).items():
                dispatch(account, group, trigger, cause)
            return
        # A rule touching several of the connections runs once.
        claimed = [rule_id for rule_id in touched if waiting.claim(rule_id)]
        for group in runner.in_turn(ctx, claimed) if claimed else []:
            submit(functools.partial(run, group, trigger, cause))

    ctx.events.subscribe(on_event)


#: What a Monzo transaction that wakes a rule may be, as runs keep it (`cause`).
CAUSES = ("pot_deposit", "pot_withdrawal", "money_in", "card_purchase", "payment_out")


def cause_of(ctx: ConnectionsContext, event: TransactionsChanged) -> str | None:
    """What the webhook's news was, for the run's history: a pot move of the user's
    own (into or out of a pot), money in, a card purchase or another payment out; the
    first that fits when one delivery brings several."""
    with ctx.session_factory() as db:
        rows = db.scalars(
            select(Transaction).where(Transaction.id.in_(event.transaction_ids))
        ).all()
    for row in rows:
        if row.pot_external_id is not None:
            return "pot_deposit" if row.amount < 0 else "pot_withdrawal"
    if any(row.amount > 0 for row in rows):
        return "money_in"
    if any(row.amount < 0 and row.merchant for row in rows):
        return "card_purchase"
    return "payment_out" if rows else None


def _concerned(
    ctx: ConnectionsContext, event: TransactionsChanged, rule_ids: list[str]
) -> list[str]:
    """Of the rules a webhook's account concerns, those its transactions can change: a
    salary sorter only for money coming in, a top-up only for money going out (the
    card pot for either)."""
    with ctx.session_factory() as db:
        amounts = db.scalars(
            select(Transaction.amount).where(Transaction.id.in_(event.transaction_ids))
        ).all()
        rows = db.execute(
            select(Automation.id, Automation.kind).where(Automation.id.in_(rule_ids))
        ).all()
        kinds = {rule_id: kind for rule_id, kind in rows}
    wanted = {"card_pot"}
    if any(amount > 0 for amount in amounts):
        wanted.add("autosort")
    if any(amount < 0 for amount in amounts):
        wanted.add("topup")
    return [rule_id for rule_id in rule_ids if kinds.get(rule_id) in wanted]


def own_pot_moves(ctx: ConnectionsContext, event: TransactionsChanged) -> bool:
    """Whether every transaction of `event` is a pot move a rule made (Monzo tells us
    of our own deposits and withdrawals too): the same pot, amount and direction as a
    transfer of ours, made around the same time."""
    with ctx.session_factory() as db:
        rows = db.scalars(
            select(Transaction).where(Transaction.id.in_(event.transaction_ids))
        ).all()
        if not rows or any(row.pot_external_id is None for row in rows):
            return False
        return all(_ours(db, event.user_id, row) for row in rows)


def _ours(db: Session, user_id: str, row: Transaction) -> bool:
    # A deposit leaves the current account (negative there); a withdrawal arrives.
    direction = TransferDirection.DEPOSIT if row.amount < 0 else TransferDirection.WITHDRAW
    match = db.scalar(
        select(Transfer.id)
        .where(
            Transfer.user_id == user_id,
            Transfer.pot_external_id == row.pot_external_id,
            Transfer.direction == direction,
            Transfer.amount == abs(row.amount),
            Transfer.status != TransferStatus.FAILED,
            Transfer.created_at >= row.created_at - OWN_MOVE_WITHIN,
            Transfer.created_at <= row.created_at + OWN_MOVE_WITHIN,
        )
        .limit(1)
    )
    return match is not None


def run_inline(job: Callable[[], object]) -> object:
    return job()


def due_rule_ids(ctx: ConnectionsContext, now: datetime | None = None) -> list[str]:
    """Rules to run on the clock: a card pot whose cooldown has run out, a rule waiting
    for funds or in error, a sweep at its slot, a goal on payday (`due.py`)."""
    moment = now or clock.now()
    with ctx.session_factory() as db:
        rules = db.scalars(
            select(Automation).where(
                Automation.enabled.is_(True),
                or_(
                    Automation.status.in_(RETRIED_RULE_STATUSES),
                    Automation.kind.in_(due.CLOCK_KINDS),
                ),
            )
        ).all()
        found: list[str] = []
        for rule in rules:
            if rule.kind in due.CLOCK_KINDS:
                wanted = due.due(db, rule, moment, ctx.settings.timezone)
            else:
                wanted = _retry_due(rule, moment)
            if wanted:
                found.append(rule.id)
        return found


def _retry_due(rule: Automation, moment: datetime) -> bool:
    """A card pot or sorter waiting for funds or in error; a card pot's cooldown over."""
    cooldown = (rule.state or {}).get("cooldown")
    if rule.status == RuleStatus.COOLDOWN and cooldown:
        return datetime.fromisoformat(str(cooldown["until"])) <= moment
    return True


# Rules run side by side on the clock (each under its account's lease).
SCHEDULE_WORKERS = 8


def run_due(ctx: ConnectionsContext) -> int:
    ids = due_rule_ids(ctx)
    runner.run_many(ctx, ids, trigger="schedule", max_workers=SCHEDULE_WORKERS)
    return len(ids)
