"""`/api/v1/automations`, `/api/v1/transfers`: rules, previews, runs and every money move."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from potwise.db.models import Automation, AutomationRun, Transfer
from potwise.services.automations import configs, history, pause, rules, runner
from potwise.web.api.connections import Ctx
from potwise.web.api.schemas import Page
from potwise.web.security import CurrentCaller, Db, client_address

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
    #: For a `webhook` run, what the Monzo transaction was: pot_deposit, pot_withdrawal,
    #: money_in, card_purchase or payment_out.
    cause: str | None = None
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    status: str
    reason: str | None
    explanation: str
    data_as_of: datetime | None
    decision: dict[str, Any]
    transfers: list[TransferOut]


class PauseState(BaseModel):
    paused: bool
    server_paused: bool = False


def automation_out(rule: Automation) -> AutomationOut:
    return AutomationOut.model_validate(rule, from_attributes=True)


def transfer_out(transfer: Transfer) -> TransferOut:
    return TransferOut.model_validate(transfer, from_attributes=True)


def run_out(run: AutomationRun, transfers: list[Transfer]) -> RunOut:
    return RunOut(
        id=run.id,
        automation_id=run.automation_id,
        trigger=run.trigger,
        cause=run.cause,
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


def _attended(request: Request, via: str) -> str | None:
    return client_address(request) if via == "session" else None
