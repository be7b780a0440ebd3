"""Monzo's authorize pages (under /monzo/auth) and token endpoints (under /monzo/api):
the code and refresh grants, logout, `/ping/whoami`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from potwise.sandbox.clients import OAuthClient
from potwise.sandbox.errors import MonzoError, json_response
from potwise.sandbox.pages import access_denied, error_page, form_fields, redirect_back, render
from potwise.sandbox.routes import router_of

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

TITLE = "Monzo"


def _form_value(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise MonzoError(
            400, f"bad_request.missing_param.{name}", f"The field '{name}' is required"
        )
    return value


def _invalid_grant(code: str, message: str, status: int = 401) -> MonzoError:
    return MonzoError(status, code, message, oauth_error="invalid_grant")


class MonzoAuthorize:
    """The pages a person approves a client on (the sandbox's stand-in for the app)."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world

    def _problem(self, params: dict[str, str]) -> str | None:
        client = self.world.clients.get(params.get("client_id", ""))
        if client is None:
            return "Unknown client_id."
        if not client.allows_redirect(params.get("redirect_uri", "")):
            return "redirect_uri does not match the client's configured redirect URLs."
        if params.get("response_type") != "code":
            return "response_type must be 'code'."
        return None

    def _redirect_with_code(self, params: dict[str, str], user: str) -> Response:
        code = self.world.monzo.issue_code(params["client_id"], params["redirect_uri"], user)
        query = {"code": code}
        if params.get("state"):
            query["state"] = params["state"]
        return redirect_back(params["redirect_uri"], query)

    async def page(self, request: Request) -> Response:
        params = dict(request.query_params)
        problem = self._problem(params)
        if problem:
            return error_page(TITLE, problem)
        user = params.get("sandbox_user", "demo")
        if not self.world.has_user(user):
            return error_page(TITLE, f"No sandbox user {user!r}.")
        if params.get("auto_approve") == "1":
            return self._redirect_with_code(params, user)
        hidden = {k: v for k, v in params.items() if k not in {"sandbox_user", "auto_approve"}}
        return HTMLResponse(
            render(
                "monzo_authorize.html", params=hidden, users=self.world.user_names(), selected=user
            )
        )

    async def submit(self, request: Request) -> Response:
        form = await form_fields(request)
        problem = self._problem(form)
        if problem:
            return error_page(TITLE, problem)
        if form.get("decision") != "approve":
            return access_denied(form)
        user = form.get("sandbox_user", "demo")
        if not self.world.has_user(user):
            return error_page(TITLE, f"No sandbox user {user!r}.")
        return self._redirect_with_code(form, user)


class MonzoTokens:
    """`/oauth2/token`, `/oauth2/logout` and `/ping/whoami`."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self._grants: dict[str, Callable[[OAuthClient, dict[str, str]], Response]] = {
            "authorization_code": self._from_code,
            "refresh_token": self._from_refresh,
        }

    async def token(self, request: Request) -> Response:
        form = await form_fields(request)
        grant_type = _form_value(form, "grant_type")
        client = self.world.clients.get(form.get("client_id", ""))
        if client is None or client.client_secret != form.get("client_secret"):
            raise MonzoError(
                401,
                "unauthorized.bad_client_credentials",  # [A] code undocumented
                "Client credentials are invalid",
                oauth_error="invalid_client",
            )
        grant = self._grants.get(grant_type)
        if grant is None:
            raise MonzoError(
                400,
                "bad_request.bad_param.grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        return grant(client, form)

    def _from_code(self, client: OAuthClient, form: dict[str, str]) -> Response:
        state = self.world.monzo
        now = self.world.clock.timestamp()
        code = state.codes.get(_form_value(form, "code"))
        if code is None or code.client_id != client.client_id:
            raise _invalid_grant(
                "unauthorized.bad_authorization_code", "Authorization code is invalid"
            )
        if code.used:
            raise _invalid_grant(
                "unauthorized.bad_authorization_code.used", "Authorization code has been used"
            )
        if now - code.issued > self.world.options.monzo_code_ttl:
            raise _invalid_grant(
                "unauthorized.bad_authorization_code.expired", "Authorization code has expired"
            )
        if form.get("redirect_uri") != code.redirect_uri:
            raise _invalid_grant(
                "bad_request.bad_param.redirect_uri",  # [A]
                "redirect_uri does not match the authorization request",
                400,
            )
        code.used = True
        issued = state.new_login(client.client_id, code.user)
        return json_response(state._token_body(issued, client.confidential))

    def _from_refresh(self, client: OAuthClient, form: dict[str, str]) -> Response:
        state = self.world.monzo
        found = state.refresh.get(_form_value(form, "refresh_token"))
        if not client.confidential or found is None or found[0].client_id != client.client_id:
            raise _invalid_grant("unauthorized.bad_refresh_token", "Bad refresh token")
        grant, status = found
        if status == "evicted":
            raise _invalid_grant(
                "unauthorized.bad_refresh_token.evicted",
                "Refresh token has been evicted by a newer login",
            )
        if status != "active" or grant.logged_out:
            raise _invalid_grant("unauthorized.bad_refresh_token", "Bad refresh token")
        # Refreshing keeps the login's approval but does not reopen the history window.
        issued = state._issue(grant)
        return json_response(state._token_body(issued, True))

    async def logout(self, request: Request) -> Response:
        token = self.world.monzo.authenticate(request)
        token.state = "logged_out"
        token.grant.logged_out = True
        if token.grant.refresh_token:
            self.world.monzo.refresh[token.grant.refresh_token] = (token.grant, "used")
        return json_response({})

    async def whoami(self, request: Request) -> Response:
        # [A] Answers before in-app approval: it describes the token, not the user's data.
        token = self.world.monzo.authenticate(request)
        return json_response(
            {
                "authenticated": True,
                "client_id": token.grant.client_id,
                "user_id": token.grant.user_id,
            }
        )


def build_routers(world: SandboxWorld) -> tuple[APIRouter, APIRouter]:
    """(authorize pages under /monzo/auth, token endpoints under /monzo/api)."""
    pages, tokens = MonzoAuthorize(world), MonzoTokens(world)
    auth = router_of([("GET", "/", pages.page), ("POST", "/", pages.submit)])
    api = router_of(
        [
            ("POST", "/oauth2/token", tokens.token),
            ("POST", "/oauth2/logout", tokens.logout),
            ("GET", "/ping/whoami", tokens.whoami),
        ]
    )
    return auth, api
