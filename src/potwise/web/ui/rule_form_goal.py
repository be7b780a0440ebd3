"""The savings goal form: a target amount in a pot by a date, optionally with a monthly
share moved there on payday.

A Monzo pot with a goal of its own offers it as the target: a box to tick, so it works
without script (which pot is chosen is only known once the form is sent). The goal is
copied into the rule when it is saved; a later change in the Monzo app is not followed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from potwise.db.models import Automation
from potwise.services.automations import configs
from potwise.web.ui.rule_fields import (
    BaseForm,
    FormContext,
    Reading,
    Submitted,
    check_pot,
    pounds,
    read_limits,
    read_pence,
)

DEFAULTS = configs.defaults("goal")

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def read_date(text: str) -> date | None:
    """A date as a date field sends it (2027-06-30), or as people write it (30/06/2027)."""
    value = text.strip()
    try:
        if (match := _DAY_MONTH_YEAR.fullmatch(value)) is not None:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class GoalForm(BaseForm):
    KIND: ClassVar[str] = "goal"
    TEMPLATE: ClassVar[str] = "rule_form_goal.html"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"pot_id", "target_amount", "target_date", "max_transfer", "max_per_day"}
    )

    pot_id: str = ""
    target_amount: str = ""
    target_date: str = ""
    contribute: bool = bool(DEFAULTS["contribute_on_payday"])
    max_transfer: str = pounds(DEFAULTS["max_transfer"])
    max_per_day: str = pounds(DEFAULTS["max_per_day"])
    use_pot_goal: bool = False

    @classmethod
    def blank(cls) -> GoalForm:
        return cls(name="Savings goal")

    @classmethod
    def from_rule(cls, rule: Automation) -> GoalForm:
        config = {**DEFAULTS, **rule.config}
        return cls(
            name=rule.name,
            enabled=rule.enabled,
            pot_id=str(config.get("pot_id", "")),
            target_amount=pounds(int(config.get("target_amount", 0))),
            target_date=str(config.get("target_date", "")),
            contribute=bool(config["contribute_on_payday"]),
            max_transfer=pounds(int(config["max_transfer"])),
            max_per_day=pounds(int(config["max_per_day"])),
        )

    @classmethod
    def submitted(cls, data: Submitted) -> GoalForm:
        return cls(
            name=data.text("name", 500),
            enabled=data.ticked("enabled"),
            pot_id=data.text("pot_id", 64).strip(),
            target_amount=data.text("target_amount"),
            target_date=data.text("target_date", 20),
            contribute=data.ticked("contribute_on_payday"),
            max_transfer=data.text("max_transfer"),
            max_per_day=data.text("max_per_day"),
            use_pot_goal=data.ticked("use_pot_goal"),
        )

    def _target(self, ctx: FormContext, errors: dict[str, str]) -> int | None:
        """The target typed, or the chosen pot's own goal when the box asks for it."""
        pot = ctx.choices.pot(self.pot_id)
        if not self.use_pot_goal or pot is None:
            return read_pence(self.target_amount, "target", errors, "target_amount")
        if not pot.goal:
            errors["target_amount"] = (
                f"\u201c{pot.name}\u201d has no goal in the Monzo app: type a target, "
                "or untick the box."
            )
            return None
        self.target_amount = pounds(pot.goal)
        return int(pot.goal)

    def _date(self, ctx: FormContext, errors: dict[str, str]) -> date | None:
        when = read_date(self.target_date)
        if when is None:
            errors["target_date"] = "Enter the date to reach the goal by, like 2027-06-30."
            return None
        stored = ctx.rule.config.get("target_date") if ctx.rule is not None else None
        if when <= ctx.today and when.isoformat() != stored:
            errors["target_date"] = "Choose a date after today."
            return None
        return when

    def read(self, ctx: FormContext) -> Reading:
        errors: dict[str, str] = {}
        self.check_name(errors)
        check_pot(self.pot_id, ctx, errors, "pot_id", "Choose the pot to save in.")
        target = self._target(ctx, errors)
        when = self._date(ctx, errors)
        limits = read_limits(self.max_transfer, self.max_per_day, errors)
        if errors or when is None:
            return errors, None
        return errors, {
            "pot_id": self.pot_id,
            "target_amount": target,
            "target_date": when.isoformat(),
            "contribute_on_payday": self.contribute,
            **limits,
        }
