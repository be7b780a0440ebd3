"""Running a rule: live balances (or honest fallback) → decision → persisted intent → executor.

Runs for one pot never overlap (a lease, across processes); a preview runs
the same path but stores nothing but its own record and moves nothing.

A run is a few units of work, none open across a call to a bank:

1. take the account's lease, load the rule (once: every step is handed it), check
   it may move money, and read which accounts the decision needs
   (`gather.targets`); intents left open by an earlier run are finished first;
2. refresh those balances from the banks (`gather.refresh`);
3. read the scene from the mirror, decide (`evaluate`), and store the run with
   the intent, or with nothing to move (`act.store`);
4. move the money through the executor and store how the run ended
   (`act.carry_out`). The last unit of work gives the lease back.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, Connection, Pot
from potwise.domain.errors import DomainError
from potwise.domain.transfers import RuleStatus, RunStatus
from potwise.logs import get_logger
from potwise.services import zones
from potwise.services.automations import (
    act,
    act_moves,
    configs,
    executor,
    gather,
    kinds,
    pause,
    recording,
)
from potwise.services.automations.evaluate import evaluate
from potwise.services.automations.gather import Targets
from potwise.services.automations.recording import Ending, RunOutcome, RunRequest
from potwise.services.automations.run_lease import RunLease
from potwise.services.automations.scene import Skip, read_scene
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound

__all__ = ["RunOutcome", "rules_touching", "run_many", "run_rule"]

log = get_logger(__name__)

#: Runs set off by news, or asked for by the user, wait for the account's lease instead of
#: standing aside at once (a run set off by the clock stands aside: it comes back).
WAITS_FOR_POT = frozenset({"webhook", "sync", "manual"})
#: How long (real seconds) such a run waits for the run in progress.
POT_WAIT_SECONDS = 30.0

_STOOD_ASIDE = Ending(
    RunStatus.SKIPPED,
    "already_running",
    "Another run for this pot is in progress; this one stood aside.",
)


def run_rule(
    ctx: ConnectionsContext,
    automation_id: str,
    *,
    trigger: str,
    dry_run: bool = False,
    psu_ip: str | None = None,
    cause: str | None = None,
) -> RunOutcome:
    """Evaluate one rule now; with `dry_run` nothing moves and no rule state changes.
    `cause` says what a Monzo transaction that set it off was (kept with the run)."""
    request = RunRequest(
        automation_id, trigger=trigger, dry_run=dry_run, psu_ip=psu_ip, cause=cause
    )
    if dry_run:
        return _preview(ctx, request)
    lease = RunLease()
    try:
        return _run(ctx, request, lease)
    finally:
        lease.give_back(ctx.session_factory)


def run_many(
    ctx: ConnectionsContext,
    automation_ids: Sequence[str],
    *,
    trigger: str,
    max_workers: int = 8,
) -> list[RunOutcome]:
    """Run several rules (a scheduled cycle, `potwise automations run`).

    Rules on different current accounts run side by side; the rules of one account
    run one after another in a stated order (`in_turn`), each reading what the one
    before it moved. One rule failing never stops the others. Outcomes come back in
    the order of `automation_ids` (a rule that crashed is left out and logged).
    """
    if not automation_ids:
        return []

    def one(automation_id: str) -> RunOutcome | None:
        try:
            return run_rule(ctx, automation_id, trigger=trigger)
        except Exception:
            log.exception("automation.run_crashed", automation_id=automation_id, trigger=trigger)
            return None

    def group(ids: list[str]) -> list[tuple[str, RunOutcome | None]]:
        return [(automation_id, one(automation_id)) for automation_id in ids]

    groups = in_turn(ctx, automation_ids)
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(groups)))) as pool:
        done = dict(pair for pairs in pool.map(group, groups) for pair in pairs)
    return [o for o in (done.get(i) for i in automation_ids) if o is not None]


#: The order the rules of one current account run in when the clock runs them together:
#: what cards owe first, then pay shared out, the account topped up, swept, then goals.
KIND_ORDER = ("card_pot", "autosort", "topup", "sweep", "goal")


def in_turn(ctx: ConnectionsContext, automation_ids: Sequence[str]) -> list[list[str]]:
    """The rules grouped by the current account they move money on, each group in
    `KIND_ORDER`, then oldest first."""
    return list(by_account(ctx, automation_ids).values())


def by_account(ctx: ConnectionsContext, automation_ids: Sequence[str]) -> dict[str, list[str]]:
    """`in_turn`'s groups keyed by the current account (the key of the runs' lease; a
    rule whose pots are gone has a key of its own)."""
    with ctx.session_factory() as db:
        rules = db.scalars(select(Automation).where(Automation.id.in_(automation_ids))).all()
        keyed = {rule.id: (_account_of(db, rule.id), rule) for rule in rules}
    groups: dict[str, list[Automation]] = {}
    for account, rule in keyed.values():
        groups.setdefault(account, []).append(rule)
    return {
        account: [
            r.id
            for r in sorted(
                members,
                key=lambda r: (
                    KIND_ORDER.index(r.kind) if r.kind in KIND_ORDER else 99,
                    r.created_at,
                ),
            )
        ]
        for account, members in groups.items()
    }


def _preview(ctx: ConnectionsContext, request: RunRequest) -> RunOutcome:
    with ctx.session_factory() as db:
        rule = _load_rule(db, request.automation_id)
        found = _targets(db, rule, request)
    if isinstance(found, RunOutcome):
        return found
    return _decide_and_act(ctx, request, rule, found, None)


def _run(
    ctx: ConnectionsContext, request: RunRequest, lease: RunLease, *, waited: bool = False
) -> RunOutcome:
    """Take the pot, load the rule and check it may move money, in one unit of work."""
    with ctx.session_factory() as db:
        taken = lease.held or lease.take(db, _account_of(db, request.automation_id))
        wait = not taken and not waited and request.trigger in WAITS_FOR_POT
        if not wait:
            rule = _load_rule(db, request.automation_id)
            if not taken:
                return recording.record(db, rule, request, _STOOD_ASIDE)
            held = _held_back(db, rule)
            if held is not None:
                return recording.record(db, rule, request, held, lease=lease)
            # Intents an earlier run left open are finished first: what they settle
            # (a pot's balance, the rule's state) is what this run must read.
            open_ids = executor.open_intents(db, automation_id=rule.id)
            found = None if open_ids else _targets(db, rule, request, lease)
    if wait:
        _wait_for_pot(ctx, request.automation_id, lease)
        return _run(ctx, request, lease, waited=True)
    if found is None:
        found = _after_reconciling(ctx, request, rule, open_ids, lease)
    if isinstance(found, RunOutcome):
        return found
    return _decide_and_act(ctx, request, rule, found, lease)


def _wait_for_pot(ctx: ConnectionsContext, automation_id: str, lease: RunLease) -> None:
    """Take the account's lease, waiting (a little) for a run that holds it: a run set off by
    news (a webhook's transaction, a finished sync) must read it, and the run in
    progress may have read the mirror before the news arrived."""
    deadline = time.monotonic() + POT_WAIT_SECONDS
    while True:
        with ctx.session_factory() as db:
            if lease.take(db, _account_of(db, automation_id)):
                return
        if time.monotonic() > deadline:
            return  # the run stands aside, and says so
        time.sleep(0.05)


def _after_reconciling(
    ctx: ConnectionsContext,
    request: RunRequest,
    rule: Automation,
    open_ids: list[str],
    lease: RunLease,
) -> Targets | RunOutcome:
    """Finish the rule's intents left open (each exactly once), then read its targets."""
    executor.finish(ctx, open_ids)
    with ctx.session_factory() as db:
        db.add(rule)
        # A confirmed move leaves the rule in the state it was decided with: read it again.
        if db.get(Automation, rule.id, populate_existing=True) is None:
            raise NotFound("No such automation.")
        return _targets(db, rule, request, lease)


def _decide_and_act(
    ctx: ConnectionsContext,
    request: RunRequest,
    rule: Automation,
    found: Targets,
    lease: RunLease | None,
) -> RunOutcome:
    """Refresh the balances, read the scene, decide, and store (or preview) the outcome."""
    try:
        stale = gather.refresh(ctx, found, request)
    except DomainError as exc:
        with ctx.session_factory() as db:
            db.add(rule)
            return recording.record(db, rule, request, _failed(exc), lease=lease)
    if found.config is None:  # not a card pot
        return _decide_moves(ctx, request, rule, stale, lease)
    with ctx.session_factory() as db:
        db.add(rule)
        now = recording.now()
        try:
            # "moved today" and the explanation's times are in the user's own zone
            zone = zones.user_zone(db, rule.user_id, ctx.settings.timezone)
            scene = read_scene(db, rule, found.config, timezone=zone.key, now=now, stale=stale)
            ev = evaluate(scene, now)
        except (Skip, DomainError) as exc:
            return recording.record(db, rule, request, _ending_for(exc), lease=lease)
        if lease is None:
            return act.preview(db, rule, request, ev)
        stored = act.store(db, rule, request, ev, lease)
    if isinstance(stored, RunOutcome):
        return stored
    return act.carry_out(ctx, request, stored, ev, lease)


def _decide_moves(
    ctx: ConnectionsContext,
    request: RunRequest,
    rule: Automation,
    stale: list[datetime],
    lease: RunLease | None,
) -> RunOutcome:
    """A sweep, sorter, top-up or goal: read, decide, store (or preview), move."""
    with ctx.session_factory() as db:
        db.add(rule)
        now = recording.now()
        try:
            zone = zones.user_zone(db, rule.user_id, ctx.settings.timezone)
            read = kinds.read_context(db, rule, now=now, timezone=zone.key, stale=stale)
            scene = kinds.decide(read)
        except (Skip, DomainError) as exc:
            return recording.record(db, rule, request, _ending_for(exc), lease=lease)
        if lease is None:
            return act_moves.preview(db, rule, request, scene)
        stored = act_moves.store(db, rule, request, scene, lease)
    if isinstance(stored, RunOutcome):
        return stored
    return act_moves.carry_out(ctx, request, stored, scene.decision, lease)


def _load_rule(db: Session, automation_id: str) -> Automation:
    rule = db.get(Automation, automation_id)
    if rule is None:
        raise NotFound("No such automation.")
    return rule


def _account_of(db: Session, automation_id: str) -> str:
    """The current account a rule moves money on (its lease's key), read without
    loading the rule itself: the rule is loaded once the lease is held, so it is read
    as no other run leaves it."""
    row = db.execute(
        select(Automation.kind, Automation.config).where(Automation.id == automation_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No such automation.")
    pot_ids = configs.pot_ids(row.kind, row.config)
    account = db.scalar(select(Pot.account_id).where(Pot.id.in_(pot_ids)).limit(1))
    # A rule whose pots are gone still runs (to say so), under a lease of its own.
    return str(account or f"rule:{automation_id}")


def _held_back(db: Session, rule: Automation) -> Ending | None:
    """Why this rule may not move money now (switched off, or paused), or None."""
    if not rule.enabled:
        return Ending(RunStatus.SKIPPED, "disabled", "The rule is switched off.")
    held = pause.pause_reason(db, rule.user_id)
    if held is not None:
        return Ending(RunStatus.SKIPPED, "paused", held)
    return None


def _targets(
    db: Session, rule: Automation, request: RunRequest, lease: RunLease | None = None
) -> Targets | RunOutcome:
    """The rule's targets, or the run recorded as skipped or failed when there are none."""
    try:
        return gather.targets(db, rule, trigger=request.trigger)
    except (Skip, DomainError) as exc:
        return recording.record(db, rule, request, _ending_for(exc), lease=lease)


def _ending_for(exc: Skip | DomainError) -> Ending:
    if isinstance(exc, DomainError):
        return _failed(exc)
    status = (RuleStatus.PAUSED if exc.pauses_rule else RuleStatus.ERROR, exc.message)
    return Ending(RunStatus.SKIPPED, exc.reason, exc.message, rule_status=status)


def _failed(exc: DomainError) -> Ending:
    return Ending(
        RunStatus.FAILED, exc.code, exc.message, rule_status=(RuleStatus.ERROR, exc.message)
    )


#: Kinds an event (a sync, a webhook) runs: the card pot when its cards or pot change,
#: the top-up and the salary sorter when their current account does. A sweep and a
#: goal wait for their time (`due.py`).
EVENT_KINDS = ("card_pot", "topup", "autosort")


def rules_touching(
    ctx: ConnectionsContext, *, connection_ids: Sequence[str] | None = None
) -> list[str]:
    """Enabled rules an event on these connections concerns (every enabled one of the
    event kinds if None): a card pot whose pot or cards come through them, a top-up
    or sorter whose pots do. Only the connections' owners' rules are looked at."""
    with ctx.session_factory() as db:
        statement = select(Automation).where(
            Automation.kind.in_(EVENT_KINDS), Automation.enabled.is_(True)
        )
        if connection_ids is None:
            return [r.id for r in db.scalars(statement)]
        if not connection_ids:
            return []
        users = select(Connection.user_id).where(Connection.id.in_(connection_ids))
        rules = list(db.scalars(statement.where(Automation.user_id.in_(users))))
        if not rules:
            return []
        mine = set(db.scalars(select(Account.id).where(Account.connection_id.in_(connection_ids))))
        pots = set(db.scalars(select(Pot.id).where(Pot.connection_id.in_(connection_ids))))
        return [
            r.id
            for r in rules
            if pots & set(configs.pot_ids(r.kind, r.config))
            or mine & set(r.config.get("card_account_ids", []))
        ]
