"""The credit-card pot form: a pot kept equal to what the chosen cards owe."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    read_pence,
)

DEFAULTS = configs.defaults("card_pot")


@dataclass
class CardPotForm(BaseForm):
    KIND: ClassVar[str] = "card_pot"
    TEMPLATE: ClassVar[str] = "automation_form.html"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"pot_id", "cooldown_hours", "max_transfer", "max_per_day"}
    )

    pot_id: str = ""
    card_account_ids: list[str] = field(default_factory=list)
    cooldown_hours: str = str(DEFAULTS["cooldown_hours"])
    override: bool = bool(DEFAULTS["override_cooldown_on_spending"])
    max_transfer: str = pounds(DEFAULTS["max_transfer"])
    max_per_day: str = pounds(DEFAULTS["max_per_day"])

    @classmethod
    def blank(cls) -> CardPotForm:
        return cls(name="Credit-card pot")

    @classmethod
    def from_rule(cls, rule: Automation) -> CardPotForm:
        config = {**DEFAULTS, **rule.config}
        return cls(
            name=rule.name,
            enabled=rule.enabled,
            pot_id=str(config.get("pot_id", "")),
            card_account_ids=[str(c) for c in config.get("card_account_ids", [])],
            cooldown_hours=str(config["cooldown_hours"]),
            override=bool(config["override_cooldown_on_spending"]),
            max_transfer=pounds(int(config["max_transfer"])),
            max_per_day=pounds(int(config["max_per_day"])),
        )

    @classmethod
    def submitted(cls, data: Submitted) -> CardPotForm:
        return cls(
            name=data.text("name", 500),
            enabled=data.ticked("enabled"),
            pot_id=data.text("pot_id", 64).strip(),
            card_account_ids=data.texts("card_account_ids"),
            cooldown_hours=data.text("cooldown_hours", 20),
            override=data.ticked("override_cooldown_on_spending"),
            max_transfer=data.text("max_transfer"),
            max_per_day=data.text("max_per_day"),
        )

    def field_of(self, path: str) -> str | None:
        if path.startswith("card_account_ids"):
            return "cards"
        return super().field_of(path)

    def read(self, ctx: FormContext) -> Reading:
        errors: dict[str, str] = {}
        self.check_name(errors)
        check_pot(
            self.pot_id,
            ctx,
            errors,
            "pot_id",
            "Choose the pot to keep equal to what the cards owe.",
        )
        card_ids = {card.id for card in ctx.choices.cards}
        if not self.card_account_ids:
            errors["cards"] = "Choose at least one credit card."
        elif any(card_id not in card_ids for card_id in self.card_account_ids):
            errors["cards"] = "Choose only your own credit cards."
        cooldown = read_hours(self.cooldown_hours, errors, "cooldown_hours")
        max_transfer = read_pence(self.max_transfer, "limit per transfer", errors, "max_transfer")
        max_per_day = read_pence(self.max_per_day, "limit per day", errors, "max_per_day")
        if errors:
            return errors, None
        return errors, {
            "pot_id": self.pot_id,
            "card_account_ids": list(dict.fromkeys(self.card_account_ids)),
            "cooldown_hours": cooldown,
            "override_cooldown_on_spending": self.override,
            "max_transfer": max_transfer,
            "max_per_day": max_per_day,
        }
