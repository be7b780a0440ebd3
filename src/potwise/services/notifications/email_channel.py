"""Sending one delivery by e-mail: the notice (or a digest of them) as plain text
and HTML, over the server's SMTP settings.

The message is sent here, by the notification worker, rather than through the
account mail's outbox, so the delivery log shows what the mail server answered;
the message itself is built and delivered by the same code (`services.mail`). It
carries a List-Unsubscribe address: the notification settings page.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid
from typing import Any

from potwise.db.models import NotificationChannel, NotificationDelivery, OutboxMessage
from potwise.services.account_mail import Mailer
from potwise.services.mail import smtp
from potwise.services.mail.compose import compose
from potwise.services.notifications import webhook
from potwise.services.notifications.sender import Send


def _lines(delivery: NotificationDelivery) -> list[str]:
    payload = delivery.payload or {}
    if "notices" in payload:
        return [str(item.get("message", "")) for item in payload["notices"]]
    return [str(payload.get("message", ""))]


def sender_for(mailer: Mailer) -> Send | None:
    """The e-mail sender when the server sends e-mail, else None (deliveries to an
    e-mail channel then fail with that reason)."""
    config = mailer.smtp
    if config is None:
        return None

    def send(
        channel: NotificationChannel,
        settings: dict[str, Any],
        delivery: NotificationDelivery,
        now: datetime,
    ) -> webhook.Outcome:
        address = str(settings["address"])
        composed = compose(
            "notification",
            title=webhook.title_of(delivery.event),
            lines=_lines(delivery),
            public_url=mailer.public_url,
            to=address,
        )
        message = OutboxMessage(
            user_id=delivery.user_id,
            to_address=address,
            subject=composed.subject,
            text_body=composed.text,
            html_body=composed.html,
            message_id=make_msgid(domain=config.sender_domain),
            essential=False,
        )
        mail = smtp.build(message, config, f"{mailer.public_url}/settings/notifications")
        del mail["List-Unsubscribe-Post"]  # a page to change the choice, not a one-click stop
        try:
            smtp.deliver(mail, config)
        except smtp.DeliveryError as exc:
            return webhook.Outcome(ok=False, retry=not exc.permanent, error=exc.reason)
        return webhook.Outcome(ok=True, retry=False)

    return send
