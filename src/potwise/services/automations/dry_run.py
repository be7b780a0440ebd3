"""A dry run: what a rule would decide now, on the data as last synced, writing nothing.

Unlike a preview (`runner.run_rule(..., dry_run=True)`, which refreshes live
balances and keeps a record of itself), a dry run asks no bank and stores
nothing: no sync run, no call booked against an allowance, no run, no rule
state, no notice. It reads the mirror in one session and rolls it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, Pot
from potwise.domain.errors import DomainError
from potwise.domain.rules import cardpot
from potwise.services import zones
from potwise.services.automations import gather, kinds, recording
from potwise.services.automations.evaluate import evaluate
from potwise.services.automations.scene import Skip, read_scene
from potwise.services.context import ConnectionsContext
from potwise.services.errors import NotFound

__all__ = ["DryRun", "Move", "dry_run"]


@dataclass(frozen=True)
class Move:
    """A move the rule would make."""

    direction: str
    amount: int
    currency: str


@dataclass(frozen=True)
class DryRun:
    """What a rule would do: `decided` (with its moves, maybe none) or `skipped`, and why.

    `data_as_of` is when the oldest balance it read was synced (None: never);
    `timezone` is the rule owner's, for showing it."""

    automation_id: str
    status: str
    reason: str
    explanation: str
    timezone: str
    data_as_of: datetime | None = None
    moves: list[Move] = field(default_factory=list)


def dry_run(ctx: ConnectionsContext, automation_id: str) -> DryRun:
    """Decide `automation_id` on the mirror as it is; nothing is written anywhere."""
    with ctx.session_factory() as db:
        try:
            return _decide(ctx, db, automation_id)
        finally:
            db.rollback()


def _decide(ctx: ConnectionsContext, db: Session, automation_id: str) -> DryRun:
    rule = db.get(Automation, automation_id)
    if rule is None:
        raise NotFound("No such automation.")
    zone = zones.user_zone(db, rule.user_id, ctx.settings.timezone)
    try:
        found = gather.targets(db, rule, trigger="cli")
        now = recording.now()
        if found.config is None:
            return _decide_moves(db, rule, zone.key, now)
        as_of = _synced_at(db, found.config.pot_id, found.config.card_account_ids)
        scene = read_scene(db, rule, found.config, timezone=zone.key, now=now, stale=[])
        ev = evaluate(scene, now)
    except (Skip, DomainError) as exc:
        reason = exc.reason if isinstance(exc, Skip) else exc.code
        return DryRun(rule.id, "skipped", reason, exc.message, zone.key)
    decision = ev.decision
    moves = []
    if decision.action != cardpot.Action.NONE:
        moves.append(Move(decision.action.value, decision.amount, decision.currency))
    return DryRun(rule.id, "decided", decision.reason.value, ev.explanation, zone.key, as_of, moves)


def _decide_moves(db: Session, rule: Automation, zone: str, now: datetime) -> DryRun:
    """A sweep, sorter, top-up or goal, on the mirror as it is."""
    scene = kinds.decide(kinds.read_context(db, rule, now=now, timezone=zone, stale=[]))
    decision = scene.decision
    as_of = _synced_at(db, next(iter(scene.ctx.pots)), ())
    moves = [Move(m.direction.value, m.amount, decision.currency) for m in decision.moves]
    return DryRun(rule.id, "decided", decision.reason, decision.explanation, zone, as_of, moves)


def _synced_at(db: Session, pot_id: str, card_ids: Sequence[str]) -> datetime | None:
    """When the oldest balance the decision reads (the pot's account, the cards) was synced."""
    account_id = db.scalar(select(Pot.account_id).where(Pot.id == pot_id))
    ids = [account_id, *card_ids]
    return db.scalar(select(func.min(Account.balance_at)).where(Account.id.in_(ids)))
