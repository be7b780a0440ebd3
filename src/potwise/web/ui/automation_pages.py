"""Automations pages: the rules, their form, preview and run, history, every transfer,
and the pause switch. Every read and write goes through the services, scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.banks.errors import BankError
from potwise.db.models import Account, Automation, AutomationRun, Pot, Transfer
from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.logs import get_logger
from potwise.services import dashboard, mirror, unit_of_work
from potwise.services.automations import history, pause, rules, runner
from potwise.services.automations.rules import CARD_POT_DEFAULTS, RuleInput
from potwise.services.connections import ConnectionsContext
from potwise.services.dashboard import RuleStatus
from potwise.web.security import Caller, Db, client_address
from potwise.web.ui.access import PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)
log = get_logger(__name__)

FormList = Annotated[list[str], Form()]

FLASH_MESSAGES: FlashMessages = {
    "rule_created": ("success", "Rule created. It runs after the next sync of your cards."),
    "rule_saved": ("success", "Rule saved."),
    "rule_deleted": ("success", "Rule deleted. Money already moved stays where it is."),
    "rule_on": ("success", "Rule switched on."),
    "rule_off": ("info", "Rule switched off: it moves nothing until you switch it on."),
    "paused": ("info", "Paused."),
    "resumed": ("success", "Automations resumed."),
}

KIND_NAMES = {"card_pot": "Credit-card pot"}
RUN_LABELS = {
    "moved": "Moved money",
    "nothing": "Nothing to move",
    "skipped": "Skipped",
    "failed": "Failed",
    "preview": "Preview",
    "running": "Running",
    "unknown": "Outcome unknown",
}
TRANSFER_LABELS = {
    "planned": "Planned",
    "sent": "Sent",
    "confirmed": "Done",
    "failed": "Failed",
    "unknown": "Checking with Monzo",
}
DIRECTION_LABELS = {"deposit": "Into the pot", "withdraw": "Out of the pot"}
TRIGGER_LABELS = {
    "manual": "Run now",
    "preview": "Preview",
    "sync": "After a sync",
    "webhook": "Card spending",
    "schedule": "Scheduled",
    "cli": "Command line",
}
RUN_SCAN = 10  # recent runs looked at to find a rule's latest real (non-preview) run
HISTORY_LIMIT = 100
TRANSFERS_LIMIT = 200


def _ctx(request: Request) -> ConnectionsContext:
    ctx: ConnectionsContext = request.app.state.connections
    return ctx


def _zone(request: Request, db: Db, caller: Caller) -> ZoneInfo:
    return dashboard.user_zone(db, caller.user.id, _ctx(request).settings.timezone)


def _label(value: str | None) -> str:
    return value.replace("_", " ").capitalize() if value else ""


def _when_for(zone: ZoneInfo) -> Any:
    today = datetime.now(UTC).astimezone(zone).date()

    def when(moment: datetime | None, style: str = "full") -> str:
        if moment is None:
            return "never"
        local = moment.astimezone(zone)
        if style == "time":
            return f"{local:%H:%M}"
        if local.date() == today:
            return f"today at {local:%H:%M}"
        return f"{local.day} {local:%b %Y}, {local:%H:%M}"

    return when


def _pounds(minor: int) -> str:
    """Pence as the form shows them: `1,000.50` (no symbol; the field has one)."""
    sign = "-" if minor < 0 else ""
    whole, pence = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{pence:02d}"


def _helpers(zone: ZoneInfo) -> dict[str, Any]:
    return {
        "when": _when_for(zone),
        "label": _label,
        "kind_names": KIND_NAMES,
        "run_labels": RUN_LABELS,
        "transfer_labels": TRANSFER_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "trigger_labels": TRIGGER_LABELS,
    }


# --- the list ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCard:
    rule: Automation
    kind_name: str
    pot: Pot | None
    cards: list[Account]
    owed: int | None
    status: RuleStatus
    last_run: AutomationRun | None
    recent: list[tuple[AutomationRun, list[Transfer]]]


def _rule_cards(db: Db, user_id: str, zone: ZoneInfo, paused: str | None) -> list[RuleCard]:
    pots = {p.id: p for p in mirror.list_pots(db, user_id, include_deleted=True)}
    accounts = {row.account.id: row.account for row in mirror.list_accounts(db, user_id)}
    cards = []
    for rule in rules.list_rules(db, user_id):
        chosen = [
            accounts[card_id]
            for card_id in rule.config.get("card_account_ids", [])
            if card_id in accounts
        ]
        recent = history.runs(db, user_id, rule.id, limit=RUN_SCAN)
        cards.append(
            RuleCard(
                rule=rule,
                kind_name=KIND_NAMES.get(rule.kind, _label(rule.kind)),
                pot=pots.get(str(rule.config.get("pot_id", ""))),
                cards=chosen,
                owed=dashboard.owed_on_cards(rule, chosen),
                status=dashboard.rule_status(rule, zone, paused),
                last_run=next((run for run, _ in recent if not run.dry_run), None),
                recent=recent,
            )
        )
    return cards


def _list_page(
    request: Request,
    caller: Caller,
    db: Db,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    user_id = caller.user.id
    zone = _zone(request, db, caller)
    server_paused = pause.globally_paused(db)
    user_paused = pause.user_paused(db, user_id)
    reason = pause.pause_reason(db, user_id)
    cards = _rule_cards(db, user_id, zone, reason)
    ran: tuple[str, AutomationRun, list[Transfer]] | None = None
    wanted = request.query_params.get("run", "")
    if wanted:
        for card in cards:
            for run, moved in card.recent:
                if run.id == wanted:
                    ran = (card.rule.id, run, moved)
    return render(
        request,
        "automations.html",
        caller,
        status_code=status_code,
        active="automations",
        cards=cards,
        server_paused=server_paused,
        user_paused=user_paused,
        ran=ran,
        **_helpers(zone),
        **context,
    )


@router.get("/automations", response_class=HTMLResponse)
def automations_page(request: Request, caller: PageCaller, db: Db) -> Response:
    return _list_page(request, caller, db)


@router.post("/automations/pause")
def set_pause(request: Request, caller: PageCaller, db: Db, paused: FormStr = "") -> Response:
    on = paused == "1"
    pause.set_user_pause(db, caller.user.id, on)
    return RedirectResponse(f"/automations?flash={'paused' if on else 'resumed'}", 303)


# --- the form ------------------------------------------------------------------------


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
    if minor > rules.MAX_LIMIT:
        errors[key] = f"The {what} can be at most {Money(rules.MAX_LIMIT, 'GBP').format()}."
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
def delete_rule(rule_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    rules.delete(db, caller.user.id, rule_id)
    return RedirectResponse("/automations?flash=rule_deleted", 303)


@router.post("/automations/{rule_id}/enabled")
def set_enabled(
    rule_id: str, request: Request, caller: PageCaller, db: Db, enabled: FormStr = ""
) -> Response:
    on = enabled == "1"
    rules.update(db, caller.user.id, rule_id, enabled=on)
    return RedirectResponse(
        f"/automations?flash={'rule_on' if on else 'rule_off'}#rule-{rule_id}", 303
    )


# --- preview and run -----------------------------------------------------------------


def _run(request: Request, caller: Caller, db: Db, rule_id: str, *, dry_run: bool) -> Any:
    """The runner's outcome, or the message of what stopped it."""
    rules.get(db, caller.user.id, rule_id)  # 404 for anyone else's rule
    try:
        with unit_of_work.read_afresh_after(db):  # the runner writes through its own sessions
            outcome: Any = runner.run_rule(
                _ctx(request),
                rule_id,
                trigger="preview" if dry_run else "manual",
                dry_run=dry_run,
                psu_ip=client_address(request),
            )
    except (DomainError, BankError) as exc:
        log.warning("automation.page_run_failed", automation_id=rule_id, error=exc.message)
        outcome = exc.message
    return outcome


@router.post("/automations/{rule_id}/preview", response_class=HTMLResponse)
def preview_rule(rule_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    """Shows what would move now, on the page: nothing moves and no state changes."""
    outcome = _run(request, caller, db, rule_id, dry_run=True)
    if isinstance(outcome, str):
        return _list_page(request, caller, db, 502, preview_error=(rule_id, outcome))
    return _list_page(request, caller, db, preview=(rule_id, outcome.run, outcome.transfers))


@router.post("/automations/{rule_id}/run")
def run_rule(rule_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    outcome = _run(request, caller, db, rule_id, dry_run=False)
    if isinstance(outcome, str):
        return _list_page(request, caller, db, 502, run_error=(rule_id, outcome))
    # Redirected, so reloading the page shows the outcome again without running twice.
    return RedirectResponse(f"/automations?run={outcome.run.id}#rule-{rule_id}", 303)


# --- history and transfers -----------------------------------------------------------


@router.get("/automations/{rule_id}", response_class=HTMLResponse)
def rule_history_page(rule_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    user_id = caller.user.id
    rule = rules.get(db, user_id, rule_id)
    zone = _zone(request, db, caller)
    pots = {p.id: p for p in mirror.list_pots(db, user_id, include_deleted=True)}
    return render(
        request,
        "automation_history.html",
        caller,
        active="automations",
        rule=rule,
        pot=pots.get(str(rule.config.get("pot_id", ""))),
        status=dashboard.rule_status(rule, zone, pause.pause_reason(db, user_id)),
        runs=history.runs(db, user_id, rule_id, limit=HISTORY_LIMIT),
        limit=HISTORY_LIMIT,
        **_helpers(zone),
    )


@router.get("/transfers", response_class=HTMLResponse)
def transfers_page(request: Request, caller: PageCaller, db: Db) -> Response:
    user_id = caller.user.id
    zone = _zone(request, db, caller)
    return render(
        request,
        "transfers.html",
        caller,
        active="automations",
        transfers=history.transfers(db, user_id, limit=TRANSFERS_LIMIT),
        limit=TRANSFERS_LIMIT,
        rule_names={r.id: r.name for r in rules.list_rules(db, user_id)},
        pots={p.id: p for p in mirror.list_pots(db, user_id, include_deleted=True)},
        **_helpers(zone),
    )
