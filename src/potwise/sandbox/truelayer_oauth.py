"""TrueLayer's auth server: its state. Consents (connections), single-use codes,
JWT-shaped tokens, refresh tokens, consent expiry and revocation.

The provider picker and `/connect/token` are in `truelayer_oauth_routes`.
"""

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

from starlette.requests import Request

from potwise.sandbox.errors import TrueLayerError

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


def b64(data: bytes) -> str:
    """Base64url without padding, as in JWTs and PKCE."""
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

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str,
        user: str,
        provider_id: str,
        scopes: list[str],
        challenge: str | None,
    ) -> str:
        code = secrets.token_urlsafe(32)
        self.codes[code] = _Code(
            client_id=client_id,
            redirect_uri=redirect_uri,
            user=user,
            provider_id=provider_id,
            scopes=scopes,
            issued=self.now(),
            challenge=challenge,
        )
        return code

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
        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(
            self.world.jwt_key, f"{header}.{body}".encode(), hashlib.sha256
        ).digest()
        token = TLToken(f"{header}.{body}.{b64(signature)}", connection, now + ttl)
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
