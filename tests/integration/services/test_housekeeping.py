"""Housekeeping deletes long-dead sessions and stale login failures, nothing live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import LoginFailure, User, UserSession
from potwise.services.housekeeping import purge_expired


def test_purge_keeps_live_sessions_and_drops_old_ones(db: Session) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    user = User(email="h@example.com", password_hash="x")
    db.add(user)
    db.flush()
    live = UserSession(user_id=user.id, token_hash="a" * 64, expires_at=now + timedelta(days=5))
    long_expired = UserSession(
        user_id=user.id, token_hash="b" * 64, expires_at=now - timedelta(days=40)
    )
    recently_revoked = UserSession(
        user_id=user.id,
        token_hash="c" * 64,
        expires_at=now + timedelta(days=5),
        revoked_at=now - timedelta(days=1),
    )
    db.add_all([live, long_expired, recently_revoked])
    db.add(LoginFailure(scope="account", key_hash="k", at=now - timedelta(days=2)))
    db.add(LoginFailure(scope="account", key_hash="k", at=now - timedelta(minutes=3)))
    db.commit()

    counts = purge_expired(db, now)

    assert counts == {"sessions": 1, "login_failures": 1}
    remaining = set(db.scalars(select(UserSession.token_hash)))
    assert remaining == {"a" * 64, "c" * 64}
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1
