"""The rule form: creating and changing a credit-card pot rule, checked field by field
in the words of the form, and deleting it or switching it on and off."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.db.models import Account, Automation, Pot
from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.services import mirror, unit_of_work
from potwise.services.automations import configs, rules
from potwise.services.automations.rules import RuleInput
from potwise.web.security import Caller, Db
from potwise.web.ui.access import PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FormList = Annotated[list[str], Form()]
CARD_POT_DEFAULTS = configs.defaults("card_pot")

FLASH_MESSAGES: FlashMessages = {
    "rule_created": ("success", "Rule created. It runs after the next sync of your cards."),
    "rule_saved": ("success", "Rule saved."),
    "rule_deleted": ("success", "Rule deleted. Money already moved stays where it is."),
    "rule_on": ("success", "Rule switched on."),
    "rule_off": ("info", "Rule switched off: it moves nothing until you switch it on."),
}


def _pounds(minor: int) -> str:
    """Pence as the form shows them: `1,000.50` (no symbol; the field has one)."""
    sign = "-" if minor < 0 else ""
    whole, pence = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{pence:02d}"


@dataclass
class RuleForm:
    """What the form shows: as typed (after a refusal) or from the rule."""

    name: str = ""
    pot_id: str = ""
    card_account_ids: list[str] = field(default_factory=list)
    cooldown_hours: str = str(CARD_POT_DEFAULTS["cooldown_hours"])
    override: bool = bool(CARD_POT_DEFAULTS["override_cooldown_on_spending"])
    max_transfer: str = _pounds(CARD_POT_DEFAULTS["max_transfer"])
    max_per_day: str = _pounds(CARD_POT_DEFAULTS["max_per_day"])
    enabled: bool = True

    @classmethod
    def from_rule(cls, rule: Automation) -> RuleForm:
        config = {**CARD_POT_DEFAULTS, **rule.config}
        return cls(
            name=rule.name,
            pot_id=str(config.get("pot_id", "")),
            card_account_ids=[str(c) for c in config.get("card_account_ids", [])],
            cooldown_hours=str(config["cooldown_hours"]),
            override=bool(config["override_cooldown_on_spending"]),
            max_transfer=_pounds(int(config["max_transfer"])),
            max_per_day=_pounds(int(config["max_per_day"])),
            enabled=rule.enabled,
        )


@dataclass(frozen=True)
class Choices:
    pots: list[tuple[Pot, str]]  # the pot and the name of the account holding it
    cards: list[Account]


def _choices(db: Db, user_id: str) -> Choices:
    accounts = {row.account.id: row.account for row in mirror.list_accounts(db, user_id)}
    pots = [
        (pot, accounts[pot.account_id].name if pot.account_id in accounts else "")
        for pot in mirror.list_pots(db, user_id)
    ]
    cards = [a for a in accounts.values() if a.kind == "credit_card" and not a.closed]
    return Choices(pots=pots, cards=sorted(cards, key=lambda a: a.name.lower()))


def _pence(text: str, what: str, errors: dict[str, str], key: str) -> int | None:
    """Pounds as typed → exact pence, or a message in `errors` (never a float, never rounded)."""
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
    if minor <= 0:
        errors[key] = f"The {what} must be more than \u00a30."
        return None
    if minor > configs.MAX_LIMIT:
        errors[key] = f"The {what} can be at most {Money(configs.MAX_LIMIT, 'GBP').format()}."
        return None
    return minor


def _read_form(form: RuleForm, choices: Choices) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Field errors, and the config when there are none."""
    errors: dict[str, str] = {}
    if not form.name.strip():
        errors["name"] = "Give the rule a name."
    elif len(form.name.strip()) > 120:
        errors["name"] = "Keep the name to 120 characters."
    if not form.pot_id:
        errors["pot_id"] = "Choose the pot to keep equal to what the cards owe."
    elif form.pot_id not in {pot.id for pot, _ in choices.pots}:
        errors["pot_id"] = "Choose one of your pots."
    card_ids = {card.id for card in choices.cards}
    if not form.card_account_ids:
        errors["cards"] = "Choose at least one credit card."
    elif any(card_id not in card_ids for card_id in form.card_account_ids):
        errors["cards"] = "Choose only your own credit cards."
    cooldown: int | None = None
    text = form.cooldown_hours.strip()
    if text.isdigit() and len(text) <= 3 and 0 <= int(text) <= 72:
        cooldown = int(text)
    else:
        errors["cooldown_hours"] = "The cooldown is a whole number of hours from 0 to 72."
    max_transfer = _pence(form.max_transfer, "limit per transfer", errors, "max_transfer")
    max_per_day = _pence(form.max_per_day, "limit per day", errors, "max_per_day")
    if errors:
        return errors, None
    return errors, {
        "pot_id": form.pot_id,
        "card_account_ids": list(dict.fromkeys(form.card_account_ids)),
        "cooldown_hours": cooldown,
        "override_cooldown_on_spending": form.override,
        "max_transfer": max_transfer,
        "max_per_day": max_per_day,
    }


def _form_page(
    request: Request,
    caller: Caller,
    db: Db,
    form: RuleForm,
    *,
    rule: Automation | None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "automation_form.html",
        caller,
        status_code=status_code,
        active="automations",
        form=form,
        rule=rule,
        choices=_choices(db, caller.user.id),
        errors=errors or {},
        error=error,
    )


def _submitted(
    name: str,
    pot_id: str,
    card_account_ids: list[str],
    cooldown_hours: str,
    override_cooldown_on_spending: str,
    max_transfer: str,
    max_per_day: str,
    enabled: str,
) -> RuleForm:
    return RuleForm(
        name=name[:500],
        pot_id=pot_id.strip(),
        card_account_ids=[c.strip() for c in card_account_ids if c.strip()][:50],
        cooldown_hours=cooldown_hours[:20],
        override=override_cooldown_on_spending == "1",
        max_transfer=max_transfer[:40],
        max_per_day=max_per_day[:40],
        enabled=enabled == "1",
    )


@router.get("/automations/new", response_class=HTMLResponse)
def new_rule_page(request: Request, caller: PageCaller, db: Db) -> Response:
    return _form_page(request, caller, db, RuleForm(name="Credit-card pot"), rule=None)


@router.post("/automations/new", response_class=HTMLResponse)
def create_rule(
    request: Request,
    caller: PageCaller,
    db: Db,
    name: FormStr = "",
    pot_id: FormStr = "",
    card_account_ids: FormList = [],  # noqa: B006 - FastAPI copies defaults
    cooldown_hours: FormStr = "",
    override_cooldown_on_spending: FormStr = "",
    max_transfer: FormStr = "",
    max_per_day: FormStr = "",
    enabled: FormStr = "",
) -> Response:
    form = _submitted(
        name,
        pot_id,
        card_account_ids,
        cooldown_hours,
        override_cooldown_on_spending,
        max_transfer,
        max_per_day,
        enabled,
    )
    errors, config = _read_form(form, _choices(db, caller.user.id))
    if config is None:
        return _form_page(request, caller, db, form, rule=None, errors=errors, status_code=400)
    try:
        with unit_of_work.undone_if_refused(db):
            rule = rules.create(
                db,
                caller.user.id,
                RuleInput(kind="card_pot", name=form.name, enabled=form.enabled, config=config),
            )
    except DomainError as exc:
        return _form_page(request, caller, db, form, rule=None, error=exc.message, status_code=400)
    return RedirectResponse(f"/automations?flash=rule_created#rule-{rule.id}", 303)


@router.get("/automations/{rule_id}/edit", response_class=HTMLResponse)
def edit_rule_page(rule_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    rule = rules.get(db, caller.user.id, rule_id)
    return _form_page(request, caller, db, RuleForm.from_rule(rule), rule=rule)


@router.post("/automations/{rule_id}/edit", response_class=HTMLResponse)
def save_rule(
    rule_id: str,
    request: Request,
    caller: PageCaller,
    db: Db,
    name: FormStr = "",
    pot_id: FormStr = "",
    card_account_ids: FormList = [],  # noqa: B006 - FastAPI copies defaults
    cooldown_hours: FormStr = "",
    override_cooldown_on_spending: FormStr = "",
    max_transfer: FormStr = "",
    max_per_day: FormStr = "",
    enabled: FormStr = "",
) -> Response:
    rule = rules.get(db, caller.user.id, rule_id)
    form = _submitted(
        name,
        pot_id,
        card_account_ids,
        cooldown_hours,
        override_cooldown_on_spending,
        max_transfer,
        max_per_day,
        enabled,
    )
    errors, config = _read_form(form, _choices(db, caller.user.id))
    if config is None:
        return _form_page(request, caller, db, form, rule=rule, errors=errors, status_code=400)
    try:
        with unit_of_work.undone_if_refused(db):
            rules.update(
                db, caller.user.id, rule_id, name=form.name, enabled=form.enabled, config=config
            )
    except DomainError as exc:
        rule = rules.get(db, caller.user.id, rule_id)
        return _form_page(request, caller, db, form, rule=rule, error=exc.message, status_code=400)
    return RedirectResponse(f"/automations?flash=rule_saved#rule-{rule_id}", 303)


@router.post("/automations/{rule_id}/delete")
def delete_rule(rule_id: str, caller: PageCaller, db: Db) -> Response:
    rules.delete(db, caller.user.id, rule_id)
    return RedirectResponse("/automations?flash=rule_deleted", 303)


@router.post("/automations/{rule_id}/enabled")
def set_enabled(rule_id: str, caller: PageCaller, db: Db, enabled: FormStr = "") -> Response:
    on = enabled == "1"
    rules.update(db, caller.user.id, rule_id, enabled=on)
    return RedirectResponse(
        f"/automations?flash={'rule_on' if on else 'rule_off'}#rule-{rule_id}", 303
    )
