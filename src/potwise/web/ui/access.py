"""Who may see a page: a signed-in person; anyone else is sent to sign in and brought
back afterwards.

A page route takes `caller: PageCaller` and never sees an anonymous visitor: the
dependency raises `SignInRequired`, which the error handlers (web/errors.py) answer
with the redirect to `/login?next=<this page>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from potwise.web.security import Caller, MaybeCaller


@dataclass(frozen=True)
class BrowserSession(Caller):
    """A caller signed in with a browser session: `session_id` is always there."""

    session_id: str


class SignInRequired(Exception):
    """An anonymous visitor asked for a page that needs a signed-in person."""


def to_login(request: Request) -> RedirectResponse:
    """To the sign-in page, which sends the person back here once signed in."""
    target = request.url.path
    suffix = f"?next={target}" if target not in {"/", "/login"} else ""
    return RedirectResponse(f"/login{suffix}", status_code=303)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only same-site paths; `//evil.example` and
    absolute URLs fall back to the dashboard."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def signed_in(caller: MaybeCaller) -> Caller:
    if caller is None:
        raise SignInRequired
    return caller


def signed_in_browser(caller: MaybeCaller) -> BrowserSession:
    """Signed in with a browser session, not an API token: connecting a bank sends the
    browser to the bank and back, and the way back is bound to that session."""
    if caller is None or caller.session_id is None:
        raise SignInRequired
    return BrowserSession(user=caller.user, session_id=caller.session_id, via=caller.via)


PageCaller = Annotated[Caller, Depends(signed_in)]
BrowserCaller = Annotated[BrowserSession, Depends(signed_in_browser)]


async def sign_in_redirect(request: Request, exc: Exception) -> Response:
    """The answer to `SignInRequired`: the redirect to sign in."""
    return to_login(request)
