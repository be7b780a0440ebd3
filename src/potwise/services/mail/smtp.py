"""Hand one message to the SMTP server (smtplib): plain, STARTTLS or implicit TLS.

The message is multipart/alternative (plain text, then HTML) with its stored
Message-ID, a Date of the moment it is sent, and, for mail a user can do without,
List-Unsubscribe (one click, RFC 8058).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from potwise import clock
from potwise.db.models import OutboxMessage
from potwise.services.mail.config import SmtpConfig

TIMEOUT_SECONDS = 20


class DeliveryError(Exception):
    """The server did not take the message; `permanent` when trying again is useless."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def build(message: OutboxMessage, config: SmtpConfig, unsubscribe_url: str | None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(clock.wall())
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url is not None:
        mail["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(message.text_body)
    mail.add_alternative(message.html_body, subtype="html")
    return mail


def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == "tls":
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=TIMEOUT_SECONDS, context=_tls_context(config)
        )
    connection = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
    if config.security == "starttls":
        connection.ehlo()
        connection.starttls(context=_tls_context(config))
        connection.ehlo()
    return connection


def deliver(mail: EmailMessage, config: SmtpConfig) -> None:
    """Send `mail`; a refusal or a broken connection is a `DeliveryError`."""
    try:
        with _connect(config) as connection:
            if config.username:
                connection.login(config.username, config.password or "")
            connection.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"the SMTP server refused the login ({exc.smtp_code})", permanent=False
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        raise DeliveryError(
            f"the SMTP server refused the recipient ({codes})",
            permanent=all(500 <= code < 600 for code in codes),
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"the SMTP server answered {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"could not talk to the SMTP server ({type(exc).__name__})", permanent=False
        ) from None
