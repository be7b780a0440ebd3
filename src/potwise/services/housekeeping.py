"""Periodic clean-up of rows that only matter for a while."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import LoginFailure, UserSession
from potwise.logs import get_logger
from potwise.services import account_links, retention
from potwise.services.mail import outbox
from potwise.services.sync import allowance

log = get_logger(__name__)

# Revoked and expired sessions stay visible for a while, for the user's own audit.
SESSION_RETENTION = timedelta(days=30)
LOGIN_FAILURE_RETENTION = timedelta(days=1)


def purge_expired(
    db: Session, now: datetime, *, retention_days: int | None = None
) -> dict[str, int]:
    """Delete long-dead sessions, stale login failures and unattended calls no
    allowance window counts any more, and with `retention_days` the operational
    history older than that (`services/retention.py`, in batches); returns the counts."""
    cutoff = now - SESSION_RETENTION
    sessions = db.execute(
        delete(UserSession).where(
            or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff)
        )
    )
    failures = db.execute(
        delete(LoginFailure).where(LoginFailure.at < now - LOGIN_FAILURE_RETENTION)
    )
    unattended_calls = allowance.forget_old(db, now)
    # Mail and its links live in real time (see services/mail/outbox.py).
    links = account_links.forget_old(db, clock.wall())
    mail = outbox.forget_old(db, clock.wall())
    db.commit()
    counts = {
        "sessions": int(sessions.rowcount or 0),  # type: ignore[attr-defined]
        "login_failures": int(failures.rowcount or 0),  # type: ignore[attr-defined]
        "unattended_calls": unattended_calls,
        "account_links": links,
        "mail": mail,
    }
    log.info("housekeeping.purged", **counts)
    if retention_days is not None:
        history = retention.purge_history(db, now, retention_days)
        counts["unattended_calls"] += history.pop("unattended_calls")
        counts.update(history)
    return counts
