"""The sweep form: what is above a threshold in the current account goes into a pot,
every day, every week on one day, or the day before payday."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from potwise.db.models import Automation
from potwise.domain.rules import sweep
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

DEFAULTS = configs.defaults("sweep")
SCHEDULES = (
    ("daily", "Every day"),
    ("weekly", "Once a week"),
    ("before_payday", "The day before payday"),
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: What a sweep rounds down to, in pence, as the form offers it.
ROUNDINGS = ((100, "Whole pounds"), (1, "To the penny"), (1000, "Tens of pounds"))

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


@dataclass
class SweepForm(BaseForm):
    KIND: ClassVar[str] = "sweep"
    TEMPLATE: ClassVar[str] = "rule_form_sweep.html"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"pot_id", "threshold", "schedule", "weekday", "time", "round_to"}
        | {"max_transfer", "max_per_day"}
    )
    SCHEDULES: ClassVar[tuple[tuple[str, str], ...]] = SCHEDULES
    WEEKDAYS: ClassVar[tuple[str, ...]] = WEEKDAYS

    pot_id: str = ""
    threshold: str = ""
    keep_for_bills: bool = bool(DEFAULTS["keep_for_bills"])
    schedule: str = str(DEFAULTS["schedule"])
    weekday: str = ""
    time: str = str(DEFAULTS["time"])
    round_to: str = str(DEFAULTS["round_to"])
    max_transfer: str = pounds(DEFAULTS["max_transfer"])
    max_per_day: str = pounds(DEFAULTS["max_per_day"])

    @classmethod
    def blank(cls) -> SweepForm:
        return cls(name="Sweep")

    @classmethod
    def from_rule(cls, rule: Automation) -> SweepForm:
        config = {**DEFAULTS, **rule.config}
        weekday = config.get("weekday")
        return cls(
            name=rule.name,
            enabled=rule.enabled,
            pot_id=str(config.get("pot_id", "")),
            threshold=pounds(int(config.get("threshold", 0))),
            keep_for_bills=bool(config["keep_for_bills"]),
            schedule=str(config["schedule"]),
            weekday="" if weekday is None else str(weekday),
            time=str(config["time"]),
            round_to=str(config["round_to"]),
            max_transfer=pounds(int(config["max_transfer"])),
            max_per_day=pounds(int(config["max_per_day"])),
        )

    @classmethod
    def submitted(cls, data: Submitted) -> SweepForm:
        return cls(
            name=data.text("name", 500),
            enabled=data.ticked("enabled"),
            pot_id=data.text("pot_id", 64).strip(),
            threshold=data.text("threshold"),
            keep_for_bills=data.ticked("keep_for_bills"),
            schedule=data.text("schedule", 20),
            weekday=data.text("weekday", 4),
            time=data.text("time", 10),
            round_to=data.text("round_to", 10),
            max_transfer=data.text("max_transfer"),
            max_per_day=data.text("max_per_day"),
        )

    def _rounding(self) -> int | None:
        """The rounding chosen, in pence, if it is one a sweep can have."""
        value = self.round_to.strip()
        if value.isdigit() and 1 <= int(value) <= sweep.MAX_ROUND_TO:
            return int(value)
        return None

    def roundings(self) -> list[tuple[str, str]]:
        """The choices of rounding, with one set elsewhere (through the API) kept."""
        offered = [(str(pence), words) for pence, words in ROUNDINGS]
        chosen = self._rounding()
        if chosen is not None and chosen not in {pence for pence, _ in ROUNDINGS}:
            offered.append((str(chosen), f"Multiples of \u00a3{pounds(chosen)}"))
        return offered

    def _schedule(self, errors: dict[str, str]) -> tuple[str, int | None]:
        if self.schedule not in {key for key, _ in SCHEDULES}:
            errors["schedule"] = "Choose when the rule sweeps."
            return "", None
        if self.schedule != "weekly":
            return self.schedule, None
        if self.weekday not in {str(i) for i in range(7)}:
            errors["weekday"] = "Choose the day of the week to sweep on."
            return self.schedule, None
        return self.schedule, int(self.weekday)

    def _time(self, errors: dict[str, str]) -> str:
        match = _TIME.fullmatch(self.time.strip())
        if match is None:
            errors["time"] = "Enter a time of day like 20:00 (24-hour clock)."
            return ""
        return f"{int(match[1]):02d}:{match[2]}"

    def read(self, ctx: FormContext) -> Reading:
        errors: dict[str, str] = {}
        self.check_name(errors)
        check_pot(self.pot_id, ctx, errors, "pot_id", "Choose the pot to sweep into.")
        threshold = read_pence(self.threshold, "amount to keep", errors, "threshold", zero=True)
        schedule, weekday = self._schedule(errors)
        at = self._time(errors)
        round_to = self._rounding()
        if round_to is None:
            errors["round_to"] = "Choose how to round what is swept."
        limits = read_limits(self.max_transfer, self.max_per_day, errors)
        if errors:
            return errors, None
        return errors, {
            "pot_id": self.pot_id,
            "threshold": threshold,
            "keep_for_bills": self.keep_for_bills,
            "schedule": schedule,
            "weekday": weekday,
            "time": at,
            "round_to": round_to,
            **limits,
        }
