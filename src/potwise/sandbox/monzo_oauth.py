"""Monzo's OAuth server and its Strong Customer Authentication step: the state.

Follows the reference: single-use codes, refresh tokens for confidential
clients only (single use, rotating), one live access token per client and
user (older ones are evicted), `/ping/whoami`, `/oauth2/logout`, and new
logins that have no permissions until the user approves in the app. The
authorize pages and token endpoints are in `monzo_oauth_routes`.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from potwise.sandbox.errors import MonzoError

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


def _invalid_token(detail: str, message: str) -> MonzoError:
    """A 401 for the access token: `unauthorized.bad_access_token<detail>`."""
    return MonzoError(
        401, "unauthorized.bad_access_token" + detail, message, oauth_error="invalid_token"
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
            raise _invalid_token(".missing", "No access token was provided")
        token = self.tokens.get(value.strip())
        if token is None or token.state == "logged_out":
            raise _invalid_token("", "Access token is invalid")
        if token.state == "evicted":
            raise _invalid_token(".evicted", "Access token has been evicted by a newer token")
        if token.expires <= self.world.clock.timestamp():
            raise _invalid_token(".expired", "Access token has expired")
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
