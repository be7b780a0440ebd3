"""The connections page: each bank connection with its latest sync, and the OAuth
clients in use. Connecting, approving, syncing and disconnecting are in connect.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from potwise import clock
from potwise.db.models import SyncRun
from potwise.services import connections
from potwise.services.connections import ConnectionsContext, ConnectionView
from potwise.services.sync import refresh_plan, runs
from potwise.web.security import Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.bank_display import (
    BANK_NAMES,
    OPEN_BANKING_CHOICES,
    PROVIDER_NAMES,
    RUN_LABELS,
    STATUS_LABELS,
    formatter,
    label,
)
from potwise.web.ui.render import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ConnectionCard:
    view: ConnectionView
    provider_name: str
    bank_name: str | None
    status_label: str
    latest_run: SyncRun | None
    run_label: str
    budget: dict[str, Any] | None


@dataclass(frozen=True)
class ClientInfo:
    provider: str
    name: str
    client_id: str | None
    source: str | None


def _bank_name(view: ConnectionView) -> str | None:
    """The bank behind an Open Banking connection, unless the heading names it already."""
    name = BANK_NAMES.get(view.provider_id or "")
    return name if name != view.display_name else None


def _card(
    view: ConnectionView, latest: SyncRun | None, budget: dict[str, Any] | None
) -> ConnectionCard:
    return ConnectionCard(
        view=view,
        provider_name=PROVIDER_NAMES.get(view.provider, view.provider),
        bank_name=_bank_name(view),
        status_label=STATUS_LABELS.get(view.status, label(view.status)),
        latest_run=latest,
        run_label=RUN_LABELS.get(latest.status, label(latest.status)) if latest else "",
        budget=budget,
    )


def _cards(db: Db, ctx: ConnectionsContext, user_id: str) -> list[ConnectionCard]:
    now = clock.now()
    cards = []
    for view in connections.list_for_user(db, user_id, now=now):
        latest = runs.recent(db, user_id, connection_id=view.id, limit=1)
        budget = (
            refresh_plan.summary(db, ctx.settings, view.id, now)
            if view.provider == "truelayer"
            else None
        )
        cards.append(_card(view, latest[0] if latest else None, budget))
    return cards


def _clients(db: Db, ctx: ConnectionsContext, user_id: str) -> list[ClientInfo]:
    clients = []
    for provider in connections.PROVIDERS:
        source = connections.credentials_source(db, ctx, user_id, provider)
        clients.append(
            ClientInfo(
                provider=provider,
                name="Monzo" if provider == "monzo" else "TrueLayer (Open Banking)",
                client_id=source["client_id"],
                source=source["source"],
            )
        )
    return clients


@router.get("/connections", response_class=HTMLResponse)
def connections_page(request: Request, caller: PageCaller, db: Db) -> Response:
    ctx: ConnectionsContext = request.app.state.connections
    return render(
        request,
        "connections.html",
        caller,
        active="connections",
        cards=_cards(db, ctx, caller.user.id),
        clients=_clients(db, ctx, caller.user.id),
        choices=OPEN_BANKING_CHOICES,
        when=formatter(zone_of(request, caller)),
        label=label,
    )
