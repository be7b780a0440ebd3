"""When the clock wakes a rule of the kinds that decide into moves.

* a sweep at its slot (a time each day or on a weekday, or the day before payday);
* a goal that contributes on payday, on payday;
* a top-up whose cooldown has run out, or that waits for its pot to have money.

Events wake the rest (`triggers.py`): after every sync of their Monzo connection,
and on its webhooks a salary sorter for money coming in, a top-up for money going
out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from potwise.db.models import Automation
from potwise.domain.payday import paydays_between
from potwise.domain.rules import sweep, topup
from potwise.domain.transfers import RuleStatus
from potwise.services import zones
from potwise.services.automations import configs
from potwise.services.automations.kinds.sweep import domain_config as sweep_config
from potwise.services.automations.kinds.topup import domain_config as topup_config
from potwise.services.cashflow.outlook import outlook

# Kinds whose runs the clock sets off (besides the retries every kind gets).
CLOCK_KINDS = frozenset({"sweep", "goal", "topup"})


def due(db: Session, rule: Automation, now: datetime, fallback_timezone: str) -> bool:
    """Whether the clock should run this (enabled) rule now."""
    zone = zones.user_zone(db, rule.user_id, fallback_timezone)
    if rule.kind == "sweep":
        return _sweep_due(db, rule, now, zone)
    if rule.kind == "goal":
        return _goal_due(db, rule, now, zone)
    if rule.kind == "topup":
        return _topup_due(rule, now)
    return False


def _sweep_due(db: Session, rule: Automation, now: datetime, zone: ZoneInfo) -> bool:
    config = sweep_config(configs.SweepConfig.model_validate(rule.config))
    state = sweep.SweepState.from_dict(rule.state) if rule.state else sweep.SweepState()
    payday = None
    if config.schedule == sweep.Schedule.BEFORE_PAYDAY:
        payday = _next_payday(db, rule.user_id, now, zone)
    # The same test the decision makes: today's slot has come and is not handled.
    return sweep.due_slot(config, now, zone, payday, state.last_slot) is not None


def _goal_due(db: Session, rule: Automation, now: datetime, zone: ZoneInfo) -> bool:
    if not rule.config.get("contribute_on_payday"):
        return False
    today = now.astimezone(zone).date()
    if (rule.state or {}).get("last_contribution_on") == today.isoformat():
        return False
    found = outlook(db, rule.user_id, now=now, zone=zone)
    return found.payday is not None and bool(paydays_between(found.payday, today, today))


def _topup_due(rule: Automation, now: datetime) -> bool:
    if rule.status == RuleStatus.WAITING_FUNDS:
        return True
    if rule.status != RuleStatus.COOLDOWN or not rule.state:
        return False
    config = topup_config(configs.TopupConfig.model_validate(rule.config))
    state = topup.TopupState.from_dict(rule.state)
    if state.last_topup_at is None:
        return True
    return state.last_topup_at + timedelta(hours=config.cooldown_hours) <= now


def _next_payday(db: Session, user_id: str, now: datetime, zone: ZoneInfo) -> date | None:
    found = outlook(db, user_id, now=now, zone=zone)
    return found.next_payday if found.payday_source != "none" else None
