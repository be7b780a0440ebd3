"""The top-up form: when the current account falls below a floor, money comes back from
a pot to bring it up to a target."""

from __future__ import annotations

from dataclasses import dataclass
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
    read_hours,
    read_limits,
    read_pence,
)

DEFAULTS = configs.defaults("topup")


@dataclass
class TopupForm(BaseForm):
    KIND: ClassVar[str] = "topup"
    TEMPLATE: ClassVar[str] = "rule_form_topup.html"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"pot_id", "floor", "target", "pot_floor", "cooldown_hours"}
        | {"max_transfer", "max_per_day"}
    )

    pot_id: str = ""
    floor: str = ""
    target: str = ""
    pot_floor: str = pounds(DEFAULTS["pot_floor"])
    cooldown_hours: str = str(DEFAULTS["cooldown_hours"])
    max_transfer: str = pounds(DEFAULTS["max_transfer"])
    max_per_day: str = pounds(DEFAULTS["max_per_day"])

    @classmethod
    def blank(cls) -> TopupForm:
        return cls(name="Top-up")

    @classmethod
    def from_rule(cls, rule: Automation) -> TopupForm:
        config = {**DEFAULTS, **rule.config}
        return cls(
            name=rule.name,
            enabled=rule.enabled,
            pot_id=str(config.get("pot_id", "")),
            floor=pounds(int(config.get("floor", 0))),
            target=pounds(int(config.get("target", 0))),
            pot_floor=pounds(int(config["pot_floor"])),
            cooldown_hours=str(config["cooldown_hours"]),
            max_transfer=pounds(int(config["max_transfer"])),
            max_per_day=pounds(int(config["max_per_day"])),
        )

    @classmethod
    def submitted(cls, data: Submitted) -> TopupForm:
        return cls(
            name=data.text("name", 500),
            enabled=data.ticked("enabled"),
            pot_id=data.text("pot_id", 64).strip(),
            floor=data.text("floor"),
            target=data.text("target"),
            pot_floor=data.text("pot_floor"),
            cooldown_hours=data.text("cooldown_hours", 20),
            max_transfer=data.text("max_transfer"),
            max_per_day=data.text("max_per_day"),
        )

    def read(self, ctx: FormContext) -> Reading:
        errors: dict[str, str] = {}
        self.check_name(errors)
        check_pot(self.pot_id, ctx, errors, "pot_id", "Choose the pot the money comes from.")
        floor = read_pence(self.floor, "floor", errors, "floor", zero=True)
        target = read_pence(self.target, "target", errors, "target", zero=True)
        if floor is not None and target is not None and target < floor:
            errors["target"] = "The target must be at least the floor."
        pot_floor = read_pence(
            self.pot_floor, "amount to leave in the pot", errors, "pot_floor", zero=True
        )
        cooldown = read_hours(self.cooldown_hours, errors, "cooldown_hours", "wait")
        limits = read_limits(self.max_transfer, self.max_per_day, errors)
        if errors:
            return errors, None
        return errors, {
            "pot_id": self.pot_id,
            "floor": floor,
            "target": target,
            "pot_floor": pot_floor,
            "cooldown_hours": cooldown,
            **limits,
        }
