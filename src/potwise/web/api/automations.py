"""`/api/v1/automations`, `/api/v1/transfers`: rules, previews, runs and every money move."""

from __future__ import annotations

from datetime import date as LocalDate
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.db.models import Automation, AutomationRun, Transfer
from potwise.domain import backtest
from potwise.services import notify
from potwise.services.automations import configs, history, pause, rules, runner
from potwise.services.automations.backtest import run_backtest
from potwise.web.api.connections import Ctx
from potwise.web.api.schemas import Page
from potwise.web.security import AppSettings, CurrentCaller, Db, client_address, zone_for

router = APIRouter(tags=["automations"])


class _RuleIn(BaseModel):
    name: str = Field(max_length=120)
    enabled: bool = True


class CardPotIn(_RuleIn):
    kind: Literal["card_pot"]
    config: configs.CardPotConfig


class SweepIn(_RuleIn):
    kind: Literal["sweep"]
    config: configs.SweepConfig


class AutosortIn(_RuleIn):
    kind: Literal["autosort"]
    config: configs.AutosortConfig


class TopupIn(_RuleIn):
    kind: Literal["topup"]
    config: configs.TopupConfig


class GoalIn(_RuleIn):
    kind: Literal["goal"]
    config: configs.GoalConfig


# One model per kind, told apart by `kind`: the OpenAPI shows each kind's fields.
AutomationIn = Annotated[
    CardPotIn | SweepIn | AutosortIn | TopupIn | GoalIn, Field(discriminator="kind")
]


class AutomationPatch(BaseModel):
    name: str | None = Field(default=None, max_length=120)
    enabled: bool | None = None
    config: dict[str, Any] | None = None


class AutomationOut(BaseModel):
    id: str
    kind: str
    name: str
    enabled: bool
    config: dict[str, Any]
    state: dict[str, Any] | None
    status: str
    status_reason: str | None
    last_run_at: datetime | None
    created_at: datetime


class TransferOut(BaseModel):
    id: str
    automation_id: str | None
    pot_id: str | None
    direction: str
    amount: int
    currency: str
    dedupe_id: str
    status: str
    reason: str
    error: str | None
    attempts: int
    created_at: datetime
    completed_at: datetime | None


class RunOut(BaseModel):
    id: str
    automation_id: str
    trigger: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    status: str
    reason: str | None
    explanation: str
    data_as_of: datetime | None
    decision: dict[str, Any]
    transfers: list[TransferOut]


class BacktestRule(BaseModel):
    kind: Literal["card_pot", "sweep", "autosort", "topup", "goal"]
    config: dict[str, Any] = Field(
        default_factory=dict, description="The rule's config, as when creating the rule."
    )


class BacktestIn(BaseModel):
    rule: BacktestRule
    months: Literal[3, 6, 12] = Field(description="How far back to replay: 3, 6 or 12 months.")


class BacktestMoveOut(BaseModel):
    at: datetime
    date: LocalDate = Field(description="The local date of the move.")
    pot_id: str
    pot_name: str
    direction: str = Field(description="`deposit` (into the pot) or `withdraw` (out of it).")
    amount: int
    reason: str = Field(description="The move's short reason.")
    explanation: str = Field(description="Why, in the rule's own words.")
    capped: bool = Field(description="A limit held part of the move back.")


class BacktestBalanceOut(BaseModel):
    date: LocalDate
    current: int = Field(description="The current account at the day's end, with the rule.")
    current_without_rule: int = Field(description="The same, as it really was.")
    low: int = Field(description="The lowest the current account went that day, with the rule.")
    low_without_rule: int
    pots: dict[str, int] = Field(description="Each of the rule's pots at the day's end, by id.")


class BacktestWarningOut(BaseModel):
    kind: str = Field(
        description="below_zero, below_floor, capped, waiting_funds, pot_overdrawn, or what "
        "the history could not tell (no_payday, no_income, history_starts, ...)."
    )
    message: str
    date: LocalDate | None = None
    until: LocalDate | None = None


class LowestOut(BaseModel):
    date: LocalDate
    balance: int


class BacktestSummaryOut(BaseModel):
    moved_in: int = Field(description="Moved into pots.")
    moved_out: int = Field(description="Moved out of pots.")
    count: int = Field(description="Moves.")
    decisions: int
    lowest: LowestOut
    lowest_without_rule: LowestOut


class BacktestOut(BaseModel):
    kind: str
    months: int
    currency: str
    timezone: str
    start: datetime
    end: datetime
    moves: list[BacktestMoveOut]
    balances: list[BacktestBalanceOut]
    warnings: list[BacktestWarningOut]
    summary: BacktestSummaryOut


class PauseState(BaseModel):
    paused: bool
    server_paused: bool = False


class NoticeOut(BaseModel):
    id: str
    kind: str
    level: str
    message: str
    created_at: datetime
    read_at: datetime | None


def automation_out(rule: Automation) -> AutomationOut:
    return AutomationOut.model_validate(rule, from_attributes=True)


def transfer_out(transfer: Transfer) -> TransferOut:
    return TransferOut.model_validate(transfer, from_attributes=True)


def run_out(run: AutomationRun, transfers: list[Transfer]) -> RunOut:
    return RunOut(
        id=run.id,
        automation_id=run.automation_id,
        trigger=run.trigger,
        dry_run=run.dry_run,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        reason=run.reason,
        explanation=run.explanation,
        data_as_of=run.data_as_of,
        decision=run.decision,
        transfers=[transfer_out(t) for t in transfers],
    )


def backtest_out(kind: str, months: int, result: backtest.Backtest) -> BacktestOut:
    summary = result.summary
    return BacktestOut(
        kind=kind,
        months=months,
        currency=result.currency,
        timezone=result.tz,
        start=result.start,
        end=result.end,
        moves=[
            BacktestMoveOut(
                at=m.at,
                date=m.on,
                pot_id=m.pot_id,
                pot_name=m.pot_name,
                direction=str(m.direction),
                amount=m.amount,
                reason=m.reason,
                explanation=m.explanation,
                capped=m.capped,
            )
            for m in result.moves
        ],
        balances=[
            BacktestBalanceOut(
                date=d.on,
                current=d.current,
                current_without_rule=d.current_without,
                low=d.low,
                low_without_rule=d.low_without,
                pots=dict(d.pots),
            )
            for d in result.balances
        ],
        warnings=[
            BacktestWarningOut(kind=w.kind, message=w.message, date=w.on, until=w.until)
            for w in result.warnings
        ],
        summary=BacktestSummaryOut(
            moved_in=summary.moved_in,
            moved_out=summary.moved_out,
            count=summary.count,
            decisions=summary.decisions,
            lowest=LowestOut(date=summary.lowest.on, balance=summary.lowest.balance),
            lowest_without_rule=LowestOut(
                date=summary.lowest_without.on, balance=summary.lowest_without.balance
            ),
        ),
    )


@router.get("/automations", response_model=Page[AutomationOut])
def list_automations(caller: CurrentCaller, db: Db) -> Page[AutomationOut]:
    return Page[AutomationOut](
        items=[automation_out(r) for r in rules.list_rules(db, caller.user.id)]
    )


@router.post("/automations", response_model=AutomationOut, status_code=status.HTTP_201_CREATED)
def create_automation(body: AutomationIn, caller: CurrentCaller, db: Db) -> AutomationOut:
    rule = rules.create(
        db,
        caller.user.id,
        rules.RuleInput(
            kind=body.kind,
            name=body.name,
            enabled=body.enabled,
            config=configs.stored(body.config),
        ),
    )
    return automation_out(rule)


@router.get("/automations/pause", response_model=PauseState)
def get_pause(caller: CurrentCaller, db: Db) -> PauseState:
    return PauseState(
        paused=pause.user_paused(db, caller.user.id), server_paused=pause.globally_paused(db)
    )


@router.put("/automations/pause", response_model=PauseState)
def set_pause(body: PauseState, caller: CurrentCaller, db: Db) -> PauseState:
    """Your own switch: while paused, none of your rules moves money (previews still work)."""
    pause.set_user_pause(db, caller.user.id, body.paused)
    return get_pause(caller, db)


@router.post("/automations/backtest", response_model=BacktestOut)
def backtest_rule(
    body: BacktestIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> BacktestOut:
    """What the rule would have done over the last months, replayed on your own data.
    Moves nothing and writes nothing."""
    result = run_backtest(
        db,
        caller.user.id,
        body.rule.kind,
        body.rule.config,
        body.months,
        now=clock.now(),
        zone=zone_for(caller, settings),
    )
    return backtest_out(body.rule.kind, body.months, result)


@router.get("/automations/{automation_id}", response_model=AutomationOut)
def get_automation(automation_id: str, caller: CurrentCaller, db: Db) -> AutomationOut:
    return automation_out(rules.get(db, caller.user.id, automation_id))


@router.patch("/automations/{automation_id}", response_model=AutomationOut)
def patch_automation(
    automation_id: str, body: AutomationPatch, caller: CurrentCaller, db: Db
) -> AutomationOut:
    rule = rules.update(
        db, caller.user.id, automation_id, name=body.name, enabled=body.enabled, config=body.config
    )
    return automation_out(rule)


@router.delete("/automations/{automation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_automation(automation_id: str, caller: CurrentCaller, db: Db) -> Response:
    rules.delete(db, caller.user.id, automation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/automations/{automation_id}/preview", response_model=RunOut)
def preview(
    automation_id: str, request: Request, caller: CurrentCaller, db: Db, ctx: Ctx
) -> RunOut:
    """What the rule would move now, and why. Moves nothing and changes no state."""
    rules.get(db, caller.user.id, automation_id)
    outcome = runner.run_rule(
        ctx, automation_id, trigger="preview", dry_run=True, psu_ip=_attended(request, caller.via)
    )
    return run_out(outcome.run, outcome.transfers)


@router.post("/automations/{automation_id}/run", response_model=RunOut)
def run_now(
    automation_id: str, request: Request, caller: CurrentCaller, db: Db, ctx: Ctx
) -> RunOut:
    rules.get(db, caller.user.id, automation_id)
    outcome = runner.run_rule(
        ctx, automation_id, trigger="manual", dry_run=False, psu_ip=_attended(request, caller.via)
    )
    return run_out(outcome.run, outcome.transfers)


@router.get("/automations/{automation_id}/runs", response_model=Page[RunOut])
def runs(
    automation_id: str,
    caller: CurrentCaller,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[RunOut]:
    rules.get(db, caller.user.id, automation_id)
    items = history.runs(db, caller.user.id, automation_id, limit=limit)
    return Page[RunOut](items=[run_out(run, transfers) for run, transfers in items])


@router.get("/transfers", response_model=Page[TransferOut])
def transfers(
    caller: CurrentCaller,
    db: Db,
    automation_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[TransferOut]:
    """Every money move, newest first, with its rule, reason, dedupe_id and status."""
    items = history.transfers(db, caller.user.id, automation_id=automation_id, limit=limit)
    return Page[TransferOut](items=[transfer_out(t) for t in items])


@router.get("/notices", response_model=Page[NoticeOut])
def notices(
    caller: CurrentCaller, db: Db, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[NoticeOut]:
    items = notify.recent(db, caller.user.id, limit=limit)
    return Page[NoticeOut](items=[NoticeOut.model_validate(n, from_attributes=True) for n in items])


def _attended(request: Request, via: str) -> str | None:
    return client_address(request) if via == "session" else None
