"""TrueLayer's auth server under /truelayer/auth: the provider picker, `/connect/token`
(code and refresh grants, form or JSON), JWT-shaped tokens, consent expiry, revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from potwise.sandbox.errors import TrueLayerError, json_response
from potwise.sandbox.model import Provider
from potwise.sandbox.pages import render
from potwise.sandbox.providers import PROVIDER_ALIASES, PROVIDERS, offered_providers

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

KNOWN_SCOPES = {
    "info",
    "accounts",
    "balance",
    "cards",
    "transactions",
    "direct_debits",
    "standing_orders",
    "offline_access",
}
DAY = 86400.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(slots=True)
class TLConnection:
    """One consent: a user, a provider, granted scopes, and its 90-day life."""

    credentials_id: str
    user: str
    provider_id: str
    client_id: str
    scopes: list[str]
    created: float
    expires: float
    refresh_token: str | None = None
    refresh_used_at: float = 0.0
    revoked: bool = False
    unattended: deque[float] = field(default_factory=deque)


@dataclass(slots=True)
class TLToken:
    token: str
    connection: TLConnection
    expires: float


@dataclass(slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    user: str
    provider_id: str
    scopes: list[str]
    issued: float
    challenge: str | None
    used: bool = False


class TrueLayerAuth:
    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.reset()

    def reset(self) -> None:
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, TLToken] = {}
        self.refresh: dict[str, TLConnection] = {}
        self.connections: list[TLConnection] = []

    def now(self) -> float:
        return self.world.clock.timestamp()

    def connect(
        self, user: str, provider_id: str, client_id: str, scopes: list[str]
    ) -> TLConnection:
        self.world.stub(user)  # the user must exist; its history is generated on first use
        now = self.now()
        connection = TLConnection(
            # Not drawn from the household's seeded ids, so connecting never shifts its data.
            credentials_id=base64.b64encode(secrets.token_bytes(32)).decode(),
            user=user,
            provider_id=provider_id,
            client_id=client_id,
            scopes=scopes,
            created=now,
            expires=now + self.world.options.truelayer_consent_days * DAY,
            refresh_used_at=now,
        )
        self.connections.append(connection)
        return connection

    def issue(self, connection: TLConnection, issuer: str) -> TLToken:
        now = self.now()
        ttl = self.world.options.truelayer_token_ttl
        claims = {
            "iss": issuer,
            "nbf": int(now),
            "iat": int(now),
            "exp": int(now + ttl),
            "aud": "data_api",
            "client_id": connection.client_id,
            "sub": connection.credentials_id,
            "jti": secrets.token_hex(16),
            "auth_time": int(connection.created),
            "idp": "sandbox",
            "connector_id": connection.provider_id,
            "consent_id": connection.credentials_id[:16],
            "privacy_policy": "Feb2019",
            "scope": connection.scopes,
            "amr": ["pwd"],
        }
        # [A] Signed HS256 with a per-process key: clients should treat the token as opaque.
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(
            self.world.jwt_key, f"{header}.{body}".encode(), hashlib.sha256
        ).digest()
        token = TLToken(f"{header}.{body}.{_b64(signature)}", connection, now + ttl)
        self.tokens[token.token] = token
        return token

    def token_body(self, connection: TLConnection, issuer: str, *, rotate: bool) -> dict[str, Any]:
        token = self.issue(connection, issuer)
        body: dict[str, Any] = {
            "access_token": token.token,
            "expires_in": int(self.world.options.truelayer_token_ttl),
            "token_type": "Bearer",
            "scope": " ".join(connection.scopes),
        }
        if "offline_access" in connection.scopes and rotate:
            if connection.refresh_token is not None:
                self.refresh.pop(connection.refresh_token, None)
            connection.refresh_token = secrets.token_hex(32).upper()
            self.refresh[connection.refresh_token] = connection
            body["refresh_token"] = connection.refresh_token
        return body

    def expire(self, token: str) -> None:
        found = self.tokens.get(token)
        if found is not None:
            found.expires = self.now() - 1

    def consent_lapsed(self, connection: TLConnection) -> bool:
        return connection.revoked or self.now() >= connection.expires

    def authenticate(self, request: Request) -> TLToken:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        token = self.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise TrueLayerError(401, "unauthorized", "Invalid access token.")
        if token.expires <= self.now():
            expired = datetime.fromtimestamp(token.expires, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            raise TrueLayerError(401, "invalid_token", f"The token expired at '{expired}'")
        return token


def build_router(world: SandboxWorld) -> APIRouter:
    router = APIRouter()

    def check(params: dict[str, str]) -> tuple[str | None, list[Provider]]:
        client = world.clients.get(params.get("client_id", ""))
        if client is None:
            return "unauthorized_client: Unknown client or client not enabled.", []
        if not client.allows_redirect(params.get("redirect_uri", "")):
            return "unauthorized_client: redirect_uri is not allowed for this client.", []
        if params.get("response_type") != "code":
            return "response_type must be 'code'.", []
        scopes = params.get("scope", "").split()
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if not scopes or unknown:
            return f"invalid scope: {' '.join(unknown) or '(none)'}", []
        providers = offered_providers(params.get("providers"), params.get("provider_id"))
        if not providers:
            return "No provider matches the `providers` / `provider_id` of this link.", []
        return None, providers

    def finish(params: dict[str, str], user: str, provider_id: str) -> Response:
        code = secrets.token_urlsafe(32)
        world.truelayer.codes[code] = _Code(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            user=user,
            provider_id=provider_id,
            scopes=params["scope"].split(),
            issued=world.truelayer.now(),
            challenge=params.get("code_challenge"),
        )
        fields = {"code": code, "scope": params["scope"]}
        if params.get("state"):
            fields["state"] = params["state"]
        if params.get("response_mode") == "form_post":
            return HTMLResponse(
                render("form_post.html", action=params["redirect_uri"], fields=fields)
            )
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(params["redirect_uri"] + sep + urlencode(fields), 302)

    def pick(params: dict[str, str], providers: list[Provider]) -> tuple[str | None, str]:
        wanted = params.get("sandbox_provider") or providers[0].provider_id
        wanted = PROVIDER_ALIASES.get(wanted, wanted)
        if wanted not in {p.provider_id for p in providers}:
            return f"Provider {wanted!r} is not offered by this link.", ""
        return None, wanted

    @router.get("/", response_model=None)
    async def dialog(request: Request) -> Response:
        params = dict(request.query_params)
        problem, providers = check(params)
        if problem:
            return HTMLResponse(render("error.html", title="TrueLayer", problem=problem), 400)
        user = params.get("sandbox_user", "demo")
        if not world.has_user(user):
            return HTMLResponse(
                render("error.html", title="TrueLayer", problem=f"No sandbox user {user!r}."), 400
            )
        if params.get("auto_approve") == "1":
            problem, provider_id = pick(params, providers)
            if problem:
                return HTMLResponse(render("error.html", title="TrueLayer", problem=problem), 400)
            return finish(params, user, provider_id)
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
                users=world.user_names(),
                selected=user,
            )
        )

    @router.post("/", response_model=None)
    async def dialog_submit(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        problem, providers = check(form)
        if problem:
            return HTMLResponse(render("error.html", title="TrueLayer", problem=problem), 400)
        if form.get("decision") != "approve":
            query = {"error": "access_denied"}
            if form.get("state"):
                query["state"] = form["state"]
            sep = "&" if "?" in form["redirect_uri"] else "?"
            return RedirectResponse(form["redirect_uri"] + sep + urlencode(query), 302)
        problem, provider_id = pick(form, providers)
        user = form.get("sandbox_user", "demo")
        if problem or not world.has_user(user):
            return HTMLResponse(
                render("error.html", title="TrueLayer", problem=problem or "Unknown sandbox user."),
                400,
            )
        return finish(form, user, provider_id)

    @router.post("/connect/token", response_model=None)
    async def token(request: Request) -> Response:
        # The docs' curl sends a form, the OpenAPI says JSON; real clients use both.
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                raw = await request.json()
            except ValueError:
                raise TrueLayerError(400, "invalid_request", "Body is not valid JSON") from None
            data = {k: str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        else:
            data = {k: str(v) for k, v in (await request.form()).items()}
        client = world.clients.get(data.get("client_id", ""))
        if client is None:
            raise TrueLayerError(401, "unauthorized_client", "Unknown client or client not enabled")
        if not hmac.compare_digest(client.client_secret, data.get("client_secret", "")):
            raise TrueLayerError(400, "invalid_client", "Invalid client credentials")
        auth = world.truelayer
        issuer = str(request.base_url).rstrip("/") + "/truelayer/auth"
        grant_type = data.get("grant_type")
        if grant_type == "authorization_code":
            code = auth.codes.get(data.get("code", ""))
            # [A] Bad, expired or reused codes: `invalid_authorization_code` (the docs' row);
            # a redirect_uri mismatch or failed PKCE check: `invalid_grant`.
            if (
                code is None
                or code.used
                or code.client_id != client.client_id
                or (auth.now() - code.issued > world.options.truelayer_code_ttl)
            ):
                raise TrueLayerError(
                    400,
                    "invalid_authorization_code",
                    "The authorization code is invalid, expired or used",
                )
            if data.get("redirect_uri") != code.redirect_uri:
                raise TrueLayerError(400, "invalid_grant", bare=True)
            if code.challenge is not None:
                verifier = data.get("code_verifier", "")
                digest = _b64(hashlib.sha256(verifier.encode()).digest())
                if not hmac.compare_digest(digest, code.challenge):
                    raise TrueLayerError(400, "invalid_grant", bare=True)
            code.used = True
            connection = auth.connect(code.user, code.provider_id, client.client_id, code.scopes)
            return json_response(auth.token_body(connection, issuer, rotate=True))
        if grant_type == "refresh_token":
            held = auth.refresh.get(data.get("refresh_token", ""))
            if held is None or held.client_id != client.client_id:
                raise TrueLayerError(400, "invalid_grant", bare=True)
            connection = held
            now = auth.now()
            # Consent over (90 days), revoked, or refresh token idle for 30 days.
            if auth.consent_lapsed(connection) or now - connection.refresh_used_at > 30 * DAY:
                raise TrueLayerError(400, "invalid_grant", bare=True)
            connection.refresh_used_at = now
            rotate = world.options.truelayer_rotate_refresh
            return json_response(auth.token_body(connection, issuer, rotate=rotate))
        raise TrueLayerError(
            400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
        )

    @router.delete("/api/delete", response_model=None)
    async def revoke(request: Request) -> Response:
        token = world.truelayer.authenticate(request)
        token.connection.revoked = True
        if token.connection.refresh_token:
            world.truelayer.refresh.pop(token.connection.refresh_token, None)
        return Response(status_code=200)

    @router.get("/api/providers", response_model=None)
    async def providers(request: Request) -> Response:
        return json_response(
            [
                {
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
                for p in PROVIDERS.values()
            ]
        )

    return router
