"""Deleting the account from Settings: type the address, the password (and a code with
two-factor on); the answer is a page that says which banks were told and which to
revoke by hand, shown once, signed out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from potwise.domain.errors import DomainError
from potwise.services import leaving
from potwise.services.auth import normalise_email
from potwise.services.errors import MoveInFlight
from potwise.web.api.connections import get_connections_context
from potwise.web.security import AppMailer, AppSettings, AppVault, Db, clear_session_cookie
from potwise.web.ui.access import BrowserCaller
from potwise.web.ui.render import FormStr, render
from potwise.web.ui.settings_view import settings_page_response

router = APIRouter(include_in_schema=False)

MISTYPED = "Type your e-mail address exactly as shown to confirm. Nothing was changed."


@router.post("/settings/delete", response_class=HTMLResponse)
def delete_account(
    request: Request,
    caller: BrowserCaller,
    db: Db,
    vault: AppVault,
    mailer: AppMailer,
    settings: AppSettings,
    confirm_email: FormStr = "",
    password: FormStr = "",
    code: FormStr = "",
) -> Response:
    if normalise_email(confirm_email) != caller.user.email:
        return settings_page_response(
            request,
            caller,
            db,
            400,
            leave_error=MISTYPED,
        )
    try:
        leaving.confirm(db, vault, caller.user, password=password, totp=code or None)
        left = leaving.leave(get_connections_context(request), mailer, caller.user.id)
    except DomainError as exc:
        busy = exc if isinstance(exc, MoveInFlight) else None
        return settings_page_response(
            request,
            caller,
            db,
            exc.status_code,
            headers={"Retry-After": str(busy.retry_after)} if busy else None,
            leave_error=exc.message,
        )
    response = render(request, "account_deleted.html", None, left=left)
    clear_session_cookie(response, settings)
    return response
