"""The salary sorter form: when pay arrives, it goes to pots in ordered steps.

The steps are a fixed number of rows (no script needed to add one); a row with no pot
and no amount is left out, and the steps keep the order of the rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

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

DEFAULTS = configs.defaults("autosort")
STEP_ROWS = 6  # rows a new form shows
MAX_STEPS = 20  # what a config holds
STEP_KINDS = (
    ("fixed", "A fixed amount"),
    ("percent", "A percentage of the pay"),
    ("bills", "The bills due before payday"),
    ("rest", "The rest"),
)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d{1,2})?)\s*%?")


@dataclass
class StepRow:
    pot_id: str = ""
    kind: str = "fixed"
    value: str = ""

    @property
    def empty(self) -> bool:
        return not self.pot_id and not self.value.strip()

    @classmethod
    def from_step(cls, step: dict[str, Any]) -> StepRow:
        kind = str(step.get("kind", "fixed"))
        value = ""
        if kind == "fixed" and step.get("amount") is not None:
            value = pounds(int(step["amount"]))
        elif kind == "percent" and step.get("percent") is not None:
            value = f"{Decimal(str(step['percent'])).normalize():f}"
        return cls(pot_id=str(step.get("pot_id", "")), kind=kind, value=value)


def _padded(rows: list[StepRow]) -> list[StepRow]:
    return rows + [StepRow() for _ in range(max(0, STEP_ROWS - len(rows)))]


@dataclass
class AutosortForm(BaseForm):
    KIND: ClassVar[str] = "autosort"
    TEMPLATE: ClassVar[str] = "rule_form_autosort.html"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"income", "payer", "min_amount", "max_transfer", "max_per_day"}
    )
    STEP_KINDS: ClassVar[tuple[tuple[str, str], ...]] = STEP_KINDS

    income: str = str(DEFAULTS["income"])
    payer: str = ""
    min_amount: str = pounds(DEFAULTS["min_amount"])
    steps: list[StepRow] = field(default_factory=lambda: _padded([]))
    max_transfer: str = pounds(DEFAULTS["max_transfer"])
    max_per_day: str = pounds(DEFAULTS["max_per_day"])
    # The row of each step sent to the service, to place its refusal on that row.
    rows_used: list[int] = field(default_factory=list)

    @classmethod
    def blank(cls) -> AutosortForm:
        return cls(name="Salary sorter")

    @classmethod
    def from_rule(cls, rule: Automation) -> AutosortForm:
        config = {**DEFAULTS, **rule.config}
        steps = [StepRow.from_step(s) for s in config.get("steps", []) if isinstance(s, dict)]
        return cls(
            name=rule.name,
            enabled=rule.enabled,
            income=str(config["income"]),
            payer=str(config.get("payer") or ""),
            min_amount=pounds(int(config["min_amount"])),
            steps=_padded(steps),
            max_transfer=pounds(int(config["max_transfer"])),
            max_per_day=pounds(int(config["max_per_day"])),
        )

    @classmethod
    def submitted(cls, data: Submitted) -> AutosortForm:
        rows = [
            StepRow(
                pot_id=data.text(f"step_pot_{i}", 64).strip(),
                kind=data.text(f"step_kind_{i}", 10),
                value=data.text(f"step_value_{i}"),
            )
            for i in range(MAX_STEPS)
            if f"step_pot_{i}" in data.values or f"step_value_{i}" in data.values
        ]
        return cls(
            name=data.text("name", 500),
            enabled=data.ticked("enabled"),
            income=data.text("income", 10),
            payer=data.text("payer", 200).strip(),
            min_amount=data.text("min_amount"),
            steps=_padded(rows),
            max_transfer=data.text("max_transfer"),
            max_per_day=data.text("max_per_day"),
        )

    def field_of(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] != "steps" and path:
            return super().field_of(path)
        if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) >= len(self.rows_used):
            return "steps"
        row = self.rows_used[int(parts[1])]
        what = parts[2] if len(parts) > 2 else "value"
        return f"step_{'pot' if what == 'pot_id' else 'kind' if what == 'kind' else 'value'}_{row}"

    def _income(self, errors: dict[str, str]) -> dict[str, Any]:
        if self.income == "salary":
            return {"income": "salary", "payer": None, "min_amount": 0}
        if self.income != "payer":
            errors["income"] = "Choose which pay to sort."
            return {}
        if not self.payer:
            errors["payer"] = "Enter the payer's name as it shows on the payment."
        elif len(self.payer) > 80:
            errors["payer"] = "Keep the payer's name to 80 characters."
        least = read_pence(self.min_amount, "smallest payment", errors, "min_amount", zero=True)
        return {"income": "payer", "payer": self.payer, "min_amount": least}

    def _step(
        self, i: int, row: StepRow, ctx: FormContext, errors: dict[str, str]
    ) -> dict[str, Any]:
        n = i + 1
        check_pot(row.pot_id, ctx, errors, f"step_pot_{i}", f"Choose the pot for step {n}.")
        key, value = f"step_value_{i}", row.value.strip()
        if row.kind == "fixed":
            amount = read_pence(value, f"amount of step {n}", errors, key)
            return {"pot_id": row.pot_id, "kind": "fixed", "amount": amount}
        if row.kind == "percent":
            match = _PERCENT.fullmatch(value)
            if match is None or not 0 < Decimal(match[1]) <= 100:
                errors[key] = f"Step {n} takes a percentage above 0 and up to 100, like 10 or 12.5."
                return {}
            return {"pot_id": row.pot_id, "kind": "percent", "percent": match[1]}
        if row.kind not in {"bills", "rest"}:
            errors[f"step_kind_{i}"] = f"Choose what step {n} moves."
        elif value:
            errors[key] = f"Step {n} works its amount out itself: leave this empty."
        return {"pot_id": row.pot_id, "kind": row.kind}

    def _steps(self, ctx: FormContext, errors: dict[str, str]) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        self.rows_used = []
        seen: dict[str, int] = {}
        for i, row in enumerate(self.steps):
            if row.empty:
                continue
            if row.pot_id and row.pot_id in seen:
                errors[f"step_pot_{i}"] = f"This pot is already in step {seen[row.pot_id] + 1}."
            seen.setdefault(row.pot_id, i)
            steps.append(self._step(i, row, ctx, errors))
            self.rows_used.append(i)
        if not steps:
            errors["steps"] = "Add at least one step: a pot, and what goes there."
        rests = [
            i for i, row in zip(self.rows_used, steps, strict=True) if row.get("kind") == "rest"
        ]
        if rests and rests != self.rows_used[-1:]:
            errors[f"step_kind_{rests[0]}"] = "\u201cThe rest\u201d can only be the last step."
        shares = sum(Decimal(str(s["percent"])) for s in steps if s.get("percent"))
        if shares > 100:
            errors["steps"] = f"The percentages add up to {shares:f}%, more than 100%."
        return steps

    def read(self, ctx: FormContext) -> Reading:
        errors: dict[str, str] = {}
        self.check_name(errors)
        income = self._income(errors)
        steps = self._steps(ctx, errors)
        limits = read_limits(self.max_transfer, self.max_per_day, errors)
        if errors:
            return errors, None
        return errors, {**income, "steps": steps, **limits}
