"""A rule in one line, and when it next acts, for the automations list and a rule's page.

Read from the stored config; a config these cannot read (written by an older release,
or by hand) gives no line rather than a broken page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from potwise.db.models import Account, Automation, Pot
from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.domain.rules import sweep
from potwise.domain.rules.goal import GoalConfig, GoalProgress, goal_progress
from potwise.domain.rules.wording import day, when

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_UNREADABLE = (DomainError, KeyError, TypeError, ValueError)


def short_money(minor: int) -> str:
    """`£1,000` for whole pounds, `£12.50` otherwise: how a summary quotes an amount."""
    text = Money(minor, "GBP").format()
    return text.removesuffix(".00")


def long_date(on: date) -> str:
    """`30 Jun 2027`."""
    return f"{on.day} {on:%b %Y}"


def _pot(pots: Mapping[str, Pot], pot_id: object) -> str:
    pot = pots.get(str(pot_id))
    return pot.name if pot is not None else "a pot that is gone"


def _card_pot(config: Mapping[str, Any], pots: Mapping[str, Pot], cards: Sequence[Account]) -> str:
    names = [card.name for card in cards]
    owing = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return f"Keeps {_pot(pots, config['pot_id'])} equal to what {owing or 'its cards'} owe"


def _sweep(config: Mapping[str, Any], pots: Mapping[str, Pot], _: Sequence[Account]) -> str:
    schedule = config["schedule"]
    if schedule == "weekly":
        days = f"every {WEEKDAYS[int(config['weekday'])]}"
    elif schedule == "before_payday":
        days = "the day before payday"
    else:
        days = "every day"
    line = (
        f"Sweeps above {short_money(int(config['threshold']))} into "
        f"{_pot(pots, config['pot_id'])} {days} at {config['time']}"
    )
    return line + (", keeping back the bills due before payday" if config["keep_for_bills"] else "")


def _step(step: Mapping[str, Any], pots: Mapping[str, Pot]) -> str:
    kind = step["kind"]
    if kind == "fixed":
        what = short_money(int(step["amount"]))
    elif kind == "percent":
        what = f"{step['percent']}%"
    else:
        what = "the bills due before payday" if kind == "bills" else "the rest"
    return f"{what} to {_pot(pots, step['pot_id'])}"


def _autosort(config: Mapping[str, Any], pots: Mapping[str, Pot], _: Sequence[Account]) -> str:
    if config["income"] == "payer":
        least = int(config.get("min_amount") or 0)
        income = f"pay from {config['payer']}" + (
            f" of at least {short_money(least)}" if least else ""
        )
    else:
        income = "your salary"
    return f"Sorts {income}: " + ", ".join(_step(step, pots) for step in config["steps"])


def _topup(config: Mapping[str, Any], pots: Mapping[str, Pot], _: Sequence[Account]) -> str:
    line = (
        f"Tops the current account up to {short_money(int(config['target']))} from "
        f"{_pot(pots, config['pot_id'])} when it falls below "
        f"{short_money(int(config['floor']))}"
    )
    keep = int(config.get("pot_floor") or 0)
    return line + (f", leaving at least {short_money(keep)} in the pot" if keep else "")


def _goal(config: Mapping[str, Any], pots: Mapping[str, Pot], _: Sequence[Account]) -> str:
    target = short_money(int(config["target_amount"]))
    by = long_date(date.fromisoformat(str(config["target_date"])))
    pot = _pot(pots, config["pot_id"])
    if config.get("contribute_on_payday"):
        return f"Saves {target} in {pot} by {by}, adding the monthly share on payday"
    return f"Tracks {pot} toward {target} by {by}"


_SUMMARIES: dict[str, Callable[[Mapping[str, Any], Mapping[str, Pot], Sequence[Account]], str]] = {
    "card_pot": _card_pot,
    "sweep": _sweep,
    "autosort": _autosort,
    "topup": _topup,
    "goal": _goal,
}


def summary(rule: Automation, pots: Mapping[str, Pot], cards: Sequence[Account] = ()) -> str:
    """What the rule does, in one line ("" when its config cannot be read)."""
    try:
        return _SUMMARIES[rule.kind](rule.config, pots, cards)
    except _UNREADABLE:
        return ""


def needs_payday(rule: Automation) -> bool:
    """Whether saying when the rule next acts needs the user's next payday."""
    config = rule.config
    if rule.kind == "sweep":
        return bool(config.get("schedule") == "before_payday")
    return rule.kind == "goal" and bool(config.get("contribute_on_payday"))


def _next_sweep(rule: Automation, now: datetime, zone: ZoneInfo, payday: date | None) -> str:
    config = sweep.SweepConfig.from_dict(rule.config)
    handled = sweep.SweepState.from_dict(rule.state).last_slot if rule.state else None
    at = sweep.next_slot(config, now, zone.key, payday, handled=handled)
    if at is not None:
        return f"Sweeps at {when(at, now, zone)}"
    if payday is None:
        return "The day before your next payday, once potwise knows it"
    # This payday's slot has passed: the next one waits for the payday after.
    return f"The day before the payday after {day(payday)}"


def _next_goal(rule: Automation, payday: date | None) -> str:
    if not rule.config.get("contribute_on_payday"):
        return "Tracks your progress; moves nothing"
    if payday is None:
        return "On payday, once potwise knows it"
    return f"On payday, {day(payday)}"


def _next_topup(rule: Automation) -> str:
    return f"When the current account falls below {short_money(int(rule.config['floor']))}"


def _next_autosort(rule: Automation) -> str:
    payer = rule.config.get("payer")
    return f"When pay from {payer} arrives" if payer else "When your salary arrives"


def next_run(rule: Automation, now: datetime, zone: ZoneInfo, payday: date | None) -> str | None:
    """When the rule next acts, in words; None when switched off, unreadable, or a
    card pot (it acts on its cards' syncs and spending, not at a time)."""
    if not rule.enabled:
        return None
    try:
        if rule.kind == "sweep":
            return _next_sweep(rule, now, zone, payday)
        if rule.kind == "goal":
            return _next_goal(rule, payday)
        if rule.kind == "topup":
            return _next_topup(rule)
        return _next_autosort(rule) if rule.kind == "autosort" else None
    except _UNREADABLE:
        return None


@dataclass(frozen=True)
class GoalView:
    """A goal as its progress bar shows it."""

    progress: GoalProgress
    target_date: date
    currency: str

    @property
    def percent(self) -> int:
        """Whole percent saved, rounded down (100 only once the goal is reached)."""
        return self.progress.percent_bp // 100

    @property
    def by(self) -> str:
        return long_date(self.target_date)


def goal_standing(rule: Automation, pot: Pot | None, today: date) -> GoalView | None:
    """How far a goal rule has come (None for another kind, or a goal it cannot read)."""
    if rule.kind != "goal" or pot is None:
        return None
    try:
        config = GoalConfig.from_dict(rule.config)
        progress = goal_progress(config, max(pot.balance, 0), today)
    except _UNREADABLE:
        return None
    return GoalView(progress, config.target_date, pot.currency)
