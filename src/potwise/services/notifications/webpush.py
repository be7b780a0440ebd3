"""Web Push: notices on a phone's or a computer's lock screen, through the push
service of the user's browser (RFC 8030), encrypted for that browser alone
(RFC 8291, `aes128gcm`) and signed with the server's VAPID key (RFC 8292).

A device's subscription is a channel of kind `webpush`; its endpoint and keys are
stored encrypted with the rest of the channel's settings. A lock screen is public,
so a push says what happened but carries no amounts (no notice text) unless the
user asked for them on that device. A push service that answers 404 or 410 has
dropped the subscription: the channel is removed.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import NotificationChannel, NotificationDelivery
from potwise.db.scoping import owned
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services.errors import InvalidInput
from potwise.services.notifications import channels, events, webhook
from potwise.services.notifications.destinations import DestinationRefused, Destinations
from potwise.services.notifications.sender import Send
from potwise.services.vault import Vault
from potwise.settings import Settings

log = get_logger(__name__)

KIND: Final = "webpush"
# How long a push service keeps a notice for a device that is off (a day: older
# news is in the app anyway).
TTL_SECONDS: Final = 24 * 60 * 60
# A VAPID token's lifetime (push services refuse more than 24 hours).
TOKEN_LIFETIME: Final = timedelta(hours=12)
DEFAULT_SUBJECT: Final = "mailto:operator@localhost"
OPEN_URL: Final = "/notices"


class PushUnavailable(DomainError):
    """The server has no VAPID key: its operator has not turned push on."""

    code = "push_unavailable"
    status_code = 409


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _vapid(settings: Settings) -> Vapid02:
    if settings.vapid_private_key is None:
        raise PushUnavailable(
            "This server does not send push notifications: ask its operator to set "
            "POTWISE_VAPID_PRIVATE_KEY."
        )
    return Vapid02.from_string(settings.vapid_private_key.get_secret_value())


def application_server_key(settings: Settings) -> str:
    """The VAPID public key a browser subscribes with: the uncompressed P-256 point,
    base64url without padding."""
    public = _vapid(settings).private_key.public_key()
    return _b64url(
        public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _checked_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's public key (a P-256 point) and auth secret (16 bytes), checked."""
    try:
        point = _unb64url(p256dh.strip())
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        secret = _unb64url(auth.strip())
    except (ValueError, TypeError) as exc:
        raise InvalidInput("The browser's subscription keys are not valid.") from exc
    if len(point) != 65 or len(secret) != 16:
        raise InvalidInput("The browser's subscription keys are not valid.")
    return _b64url(point), _b64url(secret)


def add_device(
    db: Session,
    vault: Vault,
    user_id: str,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    name: str = "",
    show_amounts: bool = False,
    destinations: Destinations,
) -> channels.ChannelView:
    """Store a browser's push subscription as a channel of the user's. The same
    browser subscribing again replaces its earlier channel (its choice of showing
    amounts with it)."""
    checked = destinations.check_url(endpoint, what="push service's address")
    key, secret = _checked_keys(p256dh, auth)
    for existing in db.scalars(owned(NotificationChannel, user_id)):
        if existing.kind == KIND and channels.config_of(vault, existing).get("endpoint") == checked:
            db.delete(existing)
            db.flush()
    channels.room_for_one_more(db, user_id)
    config = {"endpoint": checked, "p256dh": key, "auth": secret, "show_amounts": show_amounts}
    label = channels.clean_name(name, "This device")
    return channels.store(db, vault, user_id, KIND, label, config, show_amounts=show_amounts)


def message_for(
    delivery_id: str, event: str, payload: dict[str, Any], *, show_amounts: bool
) -> dict[str, Any]:
    """What the service worker shows. Without the user's leave, only what kind of
    thing happened: a notice's own words often hold amounts."""
    title = webhook.title_of(event)
    if show_amounts:
        body = webhook.text_of(event, payload)
    elif event == events.TEST:
        body = "Notifications reach this device."
    elif event == events.DIGEST:
        count = len(payload.get("notices", []))
        body = f"{count} new notice{'s' if count != 1 else ''}: open potwise to read them."
    else:
        label = events.BY_KEY[event].label if event in events.BY_KEY else "Something new"
        body = f"{label}. Open potwise for the details."
    return {"title": title, "body": body, "tag": delivery_id, "url": OPEN_URL}


def _encrypted(config: dict[str, Any], message: dict[str, Any]) -> bytes:
    subscription = {
        "endpoint": config["endpoint"],
        "keys": {"p256dh": config["p256dh"], "auth": config["auth"]},
    }
    encoded = WebPusher(subscription).encode(json.dumps(message).encode(), "aes128gcm")
    return bytes(encoded["body"])


def _headers(
    vapid: Vapid02, subject: str, endpoint: str, event: str, delivery_id: str
) -> dict[str, str]:
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    expires = int((clock.wall() + TOKEN_LIFETIME).timestamp())
    signed = vapid.sign({"sub": subject, "aud": audience, "exp": expires})
    urgent = event in events.BY_KEY and events.BY_KEY[event].priority == "high"
    return {
        "Authorization": str(signed["Authorization"]),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_SECONDS),
        "Urgency": "high" if urgent else "normal",
        # A retry of one delivery replaces its undelivered earlier copy, nothing else.
        "Topic": "".join(c for c in delivery_id if c.isalnum())[:32],
    }


def push(
    client: httpx2.Client,
    vapid: Vapid02,
    subject: str,
    config: dict[str, Any],
    *,
    delivery_id: str,
    event: str,
    payload: dict[str, Any],
) -> webhook.Outcome:
    """Send one delivery to one device's push service."""
    message = message_for(
        delivery_id, event, payload, show_amounts=bool(config.get("show_amounts"))
    )
    body = _encrypted(config, message)
    headers = _headers(vapid, subject, str(config["endpoint"]), event, delivery_id)
    try:
        response = client.post(str(config["endpoint"]), content=body, headers=headers)
    except DestinationRefused as exc:
        return webhook.refused(exc)
    except httpx2.HTTPError as exc:
        return webhook.Outcome(
            ok=False,
            retry=True,
            error=f"could not reach the push service ({type(exc).__name__})",
        )
    if response.status_code in (404, 410):
        return webhook.Outcome(
            ok=False,
            retry=False,
            error="the browser ended this subscription; the device was removed",
            gone=True,
        )
    return webhook.answered(response.status_code, who="push service")


def sender_for(settings: Settings, destinations: Destinations) -> Send | None:
    """The worker's Web Push sender, or None when the server has no VAPID key."""
    if not settings.push_enabled:
        return None
    vapid = _vapid(settings)
    subject = settings.vapid_subject or DEFAULT_SUBJECT

    def send(
        channel: NotificationChannel,
        config: dict[str, Any],
        delivery: NotificationDelivery,
        now: datetime,
    ) -> webhook.Outcome:
        with destinations.client() as client:
            return push(
                client,
                vapid,
                subject,
                config,
                delivery_id=delivery.id,
                event=delivery.event,
                payload=delivery.payload,
            )

    return send
