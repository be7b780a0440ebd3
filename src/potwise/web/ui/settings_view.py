"""The settings page as every settings form answers it: sessions, API tokens and
two-factor, with whatever the form adds (an error, a token shown once, recovery
codes shown once)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from potwise.services import auth, leaving
from potwise.services.twofactor import factor, passkeys
from potwise.web.security import Caller, Db, get_settings
from potwise.web.ui.render import render


def passkeys_available(request: Request) -> bool:
    """Whether this server can offer passkeys (its public address is a host name)."""
    return passkeys.relying_party(get_settings(request).public_url) is not None


def settings_page_response(
    request: Request,
    caller: Caller,
    db: Db,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        "settings.html",
        caller,
        status_code=status_code,
        active="settings",
        sessions=auth.list_sessions(db, caller.user.id),
        tokens=auth.list_api_tokens(db, caller.user.id),
        twofactor=factor.status(db, caller.user.id),
        passkeys=passkeys.listed(db, caller.user.id),
        passkeys_available=passkeys_available(request),
        current_session_id=caller.session_id,
        leaving_banks=leaving.banks(db, caller.user.id),
        **context,
    )
