"""A user's channels: webhooks (with a signing secret and a body format for the
common receivers) and e-mail; the Monzo app's feed is added by `monzo_feed`. A
channel's settings are stored encrypted."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import NotificationChannel, User
from potwise.db.scoping import get_owned, owned
from potwise.logs import get_logger
from potwise.services.errors import EmailUnverified, InvalidInput, MailUnavailable, NotFound
from potwise.services.notifications.destinations import Destinations
from potwise.services.vault import Vault

log = get_logger(__name__)

#: Body formats: potwise's own signed JSON (Home Assistant and most receivers take
#: it), Slack-compatible `{"text"}` (Slack, Mattermost, Rocket.Chat), ntfy's plain
#: text with a Title header, and Gotify's message JSON.
WEBHOOK_FORMATS: Final = ("json", "slack", "ntfy", "gotify")
MAX_CHANNELS = 10


@dataclass(frozen=True)
class ChannelView:
    id: str
    kind: str
    name: str
    enabled: bool
    created_at: datetime
    target: str  # where it goes, shown without any secret in it
    format: str | None


def _redacted(url: str) -> str:
    """The URL's scheme and host only: its path or query may hold a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}/…"


def config_of(vault: Vault, channel: NotificationChannel) -> dict[str, Any]:
    value = json.loads(vault.decrypt(channel.config_encrypted))
    return value if isinstance(value, dict) else {}


def view(vault: Vault, channel: NotificationChannel) -> ChannelView:
    config = config_of(vault, channel)
    if channel.kind == "webhook":
        target = _redacted(config["url"])
    elif "endpoint" in config:  # a device's push subscription: its push service
        target = _redacted(config["endpoint"])
    else:
        target = str(config.get("address"))
    return ChannelView(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        enabled=channel.enabled,
        created_at=channel.created_at,
        target=target,
        format=config.get("format"),
    )


def listed(db: Session, vault: Vault, user_id: str) -> list[ChannelView]:
    rows = db.scalars(owned(NotificationChannel, user_id).order_by(NotificationChannel.created_at))
    return [view(vault, row) for row in rows]


def clean_name(name: str, fallback: str) -> str:
    """A channel's name with its spaces tidied, `fallback` when empty; checked."""
    label = " ".join(name.split()) or fallback
    if len(label) > 100:
        raise InvalidInput("A channel's name is at most 100 characters.")
    return label


def room_for_one_more(db: Session, user_id: str) -> None:
    """InvalidInput when the user has as many channels as one may have."""
    count = db.scalar(
        select(func.count())
        .select_from(NotificationChannel)
        .where(NotificationChannel.user_id == user_id)
    )
    if (count or 0) >= MAX_CHANNELS:
        raise InvalidInput(f"You have {MAX_CHANNELS} channels already: remove one first.")


def add_webhook(
    db: Session,
    vault: Vault,
    user_id: str,
    *,
    name: str,
    url: str,
    format: str = "json",
    destinations: Destinations | None = None,
) -> tuple[ChannelView, str]:
    """A new webhook; returns it and its signing secret (shown this once). The URL
    must be one `destinations` allows (by default: public https addresses only)."""
    if format not in WEBHOOK_FORMATS:
        raise InvalidInput("Choose the receiver's format: json, slack, ntfy or gotify.")
    guard = destinations or Destinations(allow_private=False)
    checked = guard.check_url(url, what="receiver's address")
    room_for_one_more(db, user_id)
    secret = secrets.token_urlsafe(32)
    config = {"url": checked, "format": format, "secret": secret}
    label = clean_name(name, urlsplit(checked).hostname or "Webhook")
    return store(db, vault, user_id, "webhook", label, config, format=format), secret


def add_email(db: Session, vault: Vault, user: User, *, name: str, sends_mail: bool) -> ChannelView:
    """E-mail to the account's own address, once it is confirmed (never to another
    address: potwise sends no mail to people who did not ask for it)."""
    if not sends_mail:
        raise MailUnavailable("This server sends no e-mail: ask its operator to set up SMTP.")
    if not user.email_verified:
        raise EmailUnverified("Confirm your e-mail address first: the link is in your inbox.")
    room_for_one_more(db, user.id)
    config = {"address": user.email}
    return store(db, vault, user.id, "email", clean_name(name, "E-mail"), config)


def store(
    db: Session,
    vault: Vault,
    user_id: str,
    kind: str,
    name: str,
    config: dict[str, Any],
    **logged: object,
) -> ChannelView:
    """Save a new, enabled channel of `kind` (its settings encrypted, as every channel's
    are), commit, and say so in the log (`logged`: what else is safe to log)."""
    channel = NotificationChannel(
        user_id=user_id,
        kind=kind,
        name=name,
        config_encrypted=vault.encrypt(json.dumps(config)),
        enabled=True,
        created_at=clock.now(),
    )
    db.add(channel)
    db.commit()
    log.info("notifications.channel_added", user_id=user_id, kind=kind, **logged)
    return view(vault, channel)


def owned_channel(db: Session, user_id: str, channel_id: str) -> NotificationChannel:
    channel = get_owned(db, NotificationChannel, channel_id, user_id)
    if channel is None:
        raise NotFound("No such channel.")
    return channel


def remove(db: Session, user_id: str, channel_id: str) -> None:
    db.delete(owned_channel(db, user_id, channel_id))
    db.commit()
    log.info("notifications.channel_removed", user_id=user_id, channel_id=channel_id)
