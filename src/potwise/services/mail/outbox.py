"""The outbox: every e-mail is a row first, sent later by the mail sender.

`enqueue` adds a message to the caller's unit of work (it is sent only if that
commits). The sender `claim`s due rows (a short claim, so two workers never send
the same row at once), then records each outcome: sent (bodies emptied, they may
carry a single-use link), or tried again later with backoff, or failed for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import OutboxMessage
from potwise.logs import get_logger
from potwise.services.mail.compose import Composed

log = get_logger(__name__)

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(hours=1)
CLAIM_FOR = timedelta(minutes=2)
BATCH = 20
#: Sent and failed messages stay listed (`potwise mail outbox`) this long.
KEEP_DONE = timedelta(days=30)


def enqueue(
    db: Session,
    *,
    to: str,
    kind: str,
    mail: Composed,
    domain: str,
    user_id: str | None = None,
    essential: bool = True,
) -> OutboxMessage:
    """Add a message to the session (the caller commits)."""
    moment = clock.wall()
    message = OutboxMessage(
        user_id=user_id,
        kind=kind,
        to_address=to,
        subject=mail.subject[:300],
        text_body=mail.text,
        html_body=mail.html,
        message_id=make_msgid(domain=domain),
        essential=essential,
        status="queued",
        attempts=0,
        next_attempt_at=moment,
        created_at=moment,
    )
    db.add(message)
    log.info("mail.queued", kind=kind, user_id=user_id)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 5 s, 10 s, 20 s ... at most an hour."""
    wait: timedelta = FIRST_BACKOFF * 2 ** max(0, attempts - 1)
    return min(wait, MAX_BACKOFF)


def claim(db: Session, now: datetime, *, limit: int = BATCH) -> list[str]:
    """Claim up to `limit` due messages for this sender; returns their ids."""
    candidates = db.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "queued",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
    ).all()
    claimed: list[str] = []
    for message_id in candidates:
        result = db.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "queued",
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + CLAIM_FOR)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            claimed.append(message_id)
    db.commit()
    return claimed


def mark_sent(db: Session, message: OutboxMessage, now: datetime) -> None:
    message.status = "sent"
    message.sent_at = now
    message.attempts += 1
    message.claimed_until = None
    message.last_error = None
    message.text_body = ""
    message.html_body = ""
    db.commit()
    log.info("mail.sent", kind=message.kind, outbox_id=message.id, attempts=message.attempts)


def mark_failed_attempt(
    db: Session, message: OutboxMessage, now: datetime, error: str, *, permanent: bool
) -> None:
    """Record a failed attempt: tried again after a backoff, or failed for good
    (a permanent refusal, or the last attempt)."""
    message.attempts += 1
    message.claimed_until = None
    message.last_error = error[:300]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.warning(
            "mail.failed", kind=message.kind, outbox_id=message.id, error=message.last_error
        )
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        log.info(
            "mail.retry_later",
            kind=message.kind,
            outbox_id=message.id,
            attempts=message.attempts,
            error=message.last_error,
        )
    db.commit()


def recent(db: Session, *, status: str | None = None, limit: int = 50) -> list[OutboxMessage]:
    """The newest messages (for the operator's `potwise mail outbox`)."""
    statement = select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return list(db.scalars(statement))


def forget_old(db: Session, now: datetime) -> int:
    """Delete sent and failed messages older than KEEP_DONE; returns how many."""
    result = db.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(("sent", "failed")),
            OutboxMessage.created_at < now - KEEP_DONE,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
