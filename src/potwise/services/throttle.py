"""Requests counted per e-mail address and per client address, like failed logins.

Every request counts (whether or not the address has an account, so the limit
says nothing about which do); the rows share the login limiter's table and its
15-minute window, keyed by a keyed hash so the table holds no addresses.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import LoginFailure
from potwise.services.auth import LOGIN_WINDOW
from potwise.services.errors import TooManyAttempts


def _key(secret_key: str, scope: str, value: str) -> str:
    return hmac.new(secret_key.encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def count_request(
    db: Session,
    secret_key: str,
    limits: dict[str, tuple[str | None, int]],
    now: datetime,
    message: str,
) -> None:
    """Refuse (TooManyAttempts) when any scope already had its `limit` of requests in
    the window, else count this one. `limits` maps scope to (value, limit); a scope
    whose value is None is not counted. The caller commits."""
    since = now - LOGIN_WINDOW
    keys = {scope: _key(secret_key, scope, value) for scope, (value, _) in limits.items() if value}
    for scope, key in keys.items():
        seen = db.scalar(
            select(func.count()).where(
                LoginFailure.scope == scope, LoginFailure.key_hash == key, LoginFailure.at > since
            )
        )
        if (seen or 0) >= limits[scope][1]:
            oldest = db.scalar(
                select(func.min(LoginFailure.at)).where(
                    LoginFailure.scope == scope,
                    LoginFailure.key_hash == key,
                    LoginFailure.at > since,
                )
            )
            wait = int(((oldest or now) + LOGIN_WINDOW - now).total_seconds()) + 1
            raise TooManyAttempts(message, retry_after=max(1, wait))
    for scope, key in keys.items():
        db.add(LoginFailure(scope=scope, key_hash=key, at=now))
