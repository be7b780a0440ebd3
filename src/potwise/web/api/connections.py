"""`/api/v1/connections`, `/api/v1/sync`: connecting banks and syncing them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.db.models import SyncRun
from potwise.services import connections, onboarding, unit_of_work
from potwise.services.connections import ConnectionsContext, ConnectionView
from potwise.services.errors import InvalidInput
from potwise.services.sync import engine, refresh_plan, runs, schedule
from potwise.web.api.schemas import Page
from potwise.web.security import CurrentCaller, Db, client_address

router = APIRouter(tags=["connections"])


def get_connections_context(request: Request) -> ConnectionsContext:
    ctx: ConnectionsContext = request.app.state.connections
    return ctx


Ctx = Annotated[ConnectionsContext, Depends(get_connections_context)]


class RefreshPlanOut(BaseModel):
    """When the connection's unattended calls are spent: whole refreshes (balance,
    pending items and transactions of each card) at these local times."""

    times: list[str]
    timezone: str
    calls_per_refresh: int
    last_refresh_at: datetime | None
    last_refresh_failed: bool
    next_refresh_at: datetime | None


class UnattendedBudget(BaseModel):
    allowance: int
    remaining: int
    next_reset: datetime | None
    paused_until: datetime | None
    plan: RefreshPlanOut


class ConnectionOut(BaseModel):
    id: str
    provider: str
    provider_id: str | None
    display_name: str
    status: str
    status_reason: str | None
    warning: str | None
    consent_expires_at: datetime | None
    consent_days_left: int | None
    last_synced_at: datetime | None
    created_at: datetime
    accounts: int
    unattended_budget: UnattendedBudget | None = None


class StartRequest(BaseModel):
    provider_id: str | None = Field(default=None, max_length=64)
    reconnect_id: str | None = Field(default=None, max_length=32)


class StartResponse(BaseModel):
    authorize_url: str


class ClientCredentialsIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str | None = Field(default=None, max_length=500)


class ClientCredentialsOut(BaseModel):
    provider: str
    client_id: str | None
    source: str | None


class DisconnectOut(BaseModel):
    revoked_at_provider: bool
    message: str | None


class ApprovalOut(BaseModel):
    approved: bool
    status: str


class SyncRunOut(BaseModel):
    id: str
    connection_id: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    api_calls: int
    retries: int
    errors: list[Any]


def run_out(run: SyncRun) -> SyncRunOut:
    return SyncRunOut.model_validate(run, from_attributes=True)


def connection_out(ctx: ConnectionsContext, db: Db, item: ConnectionView) -> ConnectionOut:
    out = ConnectionOut.model_validate(item, from_attributes=True)
    if item.provider == "truelayer":
        budget = refresh_plan.summary(db, ctx.settings, item.id, clock.now())
        out.unattended_budget = UnattendedBudget(**budget)
    return out


@router.get("/connections", response_model=Page[ConnectionOut])
def list_connections(caller: CurrentCaller, db: Db, ctx: Ctx) -> Page[ConnectionOut]:
    items = [
        connection_out(ctx, db, item) for item in connections.list_for_user(db, caller.user.id)
    ]
    return Page[ConnectionOut](items=items)


@router.get("/connections/clients", response_model=Page[ClientCredentialsOut])
def list_clients(caller: CurrentCaller, db: Db, ctx: Ctx) -> Page[ClientCredentialsOut]:
    items = [
        ClientCredentialsOut(
            provider=provider, **connections.credentials_source(db, ctx, caller.user.id, provider)
        )
        for provider in connections.PROVIDERS
    ]
    return Page[ClientCredentialsOut](items=items)


@router.put("/connections/clients/{provider}", status_code=status.HTTP_204_NO_CONTENT)
def save_client(
    provider: str, body: ClientCredentialsIn, caller: CurrentCaller, db: Db, ctx: Ctx
) -> Response:
    """Save your own OAuth client for a provider; the secret is stored encrypted, never shown."""
    connections.save_credentials(
        db,
        ctx,
        caller.user.id,
        provider,
        client_id=body.client_id,
        client_secret=body.client_secret,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/connections/{provider}/start", response_model=StartResponse)
def start(
    provider: str,
    caller: CurrentCaller,
    db: Db,
    ctx: Ctx,
    body: StartRequest | None = None,
) -> StartResponse:
    """Begin connecting; open `authorize_url` in the same browser session to finish."""
    if caller.session_id is None:
        raise InvalidInput(
            "Connecting a bank needs a browser session: the bank sends you back to it. "
            "Sign in on the web page and connect from there."
        )
    request = body or StartRequest()
    url = connections.start(
        db,
        ctx,
        user_id=caller.user.id,
        session_id=caller.session_id,
        provider=provider,
        provider_hint=request.provider_id,
        reconnect_id=request.reconnect_id,
    )
    return StartResponse(authorize_url=url)


@router.delete("/connections/{connection_id}", response_model=DisconnectOut)
def disconnect(connection_id: str, caller: CurrentCaller, ctx: Ctx) -> DisconnectOut:
    """Revoke access at the bank and forget the tokens and everything mirrored from it."""
    result = connections.disconnect(ctx, caller.user.id, connection_id)
    return DisconnectOut(revoked_at_provider=result.revoked_at_provider, message=result.message)


@router.post("/connections/{connection_id}/approval", response_model=ApprovalOut)
def check_approval(
    connection_id: str, request: Request, caller: CurrentCaller, db: Db, ctx: Ctx
) -> ApprovalOut:
    """Monzo: check whether you approved access in the app; the first sync follows at once."""
    connection = connections.get_for_user(db, caller.user.id, connection_id)
    if connection.provider != "monzo":
        raise InvalidInput("Only Monzo connections need approval in an app.")
    with unit_of_work.read_afresh_after(db):  # the first sync wrote through its own sessions
        approved = onboarding.approve_and_sync(ctx, connection_id, psu_ip=client_address(request))
    refreshed = connections.get_for_user(db, caller.user.id, connection_id)
    return ApprovalOut(approved=approved, status=refreshed.status)


@router.post("/connections/{connection_id}/sync", response_model=SyncRunOut)
def sync_one(
    connection_id: str, request: Request, caller: CurrentCaller, db: Db, ctx: Ctx
) -> SyncRunOut:
    """Sync one connection now (you are present, so banks answer without the daily cap)."""
    connections.get_for_user(db, caller.user.id, connection_id)
    run = engine.sync_connection(
        ctx, connection_id, trigger="manual", psu_ip=_attended_ip(request, caller.via)
    )
    return run_out(run)


@router.post("/sync", response_model=Page[SyncRunOut])
def sync_all(request: Request, caller: CurrentCaller, ctx: Ctx) -> Page[SyncRunOut]:
    """Sync every connection of yours now, concurrently."""
    ids = schedule.due_connection_ids(ctx, caller.user.id)
    results = engine.sync_many(ctx, ids, trigger="manual", psu_ip=_attended_ip(request, caller.via))
    return Page[SyncRunOut](items=[run_out(r) for r in results])


@router.get("/sync/runs", response_model=Page[SyncRunOut])
def sync_runs(
    caller: CurrentCaller,
    db: Db,
    connection_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[SyncRunOut]:
    items = runs.recent(db, caller.user.id, connection_id=connection_id, limit=limit)
    return Page[SyncRunOut](items=[run_out(r) for r in items])


def _attended_ip(request: Request, via: str) -> str | None:
    """The person's address, only when a person is there: a browser session, not a script."""
    return client_address(request) if via == "session" else None
