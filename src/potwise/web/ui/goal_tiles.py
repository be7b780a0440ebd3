"""The dashboard's savings goals: each goal rule with how far its pot has come."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from potwise import clock
from potwise.services import dashboard, mirror
from potwise.services.automations import rules
from potwise.services.dashboard import RuleStatus
from potwise.web.security import Db
from potwise.web.ui.automation_summary import GoalView, goal_standing


@dataclass(frozen=True)
class GoalTile:
    rule_id: str
    name: str
    pot_name: str | None
    pot_deleted: bool
    view: GoalView | None  # None when its pot is gone or its config cannot be read
    status: RuleStatus


def goal_tiles(db: Db, user_id: str, zone: ZoneInfo, paused: str | None) -> list[GoalTile]:
    """Every goal rule of the user's, oldest first, with its progress today (their date)."""
    goals = [rule for rule in rules.list_rules(db, user_id) if rule.kind == "goal"]
    if not goals:
        return []
    pots = {p.id: p for p in mirror.list_pots(db, user_id, include_deleted=True)}
    today = clock.now().astimezone(zone).date()
    tiles = []
    for rule in goals:
        pot = pots.get(str(rule.config.get("pot_id", "")))
        tiles.append(
            GoalTile(
                rule_id=rule.id,
                name=rule.name,
                pot_name=pot.name if pot else None,
                pot_deleted=bool(pot and pot.deleted),
                view=goal_standing(rule, pot, today),
                status=dashboard.rule_status(rule, zone, paused),
            )
        )
    return tiles
