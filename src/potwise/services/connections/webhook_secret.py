"""Monzo webhooks find their connection by a random URL secret; only its hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Connection


def new_webhook_secret() -> tuple[str, str]:
    """A random URL secret for Monzo webhooks and the hash we store of it."""
    secret = secrets.token_urlsafe(32)
    return secret, hashlib.sha256(secret.encode()).hexdigest()


def connection_for_webhook(db: Session, secret: str) -> Connection | None:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return db.scalars(
        select(Connection).where(Connection.webhook_secret_hash == digest)
    ).one_or_none()
