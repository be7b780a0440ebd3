"""Where a user's notices go beyond the app: channels, preferences, and the outbox
of deliveries a worker sends (so a slow or failing receiver never holds up a money
move)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, id_column, user_fk, utcnow


class NotificationChannel(Base):
    """A place notices are sent: `webhook` (a URL, with a signing secret) or `email`.

    `config_encrypted` holds the channel's settings as encrypted JSON: a webhook URL
    often carries a token of its own (ntfy, Slack, Home Assistant)."""

    __tablename__ = "notification_channels"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    config_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(Base):
    """How one kind of event reaches one kind of channel: `now`, `digest` or `off`.
    No row means the default for that pair."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "event", "channel_kind"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    event: Mapped[str] = mapped_column(String(32))
    channel_kind: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))


class NotificationSchedule(Base):
    """A user's quiet hours (local times; none when equal) and digest rhythm."""

    __tablename__ = "notification_schedules"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[str] = mapped_column(String(8), default="daily")
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    last_digest_at: Mapped[datetime | None]


class NotificationDelivery(Base):
    """One notice on its way to one channel.

    `status`: `pending` (due at `due_at`), `sending` (claimed until `claimed_until`),
    `digest` (waiting for the next digest), `sent`, `failed` (gave up; the user sees
    why). A digest's own delivery carries `payload` with the notices it gathers."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        Index("ix_notification_deliveries_status_due", "status", "due_at"),
        Index("ix_notification_deliveries_user_created", "user_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("notification_channels.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[str | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"), index=True
    )
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
