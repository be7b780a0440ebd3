"""Who is calling: session cookies, bearer tokens, and the CSRF check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import User
from potwise.services import auth, browsers, zones
from potwise.services.account_mail import Mailer
from potwise.services.errors import SessionRequired, Unauthenticated
from potwise.services.vault import Vault
from potwise.settings import Settings

SESSION_COOKIE = "potwise_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Browsers label a request's origin relative to the target; these are ours.
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


@dataclass(frozen=True)
class Caller:
    """An authenticated caller and how they proved it."""

    user: User
    session_id: str | None  # set for browser sessions
    via: str  # "session" or "token"


def get_db(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    with factory() as session:
        yield session


def get_session_factory(request: Request) -> sessionmaker[Session]:
    """The app's session factory, for a service that reads after the request's own
    session has gone (a streamed download reads a batch at a time)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_policy(request: Request) -> auth.AuthPolicy:
    policy: auth.AuthPolicy = request.app.state.auth_policy
    return policy


def get_mailer(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


Db = Annotated[Session, Depends(get_db)]
Sessions = Annotated[sessionmaker[Session], Depends(get_session_factory)]
AppMailer = Annotated[Mailer, Depends(get_mailer)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Policy = Annotated[auth.AuthPolicy, Depends(get_policy)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_caller(request: Request, db: Session) -> Caller | None:
    """The caller of this request, or None. A bearer header, when present, is the
    only credential looked at (a bad token is not rescued by a cookie)."""
    raw = bearer_token(request)
    if raw is not None:
        token = auth.resolve_api_token(db, raw)
        return Caller(user=token.user, session_id=None, via="token") if token else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        session = auth.resolve_session(db, cookie)
        if session is not None:
            return Caller(user=session.user, session_id=session.id, via="session")
    return None


# The two credentials, as OpenAPI security schemes. They only describe: neither
# refuses a request by itself (`auto_error=False`); `resolve_caller` decides.
BEARER_SCHEME = HTTPBearer(
    scheme_name="bearerToken",
    bearerFormat="pw_...",
    description="A personal API token (made on the Settings page), sent as "
    "`Authorization: Bearer pw_...`. When the header is present it is the only "
    "credential looked at.",
    auto_error=False,
)
COOKIE_SCHEME = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="sessionCookie",
    description="The browser session that signing in sets (`POST /api/v1/auth/login`).",
    auto_error=False,
)


def require_caller(
    caller: MaybeCaller,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)],
    _cookie: Annotated[str | None, Depends(COOKIE_SCHEME)],
) -> Caller:
    """The caller, or 401. An operation that needs one lists both schemes in OpenAPI."""
    if caller is None:
        raise Unauthenticated("Sign in, or send a valid personal API token.")
    return caller


def optional_caller(request: Request, db: Db) -> Caller | None:
    return resolve_caller(request, db)


# Asked once per request: the caller is cached for every dependency that needs it.
MaybeCaller = Annotated[Caller | None, Depends(optional_caller)]
CurrentCaller = Annotated[Caller, Depends(require_caller)]


def require_session(caller: CurrentCaller) -> Caller:
    """The signed-in person themselves: a personal API token is refused (a script
    holding a token must not be able to change how its owner signs in)."""
    if caller.session_id is None:
        raise SessionRequired(
            "Two-factor settings can be changed only when signed in, not with an API token."
        )
    return caller


SessionCaller = Annotated[Caller, Depends(require_session)]


def get_vault(request: Request) -> Vault:
    vault: Vault = request.app.state.connections.vault
    return vault


AppVault = Annotated[Vault, Depends(get_vault)]


def zone_for(caller: Caller | None, settings: Settings) -> ZoneInfo:
    """The time zone a caller's dates are shown in: their own, else the server's."""
    return zones.zone_named(caller.user.timezone if caller else None, settings.timezone)


def zone_of(request: Request, caller: Caller | None) -> ZoneInfo:
    return zone_for(caller, request.app.state.settings)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def note_presence(request: Request, user_id: str) -> None:
    """The signed-in user is looking at a page that shows what their cards owe: read
    the cards that are due, attended, in the background (`services/presence.py`)."""
    request.app.state.presence.user_present(user_id, client_address(request), clock.now())


def open_session(
    request: Request,
    response: Response,
    db: Session,
    policy: auth.AuthPolicy,
    settings: Settings,
    user: User,
    *,
    second_factor: str | None = None,
) -> None:
    """Start a browser session for `user` and put its cookie on `response`; a browser
    new to the user is remembered and the user told by e-mail."""
    user_agent, address = request.headers.get("user-agent"), client_address(request)
    _, raw = auth.create_session(
        db,
        policy,
        user,
        user_agent=user_agent,
        ip_address=address,
        second_factor=second_factor,
    )
    set_session_cookie(response, settings, raw)
    browser = browsers.recognise(
        db,
        request.app.state.mailer,
        user,
        request.cookies.get(browsers.BROWSER_COOKIE),
        user_agent=user_agent,
        ip_address=address,
    )
    if browser is not None:
        response.set_cookie(
            browsers.BROWSER_COOKIE,
            browser,
            max_age=browsers.COOKIE_DAYS * 86400,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )


def set_session_cookie(response: Response, settings: Settings, raw_token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw_token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def csrf_rejection(request: Request, public_url: str) -> str | None:
    """Why an unsafe request must be refused as cross-site, or None to let it through.

    Browsers send `Sec-Fetch-Site` on every request; when it is absent (older
    browsers), a present `Origin` must be ours. Requests carrying a bearer
    token are exempt: browsers never attach one by themselves. A request with
    neither header did not come from a browser page, so it has no ambient
    credentials to abuse.
    """
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return None
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site.lower() in ALLOWED_FETCH_SITES:
            return None
        return f"cross-site request refused (Sec-Fetch-Site: {fetch_site})"
    origin = request.headers.get("origin")
    if origin is None:
        return None
    own = {_origin_of(public_url), _origin_of(str(request.base_url))}
    if origin.lower() in own:
        return None
    return "cross-site request refused (Origin does not match)"
