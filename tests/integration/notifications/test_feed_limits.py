"""The Monzo feed's daily limit is counted over the user's own day, from the
deliveries table: what was sent, and what failed after a try (it may have shown);
digests, tests and what is still waiting do not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.db.models import NotificationChannel, NotificationDelivery, User
from potwise.services.notifications import feed_limits
from tests.integration.conftest import SignedIn

TOKYO = ZoneInfo("Asia/Tokyo")  # nine hours ahead of UTC, no summer time


def _delivery(
    channel: NotificationChannel, at: datetime, status: str = "sent", event: str = "money_moved"
) -> NotificationDelivery:
    return NotificationDelivery(
        user_id=channel.user_id,
        channel_id=channel.id,
        event=event,
        payload={"message": "Moved £1.00."},
        status=status,
        attempts=0 if status in ("pending", "digest") else 1,
        due_at=at,
        created_at=at,
        sent_at=at if status == "sent" else None,
    )


def test_the_limit_counts_the_users_own_day(alice: SignedIn, engine: Engine) -> None:
    with Session(engine) as db:
        user = db.get(User, alice.user_id)
        assert user is not None
        user.timezone = "Asia/Tokyo"
        channel = NotificationChannel(
            user_id=alice.user_id, kind="monzo_feed", name="Monzo app", config_encrypted="x"
        )
        db.add(channel)
        db.flush()
        # 14:30 UTC is 23:30 in Tokyo; 15:30 UTC is already the next day there.
        late = datetime(2026, 6, 1, 14, 30, tzinfo=UTC)
        db.add_all(
            [
                _delivery(channel, late - timedelta(hours=3)),
                _delivery(channel, late, status="failed"),  # tried: it may have shown
                _delivery(channel, late, status="digest"),  # held back: not posted
                _delivery(channel, late, status="pending"),
                _delivery(channel, late, event="digest"),
                _delivery(channel, late, event="test"),
                _delivery(channel, late + timedelta(hours=1)),
            ]
        )
        db.commit()
        counted = feed_limits.posted_today(db, "monzo_feed", alice.user_id, late, TOKYO)
        next_day = feed_limits.posted_today(
            db, "monzo_feed", alice.user_id, late + timedelta(hours=1), TOKYO
        )
        other_kind = feed_limits.posted_today(db, "webhook", alice.user_id, late, TOKYO)
    assert (counted, next_day, other_kind) == (2, 1, 0)
