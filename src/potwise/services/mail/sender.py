"""One pass of the mail sender: claim what is due, send it, record each outcome.

Runs in the worker (`jobs/mail_sender.py`) every few real seconds; no request
ever waits on it. Times are real time: backoff is real seconds.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import OutboxMessage
from potwise.logs import get_logger
from potwise.services.mail import outbox, smtp
from potwise.services.mail.config import SmtpConfig

log = get_logger(__name__)

#: The one-click unsubscribe address of a non-essential message's user, or None.
UnsubscribeUrl = Callable[[str], str]


def send_due(
    session_factory: sessionmaker[Session],
    config: SmtpConfig,
    unsubscribe_url: UnsubscribeUrl,
) -> int:
    """Send every message that is due; returns how many were sent."""
    with session_factory() as db:
        ids = outbox.claim(db, clock.wall())
    sent = 0
    for message_id in ids:
        with session_factory() as db:
            message = db.get(OutboxMessage, message_id)
            if message is None or message.status != "queued":
                continue
            sent += _send_one(db, message, config, unsubscribe_url)
    return sent


def _send_one(
    db: Session, message: OutboxMessage, config: SmtpConfig, unsubscribe_url: UnsubscribeUrl
) -> int:
    link = None
    if not message.essential and message.user_id is not None:
        link = unsubscribe_url(message.user_id)
    mail = smtp.build(message, config, link)
    try:
        smtp.deliver(mail, config)
    except smtp.DeliveryError as exc:
        outbox.mark_failed_attempt(db, message, clock.wall(), exc.reason, permanent=exc.permanent)
        return 0
    outbox.mark_sent(db, message, clock.wall())
    return 1
