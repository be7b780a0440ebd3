"""Automations pages: the rules with their latest runs, preview and run now, the pause
switch, a rule's history and every transfer. The rule form is in automation_forms.py.
Every read and write goes through the services, scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise import clock
from potwise.banks.errors import BankError
from potwise.db.models import Account, Automation, AutomationRun, Pot, Transfer
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services import dashboard, mirror, unit_of_work
from potwise.services.automations import configs, history, pause, rules, runner
from potwise.services.cashflow import outlook as cashflow
from potwise.services.dashboard import RuleStatus
from potwise.web.security import Caller, Db, client_address, note_presence, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.automation_display import (
    KIND_NAMES,
    context_of,
    display_helpers,
    label,
)
from potwise.web.ui.automation_summary import (
    GoalView,
    goal_standing,
    needs_payday,
    next_run,
    summary,
)
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)
log = get_logger(__name__)

FLASH_MESSAGES: FlashMessages = {
    "paused": ("info", "Paused."),
    "resumed": ("success", "Automations resumed."),
}

RUN_SCAN = 10  # recent runs looked at to find a rule's latest real (non-preview) run
HISTORY_LIMIT = 100
TRANSFERS_LIMIT = 200


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
    summary: str = ""
    next_run: str | None = None
    pots: list[Pot] = field(default_factory=list)  # every pot it moves, in its order
    goal: GoalView | None = None


def known_payday(db: Db, user_id: str, now: datetime, zone: ZoneInfo) -> date | None:
    """The user's next payday as the forecast knows it; None while it is only a guess."""
    try:
        found = cashflow.outlook(db, user_id, now=now, zone=zone)
    except DomainError:
        return None
    return None if found.payday_source == "none" else found.next_payday


def status_of(
    rule: Automation,
    zone: ZoneInfo,
    paused: str | None,
    figures: tuple[int | None, int | None, str] | None = None,
) -> RuleStatus:
    """The rule's status; a new rule of a kind that follows no cards says nothing of
    cards (when it acts is shown beside it); a new card pot says what its first run
    will do with `figures` (owed now, in the pot, currency)."""
    if rule.kind == "card_pot" and figures is not None:
        return dashboard.card_pot_status(rule, zone, paused, figures)
    status = dashboard.rule_status(rule, zone, paused)
    if status.key == "new" and rule.kind != "card_pot":
        return replace(status, detail=None)
    return status


def _rule_cards(
    db: Db, user_id: str, zone: ZoneInfo, paused: str | None, only: Automation | None = None
) -> list[RuleCard]:
    """Each rule (or `only` that one) with what its card on the list shows."""
    pots = {p.id: p for p in mirror.list_pots(db, user_id, include_deleted=True)}
    accounts = {row.account.id: row.account for row in mirror.list_accounts(db, user_id)}
    found = [only] if only is not None else rules.list_rules(db, user_id)
    now = clock.now()
    payday = known_payday(db, user_id, now, zone) if any(map(needs_payday, found)) else None
    today = now.astimezone(zone).date()
    cards = []
    for rule in found:
        chosen = [
            accounts[card_id]
            for card_id in rule.config.get("card_account_ids", [])
            if card_id in accounts
        ]
        moved = [pots[p] for p in configs.pot_ids(rule.kind, rule.config) if p in pots]
        recent = history.runs(db, user_id, rule.id, limit=RUN_SCAN)
        pot = pots.get(str(rule.config.get("pot_id", "")))
        owed = dashboard.owed_on_cards(db, chosen) if rule.kind == "card_pot" else None
        in_pot = (pot.balance, pot.currency) if pot else (None, "GBP")
        cards.append(
            RuleCard(
                rule=rule,
                kind_name=KIND_NAMES.get(rule.kind, label(rule.kind)),
                pot=pot,
                cards=chosen,
                owed=owed,
                status=status_of(rule, zone, paused, (owed, *in_pot)),
                last_run=next((run for run, _ in recent if not run.dry_run), None),
                recent=recent,
                summary=summary(rule, pots, chosen),
                next_run=next_run(rule, now, zone, payday),
                pots=moved,
                goal=goal_standing(rule, pot, today),
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
    zone = zone_of(request, caller)
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
        **display_helpers(zone),
        **context,
    )


@router.get("/automations", response_class=HTMLResponse)
def automations_page(request: Request, caller: PageCaller, db: Db) -> Response:
    note_presence(request, caller.user.id)
    return _list_page(request, caller, db)


@router.post("/automations/pause")
def set_pause(caller: PageCaller, db: Db, paused: FormStr = "") -> Response:
    on = paused == "1"
    pause.set_user_pause(db, caller.user.id, on)
    return RedirectResponse(f"/automations?flash={'paused' if on else 'resumed'}", 303)


# --- preview and run -----------------------------------------------------------------


def _run(request: Request, caller: Caller, db: Db, rule_id: str, *, dry_run: bool) -> Any:
    """The runner's outcome, or the message of what stopped it."""
    rules.get(db, caller.user.id, rule_id)  # 404 for anyone else's rule
    try:
        with unit_of_work.read_afresh_after(db):  # the runner writes through its own sessions
            outcome: Any = runner.run_rule(
                context_of(request),
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
    zone = zone_of(request, caller)
    card = _rule_cards(db, user_id, zone, pause.pause_reason(db, user_id), only=rule)[0]
    return render(
        request,
        "automation_history.html",
        caller,
        active="automations",
        rule=rule,
        card=card,
        status=card.status,
        runs=history.runs(db, user_id, rule_id, limit=HISTORY_LIMIT),
        limit=HISTORY_LIMIT,
        **display_helpers(zone),
    )


@router.get("/transfers", response_class=HTMLResponse)
def transfers_page(request: Request, caller: PageCaller, db: Db) -> Response:
    user_id = caller.user.id
    zone = zone_of(request, caller)
    return render(
        request,
        "transfers.html",
        caller,
        active="transfers",
        transfers=history.transfers(db, user_id, limit=TRANSFERS_LIMIT),
        limit=TRANSFERS_LIMIT,
        rule_names={r.id: r.name for r in rules.list_rules(db, user_id)},
        pots={p.id: p for p in mirror.list_pots(db, user_id, include_deleted=True)},
        **display_helpers(zone),
    )
