"""Connecting banks from the browser: start, the OAuth callback, approval, sync, disconnect."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from potwise.banks.errors import BankError
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services import connections, onboarding
from potwise.services.connections import ConnectionsContext
from potwise.services.sync import engine
from potwise.web.security import Caller, Db, MaybeCaller, client_address
from potwise.web.ui.access import BrowserCaller, PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)
log = get_logger(__name__)

FLASH_MESSAGES: FlashMessages = {
    "connected": ("success", "Connected. The first sync is running; balances appear shortly."),
    "approve_in_app": (
        "info",
        "Almost there: open the Monzo app and allow access for potwise, then press "
        "\u201cCheck approval\u201d below. Monzo shares your full history only for "
        "five minutes after you approve, so potwise syncs straight away.",
    ),
    "approved": ("success", "Approved in the Monzo app. Your history has been synced."),
    "still_waiting": (
        "info",
        "Monzo still says access is not approved. Approve it in the Monzo app, then check again.",
    ),
    "sync_done": ("success", "Synced."),
    "sync_failed": ("error", "The sync failed; the connection shows why."),
    "disconnected": ("success", "Disconnected: access revoked at the bank and its data removed."),
    "disconnected_locally": (
        "info",
        "Disconnected here and its data removed, but the bank could not be told. "
        "Revoke access in your bank's settings too.",
    ),
    "client_saved": ("success", "OAuth client saved. Its secret is stored encrypted."),
}


def _ctx(request: Request) -> ConnectionsContext:
    ctx: ConnectionsContext = request.app.state.connections
    return ctx


def _back(flash: str) -> RedirectResponse:
    return RedirectResponse(f"/connections?flash={flash}", status_code=303)


def _problem(
    request: Request, caller: Caller | None, title: str, message: str, status: int
) -> Response:
    return render(
        request,
        "connect_problem.html",
        caller,
        status_code=status,
        title=title,
        message=message,
        active="connections",
    )


@router.post("/connections/{provider}/start")
def start(
    provider: str,
    request: Request,
    caller: BrowserCaller,
    db: Db,
    provider_id: FormStr = "",
    reconnect_id: FormStr = "",
) -> Response:
    """Send the browser to the bank's sign-in page with a fresh, session-bound state."""
    try:
        url = connections.start(
            db,
            _ctx(request),
            user_id=caller.user.id,
            session_id=caller.session_id,
            provider=provider,
            provider_hint=provider_id.strip() or None,
            reconnect_id=reconnect_id.strip() or None,
        )
    except DomainError as exc:
        return _problem(request, caller, "Could not start connecting", exc.message, 400)
    return RedirectResponse(url, status_code=303)


@router.get("/connections/{provider}/callback")
def callback(
    provider: str,
    request: Request,
    caller: MaybeCaller,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Where the bank sends the browser back. The state must be ours, fresh, unused
    and from this browser session; then the code becomes tokens and the first sync
    starts in the background (full history is only served briefly)."""
    if caller is None or caller.session_id is None:
        return _problem(
            request,
            None,
            "Sign in to finish connecting",
            "You are not signed in in this browser, so potwise cannot tell who this bank "
            "connection is for. Sign in and start connecting again.",
            401,
        )
    ctx = _ctx(request)
    psu_ip = client_address(request)
    try:
        connection = connections.complete(
            ctx,
            user_id=caller.user.id,
            session_id=caller.session_id,
            provider=provider,
            code=code,
            state=state,
            error=error,
            psu_ip=psu_ip,
        )
    except DomainError as exc:
        return _problem(request, caller, "Connection not made", exc.message, 400)
    except BankError as exc:
        log.warning("connections.callback_failed", provider=provider, error=exc.code)
        return _problem(
            request,
            caller,
            "The bank did not complete the connection",
            f"{exc.message} Nothing was saved; start connecting again.",
            502,
        )
    if connection.status == connections.STATUS_AWAITING_APPROVAL:
        return _back("approve_in_app")
    request.app.state.background.submit(_first_sync, ctx, connection.id, psu_ip)
    return _back("connected")


def _first_sync(ctx: ConnectionsContext, connection_id: str, psu_ip: str | None) -> None:
    """Runs in the background after a callback; failures are logged (and recorded on the run)."""
    try:
        onboarding.after_connect(ctx, connection_id, psu_ip=psu_ip)
    except Exception:
        log.exception("connections.first_sync_failed", connection_id=connection_id)


@router.post("/connections/{connection_id}/approval")
def approval(connection_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    """Monzo: ask whether the person approved in the app. A bank that cannot be reached
    answers with the error page and its status (web/errors.py), as on every page."""
    connection = connections.get_for_user(db, caller.user.id, connection_id)
    if connection.provider != "monzo":
        return _back("sync_done")
    approved = onboarding.approve_and_sync(
        _ctx(request), connection_id, psu_ip=client_address(request)
    )
    return _back("approved" if approved else "still_waiting")


@router.post("/connections/{connection_id}/sync")
def sync_now(connection_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    connections.get_for_user(db, caller.user.id, connection_id)
    run = engine.sync_connection(
        _ctx(request), connection_id, trigger="manual", psu_ip=client_address(request)
    )
    return _back("sync_done" if run.status in {"succeeded", "partial"} else "sync_failed")


@router.post("/connections/{connection_id}/disconnect")
def disconnect(connection_id: str, request: Request, caller: PageCaller) -> Response:
    result = connections.disconnect(_ctx(request), caller.user.id, connection_id)
    return _back("disconnected" if result.revoked_at_provider else "disconnected_locally")


@router.post("/connections/clients/{provider}")
def save_client(
    provider: str,
    request: Request,
    caller: PageCaller,
    db: Db,
    client_id: FormStr = "",
    client_secret: FormStr = "",
) -> Response:
    try:
        connections.save_credentials(
            db,
            _ctx(request),
            caller.user.id,
            provider,
            client_id=client_id,
            client_secret=client_secret or None,
        )
    except DomainError as exc:
        return _problem(request, caller, "Client not saved", exc.message, 400)
    return _back("client_saved")
