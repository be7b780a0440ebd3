"""`/api/v1/automations/backtest`: what a rule would have done over the last months,
replayed on the user's own data; moves nothing and writes nothing."""

from __future__ import annotations

from datetime import date as LocalDate
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from potwise import clock
from potwise.domain import backtest
from potwise.services.automations.backtest import run_backtest
from potwise.web.security import AppSettings, CurrentCaller, Db, zone_for

router = APIRouter(tags=["automations"])


class BacktestRule(BaseModel):
    kind: Literal["card_pot", "sweep", "autosort", "topup", "goal"]
    config: dict[str, Any] = Field(
        default_factory=dict, description="The rule's config, as when creating the rule."
    )


class BacktestIn(BaseModel):
    rule: BacktestRule
    months: Literal[3, 6, 12] = Field(description="How far back to replay: 3, 6 or 12 months.")
    automation_id: str | None = Field(
        default=None,
        max_length=64,
        description="One of your rules already running: its own past moves are left out "
        "of the history, so they are not counted twice.",
    )


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
        automation_id=body.automation_id,
    )
    return backtest_out(body.rule.kind, body.months, result)
