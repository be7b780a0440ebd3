"""The backtest page: what a rule would have done over the last 3, 6 or 12 months,
replayed on the user's own history (`services/automations/backtest.py`). It is shown
for a saved rule (`GET /automations/{id}/backtest`) and for a rule form's values not
yet saved (`POST /automations/backtest-preview`, in automation_forms.py). Either way
it only reads: nothing is stored and no money moves.

A backtest the service refuses (a card's history too short, an account never synced)
is said in plain words on the page, never as an error page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from potwise import clock
from potwise.db.models import Automation
from potwise.domain.backtest import Backtest, BacktestMove, BacktestWarning
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services import mirror
from potwise.services.automations import rules
from potwise.services.automations.backtest import MONTHS, run_backtest
from potwise.web.security import Caller, Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.automation_display import DIRECTION_LABELS, KIND_NAMES, label
from potwise.web.ui.backtest_chart import BalanceChart, balance_chart
from potwise.web.ui.render import render

router = APIRouter(include_in_schema=False)
log = get_logger(__name__)

DEFAULT_MONTHS = 6
MONTHS_REFUSED = "A backtest covers the last 3, 6 or 12 months: choose one of those."


def months_of(text: str | None) -> int | None:
    """The months asked for (6 when none is), or None when it is not a period offered."""
    value = (text or "").strip()
    if not value:
        return DEFAULT_MONTHS
    if value.isdigit() and len(value) <= 2 and int(value) in MONTHS:
        return int(value)
    return None


def attempt(
    request: Request,
    caller: Caller,
    db: Db,
    kind: str,
    config: dict[str, Any],
    months: int,
    rule_id: str | None = None,
) -> Backtest | str:
    """The backtest, or the words of why the service refused it (`rule_id`: a saved
    rule, whose own past moves are left out of the history)."""
    try:
        return run_backtest(
            db,
            caller.user.id,
            kind,
            config,
            months,
            now=clock.now(),
            zone=zone_of(request, caller),
            automation_id=rule_id,
        )
    except DomainError as exc:
        log.info("automation.backtest_refused", kind=kind, months=months, error=exc.message)
        return exc.message


@dataclass(frozen=True)
class PotLine:
    """One of the rule's pots: what it holds now, and would at the end with the rule."""

    name: str
    now: int
    with_rule: int


@dataclass(frozen=True)
class MoveLine:
    move: BacktestMove
    at: datetime  # local


@dataclass(frozen=True)
class BacktestView:
    """A backtest as the page shows it."""

    result: Backtest
    first: date
    last: date
    chart: BalanceChart
    pots: list[PotLine]
    moves: list[MoveLine]
    warnings: list[BacktestWarning]


def _pot_lines(result: Backtest, held: Mapping[str, tuple[str, int]]) -> list[PotLine]:
    """Each pot the replay kept, by name. A pot deleted since shows with the name its
    moves give it."""
    end = result.balances[-1].pots
    named = {m.pot_id: m.pot_name for m in result.moves}
    lines = []
    for pot_id, with_rule in end.items():
        name, now = held.get(pot_id, (named.get(pot_id, "A pot no longer in Monzo"), 0))
        lines.append(PotLine(name, now, with_rule))
    return sorted(lines, key=lambda line: line.name.lower())


def view_of(
    result: Backtest, held: Mapping[str, tuple[str, int]], zone: ZoneInfo
) -> BacktestView | None:
    """The page's figures; None for a period with no day in it (never expected)."""
    days = result.balances
    if not days:
        return None
    summary = result.summary
    return BacktestView(
        result=result,
        first=days[0].on,
        last=days[-1].on,
        chart=balance_chart(days, summary.lowest.on, summary.lowest_without.on, result.currency),
        pots=_pot_lines(result, held),
        moves=[MoveLine(m, m.at.astimezone(zone)) for m in result.moves],
        warnings=list(result.warnings),
    )


@dataclass(frozen=True)
class Unsaved:
    """A rule form's values, not saved: sent back with each button of the page (to try
    another period, change the rule, or save it)."""

    fields: list[tuple[str, str]]
    save_to: str
    save_label: str


def long_day(on: date) -> str:
    """`3 Mar 2026`."""
    return f"{on.day} {on:%b %Y}"


def warning_days(warning: BacktestWarning) -> str:
    """The days a warning is about, short: `3 Mar 2026`, `3 Mar 2026 to 5 Mar 2026`."""
    if warning.on is None:
        return ""
    if warning.until is None or warning.until == warning.on:
        return long_day(warning.on)
    return f"{long_day(warning.on)} to {long_day(warning.until)}"


def backtest_page(
    request: Request,
    caller: Caller,
    db: Db,
    *,
    name: str,
    kind: str,
    months: int | None,
    outcome: Backtest | str,
    rule: Automation | None = None,
    unsaved: Unsaved | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page for a backtest (or the refusal, in plain words)."""
    zone = zone_of(request, caller)
    view = None
    if not isinstance(outcome, str):
        held = {
            p.id: (p.name, p.balance)
            for p in mirror.list_pots(db, caller.user.id, include_deleted=True)
        }
        view = view_of(outcome, held, zone)
    return render(
        request,
        "automation_backtest.html",
        caller,
        status_code=status_code,
        active="automations",
        name=name,
        kind_name=KIND_NAMES.get(kind, label(kind)),
        months=months,
        months_offered=MONTHS,
        view=view,
        refusal=outcome if isinstance(outcome, str) else None,
        rule=rule,
        unsaved=unsaved,
        direction_labels=DIRECTION_LABELS,
        long_day=long_day,
        warning_days=warning_days,
    )


@router.get("/automations/{rule_id}/backtest", response_class=HTMLResponse)
def rule_backtest_page(
    rule_id: str, request: Request, caller: PageCaller, db: Db, months: str = ""
) -> Response:
    """What the saved rule would have done over the months chosen. Reads only."""
    rule = rules.get(db, caller.user.id, rule_id)  # 404 for anyone else's rule
    name, kind, config = rule.name, rule.kind, dict(rule.config)
    chosen = months_of(months)
    if chosen is None:
        outcome: Backtest | str = MONTHS_REFUSED
    else:
        outcome = attempt(request, caller, db, kind, config, chosen, rule.id)
    return backtest_page(
        request,
        caller,
        db,
        name=name,
        kind=kind,
        months=chosen,
        outcome=outcome,
        rule=rule,
        status_code=400 if chosen is None else 200,
    )
