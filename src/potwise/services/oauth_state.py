"""The OAuth `state`: signed, single-use, short-lived and bound to the user's session.

The value is `provider.expiry.nonce.signature`, where the signature is an
HMAC over the rest *and the session id* under SECRET_KEY. A forged value
fails the signature, a value from another browser fails it too (different
session), an old one fails the expiry, and a replay finds its row used.

The row also keeps the flow's PKCE verifier, when it has one: the state travels
through the browser, the verifier never does. Using the state hands the
verifier back once and clears it from the row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import OAuthState
from potwise.domain.errors import DomainError

STATE_TTL = timedelta(minutes=10)


class InvalidOAuthState(DomainError):
    """The callback's state is forged, expired, replayed or from another session."""

    code = "invalid_oauth_state"


@dataclass(frozen=True)
class ConsumedState:
    user_id: str
    provider: str
    connection_id: str | None
    code_verifier: str | None = None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _sign(secret_key: str, payload: str, session_id: str) -> str:
    digest = hmac.new(
        secret_key.encode(), f"oauth-state|{payload}|{session_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(
    db: Session,
    *,
    secret_key: str,
    user_id: str,
    session_id: str,
    provider: str,
    connection_id: str | None = None,
    code_verifier: str | None = None,
    now: datetime | None = None,
) -> str:
    """Create a state for this user's session and remember it (hashed) for one use,
    with the flow's PKCE verifier beside it."""
    moment = now or clock.now()
    expires = moment + STATE_TTL
    payload = f"{provider}.{int(expires.timestamp())}.{secrets.token_urlsafe(24)}"
    state = f"{payload}.{_sign(secret_key, payload, session_id)}"
    db.add(
        OAuthState(
            user_id=user_id,
            session_id=session_id,
            provider=provider,
            state_hash=_hash(state),
            connection_id=connection_id,
            code_verifier=code_verifier,
            created_at=moment,
            expires_at=expires,
        )
    )
    db.commit()
    return state


def consume(
    db: Session,
    *,
    secret_key: str,
    state: str,
    user_id: str,
    session_id: str,
    provider: str,
    now: datetime | None = None,
) -> ConsumedState:
    """Check and use up a state; raises InvalidOAuthState with the reason."""
    moment = now or clock.now()
    payload, _, signature = state.rpartition(".")
    parts = payload.split(".")
    if len(parts) != 3 or not signature:
        raise InvalidOAuthState("This sign-in link is not valid. Start connecting again.")
    expected = _sign(secret_key, payload, session_id)
    if not hmac.compare_digest(signature, expected):
        raise InvalidOAuthState(
            "This sign-in link was not started from this browser session. Start connecting again."
        )
    if parts[0] != provider:
        raise InvalidOAuthState("This sign-in link belongs to another provider.")
    try:
        expires_at = datetime.fromtimestamp(int(parts[1]), UTC)
    except ValueError as exc:
        raise InvalidOAuthState("This sign-in link is not valid. Start connecting again.") from exc
    if moment >= expires_at:
        raise InvalidOAuthState("This sign-in link has expired. Start connecting again.")
    row = db.scalars(
        select(OAuthState).where(
            OAuthState.state_hash == _hash(state), OAuthState.user_id == user_id
        )
    ).one_or_none()
    if row is None:
        raise InvalidOAuthState("This sign-in link is not valid. Start connecting again.")
    code_verifier = row.code_verifier
    used = db.execute(
        update(OAuthState)
        .where(OAuthState.id == row.id, OAuthState.used_at.is_(None))
        .values(used_at=moment, code_verifier=None)
    )
    db.commit()
    if not used.rowcount:  # type: ignore[attr-defined]
        raise InvalidOAuthState("This sign-in link has already been used. Start connecting again.")
    return ConsumedState(
        user_id=row.user_id,
        provider=row.provider,
        connection_id=row.connection_id,
        code_verifier=code_verifier,
    )
