"""Notices into the outbox: one delivery per enabled channel whose preference for
the notice's event is not `off`, due now or gathered for the digest. Written in
the caller's unit of work, so a notice and its deliveries are stored together,
and nothing is sent here: the worker sends (`sender`), and holds what is not
urgent until the user's quiet hours end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Notice, NotificationChannel, NotificationDelivery
from potwise.services.notifications import events, preferences

PENDING = "pending"
SENDING = "sending"
DIGEST = "digest"
DIGESTED = "digested"
SENT = "sent"
FAILED = "failed"


def notice_payload(notice: Notice) -> dict[str, Any]:
    return {
        "notice_id": notice.id,
        "kind": notice.kind,
        "level": notice.level,
        "message": notice.message,
        "created_at": notice.created_at.isoformat(),
    }


def enqueue(db: Session, notice: Notice, *, run_id: str | None = None) -> int:
    """Deliveries for `notice` (added to the session, not committed); how many.

    `run_id` names the rule run the notice came from (a channel that shows one item
    per run, such as the Monzo app's feed, reads it from the payload)."""
    event = events.event_for_notice(notice.kind)
    if event is None:
        return 0
    channels = list(
        db.scalars(
            select(NotificationChannel).where(
                NotificationChannel.user_id == notice.user_id,
                NotificationChannel.enabled.is_(True),
            )
        )
    )
    if not channels:
        return 0
    digest_on = preferences.schedule_of(db, notice.user_id).digest != "off"
    made = 0
    for channel in channels:
        mode = preferences.mode_for(db, notice.user_id, event, channel.kind)
        if mode == "off":
            continue
        status = DIGEST if mode == "digest" and digest_on else PENDING
        db.add(
            NotificationDelivery(
                user_id=notice.user_id,
                channel_id=channel.id,
                notice_id=notice.id,
                event=event,
                payload=notice_payload(notice) | ({"run_id": run_id} if run_id else {}),
                status=status,
                attempts=0,
                due_at=notice.created_at,
                created_at=notice.created_at,
            )
        )
        made += 1
    return made


def enqueue_test(
    db: Session, channel: NotificationChannel, moment: datetime
) -> NotificationDelivery:
    """A delivery the user asked for to see that the channel works; due at once."""
    delivery = NotificationDelivery(
        user_id=channel.user_id,
        channel_id=channel.id,
        event=events.TEST,
        payload={
            "kind": events.TEST,
            "level": "info",
            "message": "A test from potwise: this channel works.",
            "created_at": moment.isoformat(),
        },
        status=PENDING,
        attempts=0,
        due_at=moment,
        created_at=moment,
    )
    db.add(delivery)
    db.commit()
    return delivery


def recent(db: Session, user_id: str, *, limit: int = 50) -> list[NotificationDelivery]:
    return list(
        db.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.user_id == user_id)
            .order_by(NotificationDelivery.created_at.desc(), NotificationDelivery.id.desc())
            .limit(limit)
        )
    )
