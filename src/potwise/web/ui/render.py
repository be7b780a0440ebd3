"""What every page does the same way: a template rendered with the signed-in user and
the flash message its address names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from potwise.services import notify
from potwise.web.security import Caller

#: A flash message: its kind ("info", "success", "error") and its words.
Flash = tuple[str, str]
#: Flash messages by code, as a page module declares them (see `ui/site.py`).
FlashMessages = Mapping[str, Flash]

FormStr = Annotated[str, Form()]


def flash_for(request: Request) -> Flash | None:
    """The flash message the address asks for.

    Flash messages travel as a code in the query string, never as free text,
    so a crafted link cannot put words on our pages: only the codes the page
    modules declared (gathered once when the app is built) are shown."""
    messages: FlashMessages = request.app.state.flash_messages
    return messages.get(request.query_params.get("flash", ""))


def render(
    request: Request,
    template: str,
    caller: Caller | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("error", None)
    if caller is not None:
        # The header's count of unread notices, on every page.
        context.setdefault(
            "unread_notices", notify.unread_for(request.app.state.session_factory, caller.user.id)
        )
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        template,
        {"user": caller.user if caller else None, "flash": flash_for(request), **context},
        status_code=status_code,
        headers=headers,
    )
    return response
