"""The worker's side of the outbox: claim due deliveries, send each, and record
what happened; gather digests when they are due.

A claim is a conditional update (`pending` → `sending` until a deadline), so two
workers never send one delivery, and a worker that dies mid-send leaves a claim
that expires and is taken again. A failure worth retrying waits longer each
time (1 min, 5 min, 30 min, 2 h, 6 h); after the sixth try, or at once for an
answer that will not change (a 4xx), the delivery is `failed` and the user sees
why in the delivery log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import NotificationChannel, NotificationDelivery, NotificationSchedule
from potwise.logs import get_logger
from potwise.services import zones
from potwise.services.notifications import channels, events, outbox, webhook
from potwise.services.notifications.destinations import Destinations
from potwise.services.vault import Vault

log = get_logger(__name__)

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
CLAIM_FOR = timedelta(minutes=2)
BATCH = 50

Send = Callable[
    [NotificationChannel, dict[str, Any], NotificationDelivery, datetime], webhook.Outcome
]


def _claim(db: Session, now: datetime) -> list[str]:
    due = or_(
        (NotificationDelivery.status == outbox.PENDING) & (NotificationDelivery.due_at <= now),
        (NotificationDelivery.status == outbox.SENDING)
        & (NotificationDelivery.claimed_until < now),
    )
    candidates = list(
        db.scalars(
            select(NotificationDelivery.id)
            .where(due)
            .order_by(NotificationDelivery.due_at)
            .limit(BATCH)
        )
    )
    claimed = []
    for delivery_id in candidates:
        taken = db.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id == delivery_id, due)
            .values(status=outbox.SENDING, claimed_until=now + CLAIM_FOR)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(delivery_id)
    db.commit()
    return claimed


def _record(delivery: NotificationDelivery, outcome: webhook.Outcome, now: datetime) -> None:
    delivery.claimed_until = None
    if outcome.digest:
        delivery.status = outbox.DIGEST
        delivery.last_error = outcome.error
        return
    delivery.attempts += 1
    if outcome.ok:
        delivery.status = outbox.SENT
        delivery.sent_at = now
        delivery.last_error = None
        return
    delivery.last_error = (outcome.error or "failed")[:500]
    if outcome.retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = outbox.PENDING
        delivery.due_at = now + BACKOFF[delivery.attempts - 1]
    else:
        delivery.status = outbox.FAILED


def _held_for_quiet_hours(
    db: Session, delivery: NotificationDelivery, now: datetime, fallback_zone: str
) -> bool:
    """Put off a delivery that is not urgent while the user's quiet hours last."""
    event = events.BY_KEY.get(delivery.event)
    if event is None or event.priority == "high":
        return False
    schedule = db.scalars(
        select(NotificationSchedule).where(NotificationSchedule.user_id == delivery.user_id)
    ).one_or_none()
    if schedule is None:
        return False
    zone = zones.user_zone(db, delivery.user_id, fallback_zone)
    until = events.after_quiet_hours(now, zone, schedule.quiet_start, schedule.quiet_end)
    if until <= now:
        return False
    delivery.status = outbox.PENDING
    delivery.due_at = until
    delivery.claimed_until = None
    return True


def send_due(
    session_factory: sessionmaker[Session],
    vault: Vault,
    now: datetime,
    *,
    fallback_zone: str,
    senders: dict[str, Send] | None = None,
) -> int:
    """Send every due delivery; returns how many were claimed."""
    with session_factory() as db:
        claimed = _claim(db, now)
    if not claimed:
        return 0
    chosen = senders or default_senders()
    for delivery_id in claimed:
        with session_factory() as db:
            delivery = db.get(NotificationDelivery, delivery_id)
            channel = db.get(NotificationChannel, delivery.channel_id) if delivery else None
            if delivery is None or channel is None:
                continue
            if _held_for_quiet_hours(db, delivery, now, fallback_zone):
                db.commit()
                continue
            send = chosen.get(channel.kind)
            if send is None or not channel.enabled:
                outcome = webhook.Outcome(
                    ok=False, retry=False, error="the channel is switched off"
                )
            else:
                outcome = send(channel, channels.config_of(vault, channel), delivery, now)
            _record(delivery, outcome, now)
            if outcome.gone:
                _forget(db, channel)
            db.commit()
            log.info(
                "notifications.delivery",
                user_id=delivery.user_id,
                channel_kind=channel.kind,
                notice_event=delivery.event,
                status=delivery.status,
                attempts=delivery.attempts,
            )
    return len(claimed)


def _forget(db: Session, channel: NotificationChannel) -> None:
    """The destination is gone for good (a browser dropped its push subscription)."""
    db.delete(channel)
    log.info(
        "notifications.channel_gone",
        user_id=channel.user_id,
        channel_id=channel.id,
        channel_kind=channel.kind,
    )


def _webhook_sender(guard: Destinations) -> Send:
    def send(
        channel: NotificationChannel,
        config: dict[str, Any],
        delivery: NotificationDelivery,
        now: datetime,
    ) -> webhook.Outcome:
        with guard.client() as client:
            return webhook.send(
                client,
                config,
                delivery_id=delivery.id,
                event=delivery.event,
                payload=delivery.payload,
                now=now,
            )

    return send


def default_senders(
    email: Send | None = None,
    *,
    destinations: Destinations | None = None,
    webpush: Send | None = None,
) -> dict[str, Send]:
    """The senders by kind of channel: webhooks always (to the addresses
    `destinations` allows; by default public https ones only), e-mail when the server
    sends it, Web Push when it has a VAPID key."""
    senders = {"webhook": _webhook_sender(destinations or Destinations(allow_private=False))}
    if email is not None:
        senders["email"] = email
    if webpush is not None:
        senders["webpush"] = webpush
    return senders


def gather_digests(
    session_factory: sessionmaker[Session], now: datetime, fallback_zone: str
) -> int:
    """One digest delivery per channel for every user whose digest is due, made of
    the deliveries waiting for it; returns how many digests were made."""
    made = 0
    with session_factory() as db:
        waiting_users = set(
            db.scalars(
                select(NotificationDelivery.user_id).where(
                    NotificationDelivery.status == outbox.DIGEST
                )
            )
        )
        for user_id in sorted(waiting_users):
            schedule = db.scalars(
                select(NotificationSchedule).where(NotificationSchedule.user_id == user_id)
            ).one_or_none()
            rhythm, hour = (schedule.digest, schedule.digest_hour) if schedule else ("daily", 8)
            last = schedule.last_digest_at if schedule else None
            zone = zones.user_zone(db, user_id, fallback_zone)
            if not events.digest_due(now, zone, rhythm, hour, last):
                continue
            made += _digest_for(db, user_id, now)
            if schedule is None:
                schedule = NotificationSchedule(user_id=user_id, digest="daily", digest_hour=8)
                db.add(schedule)
            schedule.last_digest_at = now
            db.commit()
    return made


def _digest_for(db: Session, user_id: str, now: datetime) -> int:
    waiting = list(
        db.scalars(
            select(NotificationDelivery)
            .where(
                NotificationDelivery.user_id == user_id,
                NotificationDelivery.status == outbox.DIGEST,
            )
            .order_by(NotificationDelivery.created_at)
        )
    )
    by_channel: dict[str, list[NotificationDelivery]] = defaultdict(list)
    for delivery in waiting:
        by_channel[delivery.channel_id].append(delivery)
        delivery.status = outbox.DIGESTED
    for channel_id, items in by_channel.items():
        db.add(
            NotificationDelivery(
                user_id=user_id,
                channel_id=channel_id,
                event=events.DIGEST,
                payload={
                    "notices": [item.payload for item in items],
                    "created_at": now.isoformat(),
                },
                status=outbox.PENDING,
                attempts=0,
                due_at=now,
                created_at=now,
            )
        )
    return len(by_channel)
