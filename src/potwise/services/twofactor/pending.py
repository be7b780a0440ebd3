"""The half-way mark of a sign-in with two factors: the password was right, the
code is still to come.

The browser carries it as a signed, short-lived token in the code form, so no
password travels twice and no session exists before the second factor. It is
bound to the password as it stands (a password change voids it) and lives five
minutes; guessing codes against it is throttled like any other code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from potwise.db.models import User

PENDING_LIFETIME = timedelta(minutes=5)
_PURPOSE = b"potwise-second-factor-pending"


def _mac(secret_key: str, body: bytes) -> str:
    key = hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def fingerprint(password_hash: str) -> str:
    """A short digest of the password hash (never the hash itself): it changes when
    the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def issue(secret_key: str, *, user_id: str, password_hash: str, now: datetime) -> str:
    body = json.dumps(
        {
            "u": user_id,
            "exp": int((now + PENDING_LIFETIME).timestamp()),
            "p": fingerprint(password_hash),
        },
        separators=(",", ":"),
    ).encode()
    encoded = base64.urlsafe_b64encode(body).decode()
    return f"{encoded}.{_mac(secret_key, body)}"


def read(secret_key: str, token: str, *, now: datetime) -> tuple[str, str] | None:
    """`(user_id, password fingerprint)` of a genuine, unexpired token, else None."""
    encoded, _, mac = token.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode())
    except ValueError:
        return None
    if not mac or not hmac.compare_digest(_mac(secret_key, body), mac):
        return None
    try:
        data = json.loads(body)
        user_id, expires, fingerprint = str(data["u"]), int(data["exp"]), str(data["p"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires < int(now.timestamp()):
        return None
    return user_id, fingerprint


def user_for(db: Session, secret_key: str, token: str, *, now: datetime) -> User | None:
    """The active user a genuine, unexpired pending token stands for, while their
    password is still the one that was checked; else None."""
    found = read(secret_key, token, now=now)
    user = db.get(User, found[0]) if found else None
    if found is None or user is None or not user.is_active:
        return None
    return user if fingerprint(user.password_hash) == found[1] else None
