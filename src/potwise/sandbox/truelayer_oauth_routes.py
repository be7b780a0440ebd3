"""TrueLayer's auth server under /truelayer/auth: the provider picker, `/connect/token`
(code and refresh grants, form or JSON), revocation and the provider list."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from potwise.sandbox.clients import OAuthClient
from potwise.sandbox.errors import TrueLayerError, json_response
from potwise.sandbox.model import Provider
from potwise.sandbox.pages import access_denied, error_page, form_fields, redirect_back, render
from potwise.sandbox.providers import PROVIDER_ALIASES, PROVIDERS, offered_providers
from potwise.sandbox.routes import router_of
from potwise.sandbox.truelayer_oauth import DAY, KNOWN_SCOPES, b64

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

TITLE = "TrueLayer"
Grant = Callable[[OAuthClient, dict[str, str], str], Response]


def _invalid_grant() -> TrueLayerError:
    return TrueLayerError(400, "invalid_grant", bare=True)


async def _token_request(request: Request) -> dict[str, str]:
    # The docs' curl sends a form, the OpenAPI says JSON; real clients use both.
    if not request.headers.get("content-type", "").startswith("application/json"):
        return await form_fields(request)
    try:
        raw = await request.json()
    except ValueError:
        raise TrueLayerError(400, "invalid_request", "Body is not valid JSON") from None
    return {k: str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _provider_listing(p: Provider) -> dict[str, Any]:
    return {
        "provider_id": p.provider_id,
        "display_name": p.display_name,
        "country": "uk",
        "logo_url": p.logo_uri,
        "scopes": (
            ["info", "cards", "balance", "transactions", "offline_access"]
            if p.cards_only
            else sorted(KNOWN_SCOPES)
        ),
        "availability": {"recommended_status": "healthy"},
    }


def _request_problem(params: dict[str, str]) -> str | None:
    """What is wrong with the link's response type, PKCE challenge or scopes."""
    if params.get("response_type") != "code":
        return "response_type must be 'code'."
    # [A] PKCE is S256 only (reference §2.2); an absent method would mean `plain`.
    if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        return "invalid_request: code_challenge_method must be 'S256'."
    scopes = params.get("scope", "").split()
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if not scopes or unknown:
        return f"invalid scope: {' '.join(unknown) or '(none)'}"
    return None


class TrueLayerDialog:
    """The auth dialog: a person picks their user and a provider, and approves."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world

    def _check(self, params: dict[str, str]) -> tuple[str | None, list[Provider]]:
        client = self.world.clients.get(params.get("client_id", ""))
        if client is None:
            return "unauthorized_client: Unknown client or client not enabled.", []
        if not client.allows_redirect(params.get("redirect_uri", "")):
            return "unauthorized_client: redirect_uri is not allowed for this client.", []
        problem = _request_problem(params)
        if problem:
            return problem, []
        providers = offered_providers(params.get("providers"), params.get("provider_id"))
        if not providers:
            return "No provider matches the `providers` / `provider_id` of this link.", []
        return None, providers

    @staticmethod
    def _pick(params: dict[str, str], providers: list[Provider]) -> tuple[str | None, str]:
        wanted = params.get("sandbox_provider") or providers[0].provider_id
        wanted = PROVIDER_ALIASES.get(wanted, wanted)
        if wanted not in {p.provider_id for p in providers}:
            return f"Provider {wanted!r} is not offered by this link.", ""
        return None, wanted

    def _finish(self, params: dict[str, str], user: str, provider_id: str) -> Response:
        code = self.world.truelayer.issue_code(
            params["client_id"],
            params["redirect_uri"],
            user,
            provider_id,
            params["scope"].split(),
            params.get("code_challenge"),
        )
        fields = {"code": code, "scope": params["scope"]}
        if params.get("state"):
            fields["state"] = params["state"]
        if params.get("response_mode") == "form_post":
            return HTMLResponse(
                render("form_post.html", action=params["redirect_uri"], fields=fields)
            )
        return redirect_back(params["redirect_uri"], fields)

    async def dialog(self, request: Request) -> Response:
        params = dict(request.query_params)
        problem, providers = self._check(params)
        if problem:
            return error_page(TITLE, problem)
        user = params.get("sandbox_user", "demo")
        if not self.world.has_user(user):
            return error_page(TITLE, f"No sandbox user {user!r}.")
        if params.get("auto_approve") == "1":
            problem, provider_id = self._pick(params, providers)
            if problem:
                return error_page(TITLE, problem)
            return self._finish(params, user, provider_id)
        hidden = {
            k: v
            for k, v in params.items()
            if k not in {"sandbox_user", "auto_approve", "sandbox_provider"}
        }
        return HTMLResponse(
            render(
                "truelayer_authorize.html",
                params=hidden,
                providers=providers,
                users=self.world.user_names(),
                selected=user,
            )
        )

    async def submit(self, request: Request) -> Response:
        form = await form_fields(request)
        problem, providers = self._check(form)
        if problem:
            return error_page(TITLE, problem)
        if form.get("decision") != "approve":
            return access_denied(form)
        problem, provider_id = self._pick(form, providers)
        user = form.get("sandbox_user", "demo")
        if problem or not self.world.has_user(user):
            return error_page(TITLE, problem or "Unknown sandbox user.")
        return self._finish(form, user, provider_id)


class TrueLayerTokens:
    """`/connect/token`, `/api/delete` (revocation) and `/api/providers`."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self._grants: dict[str, Grant] = {
            "authorization_code": self._from_code,
            "refresh_token": self._from_refresh,
        }

    async def token(self, request: Request) -> Response:
        data = await _token_request(request)
        client = self.world.clients.get(data.get("client_id", ""))
        if client is None:
            raise TrueLayerError(401, "unauthorized_client", "Unknown client or client not enabled")
        if not hmac.compare_digest(client.client_secret, data.get("client_secret", "")):
            raise TrueLayerError(400, "invalid_client", "Invalid client credentials")
        issuer = str(request.base_url).rstrip("/") + "/truelayer/auth"
        grant = self._grants.get(data.get("grant_type", ""))
        if grant is None:
            raise TrueLayerError(
                400,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        return grant(client, data, issuer)

    def _from_code(self, client: OAuthClient, data: dict[str, str], issuer: str) -> Response:
        auth = self.world.truelayer
        code = auth.codes.get(data.get("code", ""))
        # [A] Bad, expired or reused codes: `invalid_authorization_code` (the docs' row);
        # a redirect_uri mismatch or failed PKCE check: `invalid_grant`.
        if (
            code is None
            or code.used
            or code.client_id != client.client_id
            or (auth.now() - code.issued > self.world.options.truelayer_code_ttl)
        ):
            raise TrueLayerError(
                400,
                "invalid_authorization_code",
                "The authorization code is invalid, expired or used",
            )
        if data.get("redirect_uri") != code.redirect_uri:
            raise _invalid_grant()
        if code.challenge is not None:
            verifier = data.get("code_verifier", "")
            digest = b64(hashlib.sha256(verifier.encode()).digest())
            if not hmac.compare_digest(digest, code.challenge):
                raise _invalid_grant()
        code.used = True
        connection = auth.connect(code.user, code.provider_id, client.client_id, code.scopes)
        return json_response(auth.token_body(connection, issuer, rotate=True))

    def _from_refresh(self, client: OAuthClient, data: dict[str, str], issuer: str) -> Response:
        auth = self.world.truelayer
        connection = auth.refresh.get(data.get("refresh_token", ""))
        if connection is None or connection.client_id != client.client_id:
            raise _invalid_grant()
        now = auth.now()
        # Consent over (90 days), revoked, or refresh token idle for 30 days.
        if auth.consent_lapsed(connection) or now - connection.refresh_used_at > 30 * DAY:
            raise _invalid_grant()
        connection.refresh_used_at = now
        rotate = self.world.options.truelayer_rotate_refresh
        return json_response(auth.token_body(connection, issuer, rotate=rotate))

    async def revoke(self, request: Request) -> Response:
        token = self.world.truelayer.authenticate(request)
        token.connection.revoked = True
        if token.connection.refresh_token:
            self.world.truelayer.refresh.pop(token.connection.refresh_token, None)
        return Response(status_code=200)

    async def providers(self, request: Request) -> Response:
        return json_response([_provider_listing(p) for p in PROVIDERS.values()])


def build_router(world: SandboxWorld) -> APIRouter:
    dialog, tokens = TrueLayerDialog(world), TrueLayerTokens(world)
    return router_of(
        [
            ("GET", "/", dialog.dialog),
            ("POST", "/", dialog.submit),
            ("POST", "/connect/token", tokens.token),
            ("DELETE", "/api/delete", tokens.revoke),
            ("GET", "/api/providers", tokens.providers),
        ]
    )
