"""What every rule form shares: the submitted fields, the pots and cards to choose from,
amounts read in pounds, and a refusal of the rules service placed next to its field.

Each kind's form (`rule_form_<kind>.py`) checks its fields in the words of the form
first, so every mistake shows at once; what the service still refuses names
`config.<field>` and is shown beside that field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol, Self

from fastapi import Request

from potwise.db.models import Account, Automation, Pot
from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.services import cards as card_owed
from potwise.services import mirror
from potwise.services.automations import configs
from potwise.web.security import Db

#: A form's field errors by field key, and the config to save when there are none.
Reading = tuple[dict[str, str], dict[str, Any] | None]

_REFUSAL = re.compile(r"config(?:\.(?P<path>[\w.]+))?(?P<sep>:\s*|\s+)(?P<text>.+)", re.S)


@dataclass(frozen=True)
class Submitted:
    """The posted fields, each as a list of what was sent (text values only)."""

    values: Mapping[str, list[str]]

    def text(self, name: str, limit: int = 40) -> str:
        """The first value of `name`, cut to `limit` characters (a form never needs more)."""
        sent = self.values.get(name) or [""]
        return sent[0][:limit]

    def texts(self, name: str, count: int = 50) -> list[str]:
        return [v.strip() for v in self.values.get(name, []) if v.strip()][:count]

    def ticked(self, name: str) -> bool:
        return self.text(name) == "1"


async def submitted_form(request: Request) -> Submitted:
    """The request's form fields (a dependency, so the routes themselves stay sync)."""
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return Submitted(values)


@dataclass(frozen=True)
class Choices:
    pots: list[tuple[Pot, str]]  # the pot and the name of the account holding it
    cards: list[Account]
    #: What each card (by id) owes now, as the rule counts it (`services.cards.owed_now`).
    owed: dict[str, int] = field(default_factory=dict)

    def pot(self, pot_id: str) -> Pot | None:
        return next((pot for pot, _ in self.pots if pot.id == pot_id), None)

    def pots_with_goals(self) -> list[Pot]:
        """The pots with a goal of their own in the Monzo app."""
        return [pot for pot, _ in self.pots if pot.goal]

    def goals_in_words(self) -> str:
        """`Holiday (£1,200.00), Car (£5,000.00)`."""
        return ", ".join(
            f"{pot.name} ({Money(pot.goal or 0, pot.currency).format()})"
            for pot in self.pots_with_goals()
        )


def choices(db: Db, user_id: str) -> Choices:
    """The user's own pots still in the Monzo app, and their open credit cards."""
    accounts = {row.account.id: row.account for row in mirror.list_accounts(db, user_id)}
    pots = [
        (pot, accounts[pot.account_id].name if pot.account_id in accounts else "")
        for pot in mirror.list_pots(db, user_id)
    ]
    cards = [a for a in accounts.values() if a.kind == "credit_card" and not a.closed]
    return Choices(
        pots=pots,
        cards=sorted(cards, key=lambda a: a.name.lower()),
        owed=card_owed.owed_now(db, cards),
    )


@dataclass(frozen=True)
class FormContext:
    """What a form is checked against: the user's pots and cards, their local today,
    and the rule being changed (None for a new one)."""

    choices: Choices
    today: date
    rule: Automation | None = None


def pounds(minor: int) -> str:
    """Pence as the form shows them: `1,000.50` (no symbol; the field has one)."""
    sign = "-" if minor < 0 else ""
    whole, pence = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{pence:02d}"


def read_pence(
    text: str, what: str, errors: dict[str, str], key: str, *, zero: bool = False
) -> int | None:
    """Pounds as typed → exact pence, or a message in `errors` (never a float, never
    rounded). With `zero`, £0 is allowed (a threshold or a floor may be nothing)."""
    value = text.strip()
    if not value:
        errors[key] = f"Enter the {what} in pounds, for example 250 or 1,000.50."
        return None
    try:
        minor = Money.parse(value, "GBP").minor
    except DomainError:
        errors[key] = (
            f"The {what} is not an amount in pounds: write it like 250 or 1,000.50, "
            "with at most two digits after the point."
        )
        return None
    if minor < 0 or (minor == 0 and not zero):
        errors[key] = f"The {what} must be {'£0 or more' if zero else 'more than £0'}."
        return None
    if minor > configs.MAX_LIMIT:
        errors[key] = f"The {what} can be at most {Money(configs.MAX_LIMIT, 'GBP').format()}."
        return None
    return minor


def read_hours(text: str, errors: dict[str, str], key: str, what: str = "cooldown") -> int | None:
    value = text.strip()
    if value.isdigit() and len(value) <= 3 and int(value) <= 72:
        return int(value)
    errors[key] = f"The {what} is a whole number of hours from 0 to 72."
    return None


def check_pot(
    pot_id: str, ctx: FormContext, errors: dict[str, str], key: str, missing: str
) -> None:
    """One of the user's own live pots, or a message under `key`."""
    if not pot_id:
        errors[key] = missing
    elif ctx.choices.pot(pot_id) is None:
        errors[key] = "Choose one of your pots."


@dataclass
class BaseForm:
    """The fields every rule has. A kind's form adds its own and says how to read them."""

    KIND: ClassVar[str] = ""
    TEMPLATE: ClassVar[str] = ""
    #: The form's field keys, as the config names them (where it does).
    FIELDS: ClassVar[frozenset[str]] = frozenset()

    name: str = ""
    enabled: bool = True

    def check_name(self, errors: dict[str, str]) -> None:
        name = self.name.strip()
        if not name:
            errors["name"] = "Give the rule a name."
        elif len(name) > 120:
            errors["name"] = "Keep the name to 120 characters."

    def field_of(self, path: str) -> str | None:
        """The form field a refusal's `config.<path>` names, if the form shows it."""
        head = path.split(".", maxsplit=1)[0]
        return head if head in self.FIELDS else None


class RuleFormData(Protocol):
    """What the routes need of a kind's form (see `BaseForm`)."""

    KIND: ClassVar[str]
    TEMPLATE: ClassVar[str]
    name: str
    enabled: bool

    @classmethod
    def blank(cls) -> Self: ...

    @classmethod
    def from_rule(cls, rule: Automation) -> Self: ...

    @classmethod
    def submitted(cls, data: Submitted) -> Self: ...

    def read(self, ctx: FormContext) -> Reading: ...

    def field_of(self, path: str) -> str | None: ...


def about_config(message: str) -> bool:
    """Whether a refusal is about the rule's config (`config...`), not about the data
    the rule would work on."""
    return _REFUSAL.fullmatch(message.strip()) is not None


def place_refusal(message: str, form: RuleFormData) -> tuple[dict[str, str], str | None]:
    """A refusal of the rules service: next to the field its `config.<field>` names, or
    above the form when it names none the form shows (a rule it would fight, say)."""
    match = _REFUSAL.fullmatch(message.strip())
    if match is None:
        return {}, message
    path, text = match["path"] or "", match["text"].strip()
    if not path:  # a check across fields: the field it speaks of comes first
        first = text.split(" ", 1)[0]
        key = form.field_of(first) or form.field_of("")
    else:
        key = form.field_of(path)
        if not match["sep"].startswith(":"):
            text = f"This {text}" if text.startswith("is ") else text
    if key is None:
        return {}, message
    return {key: text[:1].upper() + text[1:]}, None


def read_limits(max_transfer: str, max_per_day: str, errors: dict[str, str]) -> dict[str, Any]:
    """The two limits every rule has, in pence (missing from the result when refused)."""
    limits = {
        "max_transfer": read_pence(max_transfer, "limit per transfer", errors, "max_transfer"),
        "max_per_day": read_pence(max_per_day, "limit per day", errors, "max_per_day"),
    }
    return {key: value for key, value in limits.items() if value is not None}
