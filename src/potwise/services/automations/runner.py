"""Running a rule: live balances (or honest fallback) → decision → persisted intent → executor.

Runs for one pot never overlap (a lease, across processes); a preview runs
the same path but stores nothing but its own record and moves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import (
    Account,
    Automation,
    AutomationRun,
    Connection,
    Pot,
    SyncRun,
    Transaction,
    Transfer,
)
from potwise.domain.errors import DomainError
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.rules import cardpot
from potwise.logs import get_logger
from potwise.services import connections, leases
from potwise.services.automations import executor, pause
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.notify import notify
from potwise.services.sync import engine

log = get_logger(__name__)

RUN_LEASE_TTL = timedelta(minutes=5)
# Synced values younger than this may stand in for live ones when a bank is unreachable.
MAX_FALLBACK_AGE = timedelta(hours=2)
JUST_SYNCED = timedelta(minutes=1)


@dataclass(frozen=True)
class RunOutcome:
    run: AutomationRun
    transfers: list[Transfer]


def _now() -> datetime:
    return datetime.now(UTC)


def run_rule(
    ctx: ConnectionsContext,
    automation_id: str,
    *,
    trigger: str,
    dry_run: bool = False,
    psu_ip: str | None = None,
) -> RunOutcome:
    """Evaluate one rule now; with `dry_run` nothing moves and no rule state changes."""
    with ctx.session_factory() as db:
        rule = db.get(Automation, automation_id)
        if rule is None:
            raise NotFound("No such automation.")
        pot_id = str(rule.config.get("pot_id", ""))
    if dry_run:
        return _evaluate(ctx, automation_id, trigger=trigger, dry_run=True, psu_ip=psu_ip)
    with leases.held(ctx.session_factory, f"pot:{pot_id}", RUN_LEASE_TTL) as owner:
        if owner is None:
            return _record(
                ctx,
                automation_id,
                trigger=trigger,
                dry_run=False,
                status="skipped",
                reason="already_running",
                explanation="Another run for this pot is in progress; this one stood aside.",
            )
        return _evaluate(ctx, automation_id, trigger=trigger, dry_run=False, psu_ip=psu_ip)


def run_many(
    ctx: ConnectionsContext,
    automation_ids: Sequence[str],
    *,
    trigger: str,
    max_workers: int = 8,
) -> list[RunOutcome]:
    """Run several rules concurrently (a scheduled cycle, `potwise automations run`).

    Each rule runs as `run_rule` does, under its pot's lease, so rules sharing a
    pot still take turns; one rule failing never stops the others. Outcomes come
    back in the order of `automation_ids` (a rule that crashed is left out and logged).
    """
    if not automation_ids:
        return []

    def one(automation_id: str) -> RunOutcome | None:
        try:
            return run_rule(ctx, automation_id, trigger=trigger)
        except Exception:
            log.exception("automation.run_crashed", automation_id=automation_id, trigger=trigger)
            return None

    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(automation_ids)))) as pool:
        outcomes = list(pool.map(one, automation_ids))
    return [o for o in outcomes if o is not None]


def _record(
    ctx: ConnectionsContext,
    automation_id: str,
    *,
    trigger: str,
    dry_run: bool,
    status: str,
    reason: str,
    explanation: str,
    inputs: dict[str, Any] | None = None,
    decision: dict[str, Any] | None = None,
    data_as_of: datetime | None = None,
    rule_status: tuple[str, str | None] | None = None,
) -> RunOutcome:
    now = _now()
    with ctx.session_factory() as db:
        rule = db.get(Automation, automation_id)
        if rule is None:
            raise NotFound("No such automation.")
        run = AutomationRun(
            user_id=rule.user_id,
            automation_id=automation_id,
            trigger=trigger,
            dry_run=dry_run,
            started_at=now,
            finished_at=now,
            status="preview" if dry_run and status != "skipped" else status,
            reason=reason,
            explanation=explanation,
            inputs=inputs or {},
            decision=decision or {},
            data_as_of=data_as_of,
        )
        db.add(run)
        if not dry_run:
            rule.last_run_at = now
            if rule_status is not None:
                rule.status, rule.status_reason = rule_status
        db.commit()
        return RunOutcome(run, [])


@dataclass(frozen=True)
class _Scene:
    """Everything a card-pot decision reads, gathered from the (freshly synced) mirror."""

    user_id: str
    config: cardpot.CardPotConfig
    state: cardpot.CardPotState | None
    pot_row_id: str
    account_row_id: str
    cards: tuple[cardpot.CardSnapshot, ...]
    pot: cardpot.PotSnapshot
    current: cardpot.CurrentAccountSnapshot
    moved_today: int
    data_as_of: datetime | None
    timezone: str


class Skip(Exception):
    """The rule cannot decide now; the message says why (and whether it pauses itself)."""

    def __init__(self, reason: str, message: str, *, pauses_rule: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.pauses_rule = pauses_rule


def _evaluate(
    ctx: ConnectionsContext,
    automation_id: str,
    *,
    trigger: str,
    dry_run: bool,
    psu_ip: str | None,
) -> RunOutcome:
    with ctx.session_factory() as db:
        rule = db.get(Automation, automation_id)
        if rule is None:
            raise NotFound("No such automation.")
        user_id = rule.user_id
        enabled = rule.enabled
        held = pause.pause_reason(db, user_id)
    if not dry_run:
        if not enabled:
            return _record(
                ctx,
                automation_id,
                trigger=trigger,
                dry_run=False,
                status="skipped",
                reason="disabled",
                explanation="The rule is switched off.",
            )
        if held is not None:
            return _record(
                ctx,
                automation_id,
                trigger=trigger,
                dry_run=False,
                status="skipped",
                reason="paused",
                explanation=held,
            )
        executor.reconcile(ctx, automation_id=automation_id)
    try:
        scene = _gather(ctx, automation_id, psu_ip=psu_ip, trigger=trigger)
        decision = cardpot.decide_card_pot(
            scene.config,
            cards=scene.cards,
            pot=scene.pot,
            current=scene.current,
            moved_today=scene.moved_today,
            state=scene.state,
            now=_now(),
            tz=scene.timezone,
        )
    except Skip as skip:
        status = ("paused", skip.message) if skip.pauses_rule else ("error", skip.message)
        return _record(
            ctx,
            automation_id,
            trigger=trigger,
            dry_run=dry_run,
            status="skipped",
            reason=skip.reason,
            explanation=skip.message,
            rule_status=status,
        )
    except DomainError as exc:
        return _record(
            ctx,
            automation_id,
            trigger=trigger,
            dry_run=dry_run,
            status="failed",
            reason=exc.code,
            explanation=exc.message,
            rule_status=("error", exc.message),
        )
    explanation = decision.explanation
    if scene.data_as_of is not None:
        local = scene.data_as_of.astimezone(ZoneInfo(scene.timezone))
        explanation = (
            f"Based on data from {local:%H:%M}: live balances could not be fetched just now "
            "(a bank did not answer, or its daily allowance of background refreshes is "
            f"spent). {explanation}"
        )
    inputs = _inputs_summary(scene)
    if dry_run:
        return _preview(ctx, automation_id, trigger, scene, decision, explanation, inputs)
    return _act(ctx, automation_id, trigger, scene, decision, explanation, inputs)


def _inputs_summary(scene: _Scene) -> dict[str, Any]:
    return {
        "cards": [
            {
                "account_id": c.account_id,
                "provider_id": c.provider_id,
                "balance": c.balance,
                "pending": [t.amount for t in c.pending],
            }
            for c in scene.cards
        ],
        "pot": {"id": scene.pot_row_id, "balance": scene.pot.balance, "deleted": scene.pot.deleted},
        "current_account_available": scene.current.available,
        "moved_today": scene.moved_today,
        "currency": scene.pot.currency,
    }


def _preview(
    ctx: ConnectionsContext,
    automation_id: str,
    trigger: str,
    scene: _Scene,
    decision: cardpot.CardPotDecision,
    explanation: str,
    inputs: dict[str, Any],
) -> RunOutcome:
    outcome = _record(
        ctx,
        automation_id,
        trigger=trigger,
        dry_run=True,
        status="preview",
        reason=decision.reason.value,
        explanation=explanation,
        inputs=inputs,
        decision=decision.to_dict(),
        data_as_of=scene.data_as_of,
    )
    planned: list[Transfer] = []
    if decision.action != cardpot.Action.NONE:
        # Shown, never stored: a preview plans on paper only.
        planned.append(
            Transfer(
                id="preview",
                user_id=scene.user_id,
                automation_id=automation_id,
                pot_id=scene.pot_row_id,
                pot_external_id="",
                account_external_id="",
                direction=decision.action.value,
                amount=decision.amount,
                currency=decision.currency,
                dedupe_id=executor.dedupe_id_for(automation_id, outcome.run.id, 0),
                status="planned",
                reason=explanation,
                attempts=0,
                created_at=outcome.run.started_at,
            )
        )
    return RunOutcome(outcome.run, planned)


def _rule_status(decision: cardpot.CardPotDecision) -> tuple[str, str | None]:
    if decision.reason == cardpot.Reason.INSUFFICIENT_FUNDS:
        return "waiting_funds", "Not enough in the current account; retrying on every run."
    until = decision.cooldown_until
    if until is not None:
        return "cooldown", f"Cooling down until {until.isoformat()}"
    return "ok", None


def _act(
    ctx: ConnectionsContext,
    automation_id: str,
    trigger: str,
    scene: _Scene,
    decision: cardpot.CardPotDecision,
    explanation: str,
    inputs: dict[str, Any],
) -> RunOutcome:
    now = _now()
    new_state = decision.new_state.to_dict() if decision.new_state is not None else None
    with ctx.session_factory() as db:
        rule = db.get(Automation, automation_id)
        pot = db.get(Pot, scene.pot_row_id)
        account = db.get(Account, scene.account_row_id)
        if rule is None or pot is None or account is None:
            raise NotFound("The rule, its pot or its account disappeared.")
        run = AutomationRun(
            user_id=rule.user_id,
            automation_id=automation_id,
            trigger=trigger,
            dry_run=False,
            started_at=now,
            status="running",
            reason=decision.reason.value,
            explanation=explanation,
            inputs=inputs,
            decision=decision.to_dict(),
            data_as_of=scene.data_as_of,
        )
        db.add(run)
        db.flush()
        transfer: Transfer | None = None
        if decision.action == cardpot.Action.NONE:
            if new_state is not None:
                rule.state = new_state
        else:
            transfer = executor.plan(
                user_id=rule.user_id,
                automation_id=automation_id,
                run_id=run.id,
                sequence=0,
                pot=pot,
                account=account,
                direction=decision.action.value,
                amount=decision.amount,
                reason=explanation,
                state_after=new_state,
            )
            db.add(transfer)
        rule.status, rule.status_reason = _rule_status(decision)
        rule.last_run_at = now
        if decision.notify:
            notify(
                db,
                rule.user_id,
                f"automation.{decision.reason.value}",
                decision.notify,
                level="warning",
            )
        db.commit()
        run_id, transfer_id = run.id, transfer.id if transfer else None
    settled: list[Transfer] = []
    if transfer_id is not None:
        settled.append(executor.execute(ctx, transfer_id))
    with ctx.session_factory() as db:
        stored = db.get(AutomationRun, run_id)
        if stored is None:
            raise NotFound("The run disappeared.")
        if settled:
            outcome = settled[0].status
            stored.status = {"confirmed": "moved", "failed": "failed"}.get(outcome, "unknown")
        else:
            stored.status = "nothing"
        stored.finished_at = _now()
        db.commit()
        log.info(
            "automation.ran",
            automation_id=automation_id,
            trigger=trigger,
            reason=decision.reason.value,
            action=decision.action.value,
            amount=decision.amount,
            dedupe_id=settled[0].dedupe_id if settled else None,
            status=stored.status,
        )
        return RunOutcome(stored, settled)


# --- gathering inputs ----------------------------------------------------------------


def _gather(
    ctx: ConnectionsContext, automation_id: str, *, psu_ip: str | None, trigger: str
) -> _Scene:
    """Refresh the pot, current account and cards from the banks, then read the mirror.

    When a bank cannot be reached (down, or its unattended allowance is spent),
    the last synced values stand in if they are younger than MAX_FALLBACK_AGE
    and the decision says so; older data means no decision at all.
    """
    with ctx.session_factory() as db:
        rule = db.get(Automation, automation_id)
        if rule is None:
            raise NotFound("No such automation.")
        config = cardpot.CardPotConfig.from_dict(rule.config)
        pot = db.get(Pot, config.pot_id)
        if pot is None or pot.user_id != rule.user_id:
            raise Skip("pot_missing", "The rule's pot no longer exists.", pauses_rule=True)
        if pot.deleted:
            raise Skip(
                "pot_deleted",
                f"The pot \u201c{pot.name}\u201d was deleted in the Monzo app; "
                "choose another pot for this rule.",
                pauses_rule=True,
            )
        cards = [db.get(Account, card_id) for card_id in config.card_account_ids]
        if any(c is None or c.user_id != rule.user_id for c in cards):
            raise Skip(
                "card_missing", "One of the rule's cards is no longer connected.", pauses_rule=True
            )
        monzo_connection = db.get(Connection, pot.connection_id)
        pot_account = db.get(Account, pot.account_id)
        card_connections = {c.connection_id for c in cards if c is not None}
        statuses = {
            cid: db.scalar(select(Connection.status).where(Connection.id == cid))
            for cid in {pot.connection_id, *card_connections}
        }
        user_id = rule.user_id
        timezone = ctx.settings.timezone
        card_accounts: dict[str, list[str]] = {c.connection_id: [] for c in cards if c is not None}
        for c in cards:
            if c is not None:
                card_accounts[c.connection_id].append(c.external_id)
    for status in statuses.values():
        if status == connections.STATUS_NEEDS_RECONNECT:
            raise Skip(
                "needs_reconnect",
                "A connection this rule needs must be re-connected first.",
                pauses_rule=True,
            )
    if monzo_connection is None:
        raise Skip("needs_reconnect", "The Monzo connection was removed.", pauses_rule=True)
    stale: list[datetime] = []
    # Only what the decision reads: the pot and the account that holds it (the
    # spendable balance), and the rule's cards.
    wanted: list[tuple[str, set[str] | None]] = [
        (monzo_connection.id, {pot_account.external_id} if pot_account is not None else None),
        *((cid, set(externals)) for cid, externals in card_accounts.items()),
    ]
    for connection_id, externals in wanted:
        if trigger == "sync" and _just_synced(ctx, connection_id):
            continue  # the sync that triggered this run has just read these balances
        refreshed = engine.refresh_balances(
            ctx, connection_id, account_external_ids=externals, psu_ip=psu_ip
        )
        if refreshed is not None:
            stale.append(refreshed)
    now = _now()
    with ctx.session_factory() as db:
        return _scene_from_mirror(db, user_id, automation_id, config, timezone, now, stale)


def _just_synced(ctx: ConnectionsContext, connection_id: str) -> bool:
    """A full sync of this connection finished moments ago (the one that triggered
    this run): its balances are live, and reading them again would only spend
    calls (TrueLayer answers a few unattended ones a day)."""
    with ctx.session_factory() as db:
        finished = db.scalar(
            select(func.max(SyncRun.finished_at)).where(
                SyncRun.connection_id == connection_id,
                SyncRun.status == "succeeded",
                SyncRun.trigger != "automation",
            )
        )
    return finished is not None and _now() - finished <= JUST_SYNCED


def _as_bank_transaction(row: Transaction, account_external_id: str) -> BankTransaction:
    return BankTransaction(
        external_id=row.external_id,
        account_external_id=account_external_id,
        created_at=row.created_at,
        amount=row.amount,
        currency=row.currency,
        status=TransactionStatus(row.status),
        description=row.description,
        settled_at=row.settled_at,
        merchant=row.merchant,
    )


def _scene_from_mirror(
    db: Session,
    user_id: str,
    automation_id: str,
    config: cardpot.CardPotConfig,
    timezone: str,
    now: datetime,
    stale: list[datetime],
) -> _Scene:
    rule = db.get(Automation, automation_id)
    pot = db.get(Pot, config.pot_id)
    if rule is None or pot is None:
        raise NotFound("The rule or its pot disappeared.")
    account = db.get(Account, pot.account_id)
    if account is None or account.balance is None:
        raise Skip("no_data", "The Monzo current account has not been synced yet.")
    oldest_fallback = min(stale) if stale else None
    if oldest_fallback is not None and now - oldest_fallback > MAX_FALLBACK_AGE:
        raise Skip(
            "stale_data",
            "A bank could not be reached and its last synced balances are older than "
            f"{int(MAX_FALLBACK_AGE.total_seconds() // 3600)} hours; nothing was decided.",
        )
    horizon = now - cardpot.SEEN_RETENTION
    snapshots: list[cardpot.CardSnapshot] = []
    for card_id in config.card_account_ids:
        card = db.get(Account, card_id)
        if card is None or card.balance is None:
            raise Skip("no_data", "A card of this rule has not been synced yet.")
        rows = list(
            db.scalars(
                select(Transaction).where(
                    Transaction.account_id == card.id,
                    Transaction.created_at >= horizon,
                    Transaction.status != "declined",
                )
            )
        )
        snapshots.append(
            cardpot.CardSnapshot(
                account_id=card.id,
                provider_id=card.provider,
                currency=card.currency,
                balance=card.balance,
                pending=tuple(
                    _as_bank_transaction(r, card.external_id) for r in rows if r.status == "pending"
                ),
                posted=tuple(
                    _as_bank_transaction(r, card.external_id) for r in rows if r.status == "settled"
                ),
                name=card.name,
                credit_limit=card.credit_limit,
                available=card.available,
            )
        )
    spendable = (
        account.balance if account.available is None else min(account.balance, account.available)
    )
    local_midnight = datetime.combine(
        now.astimezone(ZoneInfo(timezone)).date(), time(0), ZoneInfo(timezone)
    )
    moved_today = db.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.automation_id == automation_id,
            Transfer.direction == "deposit",
            Transfer.status.in_(("confirmed", "sent", "unknown", "planned")),
            Transfer.created_at >= local_midnight.astimezone(UTC),
        )
    )
    state = cardpot.CardPotState.from_dict(rule.state) if rule.state else None
    return _Scene(
        user_id=user_id,
        config=config,
        state=state,
        pot_row_id=pot.id,
        account_row_id=account.id,
        cards=tuple(snapshots),
        pot=cardpot.PotSnapshot(
            pot_id=pot.id, balance=pot.balance, currency=pot.currency, deleted=pot.deleted
        ),
        current=cardpot.CurrentAccountSnapshot(
            available=max(0, spendable), currency=account.currency
        ),
        moved_today=int(moved_today or 0),
        data_as_of=oldest_fallback,
        timezone=timezone,
    )


def rules_touching(
    ctx: ConnectionsContext, *, connection_ids: Sequence[str] | None = None
) -> list[str]:
    """Enabled card-pot rules whose pot or cards come through any of these connections
    (every enabled rule if None). Only the connections' owners' rules are looked at."""
    with ctx.session_factory() as db:
        statement = select(Automation).where(
            Automation.kind == "card_pot", Automation.enabled.is_(True)
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
            if r.config.get("pot_id") in pots or mine & set(r.config.get("card_account_ids", []))
        ]
