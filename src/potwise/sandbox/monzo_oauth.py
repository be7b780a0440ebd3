"""Monzo's OAuth server and its Strong Customer Authentication step.

Follows the reference: single-use codes, refresh tokens for confidential
clients only (single use, rotating), one live access token per client and
user (older ones are evicted), `/ping/whoami`, `/oauth2/logout`, and new
logins that have no permissions until the user approves in the app.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from potwise.sandbox.errors import MonzoError, json_response
from potwise.sandbox.pages import render

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld


def _token(kind: str) -> str:
    # Shaped like Monzo's (JWT-looking, opaque to clients).
    payload = base64.urlsafe_b64encode(
        json.dumps({"k": kind, "n": secrets.token_hex(12)}).encode()
    ).rstrip(b"=")
    return (
        "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9." + payload.decode() + "." + secrets.token_urlsafe(32)
    )


@dataclass(slots=True)
class MonzoGrant:
    """One login (authorisation) of one user for one client."""

    grant_id: str
    user: str
    user_id: str
    client_id: str
    created: float
    approved_at: float | None = None
    refresh_token: str | None = None
    logged_out: bool = False


@dataclass(slots=True)
class MonzoToken:
    token: str
    grant: MonzoGrant
    expires: float
    state: str = "active"  # active | evicted | logged_out


@dataclass(slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    user: str
    issued: float
    used: bool = False


class MonzoAuth:
    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.reset()

    def reset(self) -> None:
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, MonzoToken] = {}
        self.refresh: dict[str, tuple[MonzoGrant, str]] = {}
        self.current: dict[tuple[str, str], MonzoToken] = {}
        self.grants: list[MonzoGrant] = []

    # ------------------------------------------------------------ grants
    def issue_code(self, client_id: str, redirect_uri: str, user: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Code(client_id, redirect_uri, user, self.world.clock.timestamp())
        return code

    def _issue(self, grant: MonzoGrant) -> MonzoToken:
        now = self.world.clock.timestamp()
        key = (grant.client_id, grant.user)
        previous = self.current.get(key)
        if previous is not None and previous.state == "active":
            previous.state = "evicted"
        token = MonzoToken(_token("access"), grant, now + self.world.options.monzo_token_ttl)
        self.tokens[token.token] = token
        self.current[key] = token
        return token

    def _token_body(self, token: MonzoToken, confidential: bool) -> dict[str, object]:
        grant = token.grant
        body: dict[str, object] = {
            "access_token": token.token,
            "client_id": grant.client_id,
            "expires_in": int(self.world.options.monzo_token_ttl),
            "token_type": "Bearer",
            "user_id": grant.user_id,
        }
        if confidential:
            if grant.refresh_token is not None:
                self.refresh[grant.refresh_token] = (grant, "used")
            grant.refresh_token = _token("refresh")
            self.refresh[grant.refresh_token] = (grant, "active")
            body["refresh_token"] = grant.refresh_token
        return body

    def new_login(self, client_id: str, user: str, *, approved: bool = False) -> MonzoToken:
        """A fresh login; evicts the client's other tokens and refresh tokens for this user."""
        household = self.world.stub(user)
        now = self.world.clock.timestamp()
        for grant in self.grants:
            if (
                grant.client_id == client_id
                and grant.user == user
                and grant.refresh_token
                and self.refresh.get(grant.refresh_token, (grant, ""))[1] == "active"
            ):
                self.refresh[grant.refresh_token] = (grant, "evicted")
        grant = MonzoGrant(secrets.token_hex(8), user, household.main.user_id, client_id, now)
        if approved:
            grant.approved_at = now
        self.grants.append(grant)
        return self._issue(grant)

    def approve(self, user: str) -> int:
        """The user taps "Allow" in the app: every pending login of theirs is approved."""
        now = self.world.clock.timestamp()
        count = 0
        for grant in self.grants:
            if grant.user == user and grant.approved_at is None and not grant.logged_out:
                grant.approved_at = now
                count += 1
        return count

    def pending(self, user: str) -> list[MonzoGrant]:
        return [
            g for g in self.grants if g.user == user and g.approved_at is None and not g.logged_out
        ]

    def expire(self, token: str) -> None:
        found = self.tokens.get(token)
        if found is not None:
            found.expires = self.world.clock.timestamp() - 1

    # ----------------------------------------------------- authentication
    def authenticate(self, request: Request) -> MonzoToken:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise MonzoError(
                401,
                "unauthorized.bad_access_token.missing",
                "No access token was provided",
                oauth_error="invalid_token",
            )
        token = self.tokens.get(value.strip())
        if token is None:
            raise MonzoError(
                401,
                "unauthorized.bad_access_token",
                "Access token is invalid",
                oauth_error="invalid_token",
            )
        if token.state == "evicted":
            raise MonzoError(
                401,
                "unauthorized.bad_access_token.evicted",
                "Access token has been evicted by a newer token",
                oauth_error="invalid_token",
            )
        if token.state == "logged_out":
            raise MonzoError(
                401,
                "unauthorized.bad_access_token",
                "Access token is invalid",
                oauth_error="invalid_token",
            )
        if token.expires <= self.world.clock.timestamp():
            raise MonzoError(
                401,
                "unauthorized.bad_access_token.expired",
                "Access token has expired",
                oauth_error="invalid_token",
            )
        return token

    def require_approved(self, token: MonzoToken) -> None:
        grant = token.grant
        delay = self.world.options.monzo_auto_approve_after
        if (
            grant.approved_at is None
            and delay is not None
            and self.world.clock.timestamp() - grant.created >= delay
        ):
            grant.approved_at = grant.created + delay
        if grant.approved_at is None:
            raise MonzoError(
                403,
                "forbidden.insufficient_permissions",
                "Access forbidden due to insufficient permissions",
            )

    def full_history_open(self, token: MonzoToken) -> bool:
        approved = token.grant.approved_at
        window = self.world.options.monzo_full_history_window
        return approved is not None and self.world.clock.timestamp() < approved + window


def _form_value(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise MonzoError(
            400, f"bad_request.missing_param.{name}", f"The field '{name}' is required"
        )
    return value


def build_routers(world: SandboxWorld) -> tuple[APIRouter, APIRouter]:
    """(authorize pages under /monzo/auth, token endpoints under /monzo/api)."""
    auth = APIRouter()
    api = APIRouter()

    def check_authorize(params: dict[str, str]) -> str | None:
        client = world.clients.get(params.get("client_id", ""))
        if client is None:
            return "Unknown client_id."
        if not client.allows_redirect(params.get("redirect_uri", "")):
            return "redirect_uri does not match the client's configured redirect URLs."
        if params.get("response_type") != "code":
            return "response_type must be 'code'."
        return None

    def redirect_with_code(params: dict[str, str], user: str) -> Response:
        code = world.monzo.issue_code(params["client_id"], params["redirect_uri"], user)
        query = {"code": code}
        if params.get("state"):
            query["state"] = params["state"]
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(params["redirect_uri"] + sep + urlencode(query), status_code=302)

    @auth.get("/", response_model=None)
    async def authorize_page(request: Request) -> Response:
        params = dict(request.query_params)
        problem = check_authorize(params)
        if problem:
            return HTMLResponse(render("error.html", title="Monzo", problem=problem), 400)
        user = params.get("sandbox_user", "demo")
        if not world.has_user(user):
            return HTMLResponse(
                render("error.html", title="Monzo", problem=f"No sandbox user {user!r}."), 400
            )
        if params.get("auto_approve") == "1":
            return redirect_with_code(params, user)
        hidden = {k: v for k, v in params.items() if k not in {"sandbox_user", "auto_approve"}}
        return HTMLResponse(
            render("monzo_authorize.html", params=hidden, users=world.user_names(), selected=user)
        )

    @auth.post("/", response_model=None)
    async def authorize_submit(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        problem = check_authorize(form)
        if problem:
            return HTMLResponse(render("error.html", title="Monzo", problem=problem), 400)
        if form.get("decision") != "approve":
            query = {"error": "access_denied"}
            if form.get("state"):
                query["state"] = form["state"]
            sep = "&" if "?" in form["redirect_uri"] else "?"
            return RedirectResponse(form["redirect_uri"] + sep + urlencode(query), 302)
        user = form.get("sandbox_user", "demo")
        if not world.has_user(user):
            return HTMLResponse(
                render("error.html", title="Monzo", problem=f"No sandbox user {user!r}."), 400
            )
        return redirect_with_code(form, user)

    @api.post("/oauth2/token", response_model=None)
    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        grant_type = _form_value(form, "grant_type")
        client = world.clients.get(form.get("client_id", ""))
        if client is None or client.client_secret != form.get("client_secret"):
            raise MonzoError(
                401,
                "unauthorized.bad_client_credentials",  # [A] code undocumented
                "Client credentials are invalid",
                oauth_error="invalid_client",
            )
        state = world.monzo
        now = world.clock.timestamp()
        if grant_type == "authorization_code":
            code_value = _form_value(form, "code")
            code = state.codes.get(code_value)
            if code is None or code.client_id != client.client_id:
                raise MonzoError(
                    401,
                    "unauthorized.bad_authorization_code",
                    "Authorization code is invalid",
                    oauth_error="invalid_grant",
                )
            if code.used:
                raise MonzoError(
                    401,
                    "unauthorized.bad_authorization_code.used",
                    "Authorization code has been used",
                    oauth_error="invalid_grant",
                )
            if now - code.issued > world.options.monzo_code_ttl:
                raise MonzoError(
                    401,
                    "unauthorized.bad_authorization_code.expired",
                    "Authorization code has expired",
                    oauth_error="invalid_grant",
                )
            if form.get("redirect_uri") != code.redirect_uri:
                raise MonzoError(
                    400,
                    "bad_request.bad_param.redirect_uri",  # [A]
                    "redirect_uri does not match the authorization request",
                    oauth_error="invalid_grant",
                )
            code.used = True
            issued = state.new_login(client.client_id, code.user)
            return json_response(state._token_body(issued, client.confidential))
        if grant_type == "refresh_token":
            value = _form_value(form, "refresh_token")
            found = state.refresh.get(value)
            if not client.confidential or found is None or found[0].client_id != client.client_id:
                raise MonzoError(
                    401,
                    "unauthorized.bad_refresh_token",
                    "Bad refresh token",
                    oauth_error="invalid_grant",
                )
            grant, status = found
            if status == "evicted":
                raise MonzoError(
                    401,
                    "unauthorized.bad_refresh_token.evicted",
                    "Refresh token has been evicted by a newer login",
                    oauth_error="invalid_grant",
                )
            if status != "active" or grant.logged_out:
                raise MonzoError(
                    401,
                    "unauthorized.bad_refresh_token",
                    "Bad refresh token",
                    oauth_error="invalid_grant",
                )
            # Refreshing keeps the login's approval but does not reopen the history window.
            issued = state._issue(grant)
            return json_response(state._token_body(issued, True))
        raise MonzoError(
            400,
            "bad_request.bad_param.grant_type",
            "grant_type must be authorization_code or refresh_token",
        )

    @api.post("/oauth2/logout", response_model=None)
    async def logout(request: Request) -> Response:
        token = world.monzo.authenticate(request)
        token.state = "logged_out"
        token.grant.logged_out = True
        if token.grant.refresh_token:
            world.monzo.refresh[token.grant.refresh_token] = (token.grant, "used")
        return json_response({})

    @api.get("/ping/whoami", response_model=None)
    async def whoami(request: Request) -> Response:
        # [A] Answers before in-app approval: it describes the token, not the user's data.
        token = world.monzo.authenticate(request)
        return json_response(
            {
                "authenticated": True,
                "client_id": token.grant.client_id,
                "user_id": token.grant.user_id,
            }
        )

    return auth, api
