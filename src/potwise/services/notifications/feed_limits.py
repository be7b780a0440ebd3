"""The limits of a channel that must not flood the user (the Monzo app's feed): at
most one item per rule run (the notice's `run_id`) and a daily cap counted over the
user's own day from the deliveries table. What a limit holds back goes into the
digest, or, with the digest off, stays in the app with the reason in the log.
Digests and the user's own tests are outside both."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from potwise.db.models import NotificationChannel, NotificationDelivery
from potwise.services.notifications import events, outbox, preferences, webhook

#: Rows that count as posted: sent, or failed after a try (an ambiguous failure may
#: have shown). Rows being sent are left out: a worker claims a batch at once, and
#: its own claimed rows are not posted yet.
_POSTED = or_(
    NotificationDelivery.status == outbox.SENT,
    and_(NotificationDelivery.status == outbox.FAILED, NotificationDelivery.attempts > 0),
)


def _day_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    local = now.astimezone(zone).date()
    start = datetime.combine(local, time(0), tzinfo=zone)
    end = datetime.combine(local + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def posted_today(db: Session, kind: str, user_id: str, now: datetime, zone: ZoneInfo) -> int:
    """Items posted (or tried) to the user's Monzo feed on their day, digests and
    tests aside."""
    start, end = _day_bounds(now, zone)
    when = func.coalesce(NotificationDelivery.sent_at, NotificationDelivery.due_at)
    return int(
        db.scalar(
            select(func.count())
            .select_from(NotificationDelivery)
            .join(NotificationChannel, NotificationChannel.id == NotificationDelivery.channel_id)
            .where(
                NotificationChannel.user_id == user_id,
                NotificationChannel.kind == kind,
                NotificationDelivery.event.not_in([events.DIGEST, events.TEST]),
                _POSTED,
                when >= start,
                when < end,
            )
        )
        or 0
    )


def _run_posted(db: Session, delivery: NotificationDelivery) -> bool:
    """Whether an item of the same rule run already went to this channel."""
    run_id = (delivery.payload or {}).get("run_id")
    if not run_id:
        return False
    others = db.scalars(
        select(NotificationDelivery.payload).where(
            NotificationDelivery.channel_id == delivery.channel_id,
            NotificationDelivery.id != delivery.id,
            NotificationDelivery.created_at >= delivery.created_at - timedelta(days=1),
            _POSTED,
        )
    )
    return any((payload or {}).get("run_id") == run_id for payload in others)


def _held(db: Session, delivery: NotificationDelivery, why: str) -> webhook.Outcome:
    if preferences.schedule_of(db, delivery.user_id).digest == "off":
        return webhook.Outcome(
            ok=False, retry=False, error=f"Not sent to the Monzo app: {why} (it is in the app)."
        )
    return webhook.Outcome(ok=False, retry=False, digest=True, error=f"In the digest: {why}.")


def limit_reached(
    db: Session,
    kind: str,
    delivery: NotificationDelivery,
    cap: int,
    now: datetime,
    zone: ZoneInfo,
) -> webhook.Outcome | None:
    """The outcome for an item held back by a limit, or None when it may go."""
    if delivery.event in (events.DIGEST, events.TEST):
        return None
    if _run_posted(db, delivery):
        return _held(db, delivery, "one item per rule run")
    if posted_today(db, kind, delivery.user_id, now, zone) >= cap:
        return _held(db, delivery, f"{cap} items reached your Monzo app today")
    return None
