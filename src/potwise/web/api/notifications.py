"""`/api/v1/notifications`: where notices go beyond the app, and how.

Channels are webhooks (signed; in potwise's JSON or a receiver's own format), a
browser's Web Push subscription, where the server sends e-mail the account's
address, and, with an active Monzo connection, the user's own Monzo app feed.
Webhook and push addresses must be public https ones on an instance others can sign
up to (`POTWISE_NOTIFY_ALLOW_PRIVATE` lets a household use its LAN). Preferences
say, for each event and kind of channel, `now`, `digest` or `off`; quiet hours hold
what is not urgent; the delivery log shows every attempt's outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.services.notifications import (
    channels,
    destinations,
    events,
    monzo_feed,
    outbox,
    preferences,
    webpush,
)
from potwise.web.api.schemas import Page
from potwise.web.security import AppMailer, AppSettings, AppVault, CurrentCaller, Db

router = APIRouter(prefix="/notifications", tags=["notifications"])


class EventChoice(BaseModel):
    event: str
    label: str
    priority: str
    modes: dict[str, str]


class QuietHours(BaseModel):
    start: str = Field(max_length=5, examples=["22:00"])
    end: str = Field(max_length=5, examples=["07:00"])


class PreferencesOut(BaseModel):
    events: list[EventChoice]
    quiet_hours: QuietHours | None
    digest: str
    digest_hour: int


class PreferencesIn(BaseModel):
    """Only what is given changes. `modes`: event → channel kind → now|digest|off;
    `quiet_hours`: null turns them off."""

    modes: dict[str, dict[str, str]] | None = None
    quiet_hours: QuietHours | None = Field(default=None)
    digest: Literal["daily", "weekly", "off"] | None = None
    digest_hour: int | None = Field(default=None, ge=0, le=23)


class ChannelOut(BaseModel):
    id: str
    kind: str
    name: str
    enabled: bool
    created_at: datetime
    target: str
    format: str | None


class WebhookIn(BaseModel):
    kind: Literal["webhook"]
    name: str = Field(default="", max_length=100)
    url: str = Field(min_length=1, max_length=2000)
    format: Literal["json", "slack", "ntfy", "gotify"] = "json"


class EmailIn(BaseModel):
    """E-mail to the account's own, confirmed address."""

    kind: Literal["email"]
    name: str = Field(default="", max_length=100)


class MonzoFeedIn(BaseModel):
    """Items in your own Monzo app's feed, through your active Monzo connection."""

    kind: Literal["monzo_feed"]
    name: str = Field(default="", max_length=100)
    daily_cap: int = Field(
        default=monzo_feed.DEFAULT_DAILY_CAP,
        ge=1,
        le=monzo_feed.MAX_DAILY_CAP,
        description="Items a day at most (your time zone's day); the rest go in the digest.",
    )


class PushKeys(BaseModel):
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushSubscription(BaseModel):
    """What the browser's `PushSubscription.toJSON()` gives."""

    endpoint: str = Field(min_length=1, max_length=2000)
    keys: PushKeys


class WebPushIn(BaseModel):
    """This browser's push subscription. A lock screen is public: pushes carry no
    amounts unless `show_amounts` is true."""

    kind: Literal["webpush"]
    name: str = Field(default="", max_length=100)
    subscription: PushSubscription
    show_amounts: bool = False


class PushKey(BaseModel):
    public_key: str = Field(
        description="The VAPID application server key: the uncompressed P-256 point, base64url."
    )


ChannelIn = Annotated[WebhookIn | EmailIn | WebPushIn | MonzoFeedIn, Field(discriminator="kind")]


class ChannelCreated(BaseModel):
    channel: ChannelOut
    secret: str | None = Field(
        default=None,
        description="A webhook's signing secret, shown this once: verify "
        "X-Potwise-Signature with it.",
    )


class DeliveryOut(BaseModel):
    id: str
    channel_id: str
    event: str
    status: str
    attempts: int
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    message: str | None


def _preferences_out(choices: preferences.Choices) -> PreferencesOut:
    quiet = (
        QuietHours(start=choices.quiet_start, end=choices.quiet_end)
        if choices.quiet_start and choices.quiet_end
        else None
    )
    return PreferencesOut(
        events=[
            EventChoice(event=e.key, label=e.label, priority=e.priority, modes=choices.modes[e.key])
            for e in events.EVENTS
        ],
        quiet_hours=quiet,
        digest=choices.digest,
        digest_hour=choices.digest_hour,
    )


def _channel_out(view: channels.ChannelView) -> ChannelOut:
    return ChannelOut(**view.__dict__)


@router.get("/preferences", response_model=PreferencesOut)
def get_preferences(caller: CurrentCaller, db: Db) -> PreferencesOut:
    return _preferences_out(preferences.choices(db, caller.user.id))


@router.put("/preferences", response_model=PreferencesOut)
def put_preferences(body: PreferencesIn, caller: CurrentCaller, db: Db) -> PreferencesOut:
    given = body.model_fields_set
    quiet: tuple[str | None, str | None] | None = None
    if "quiet_hours" in given:
        quiet = (body.quiet_hours.start, body.quiet_hours.end) if body.quiet_hours else (None, None)
    saved = preferences.save(
        db,
        caller.user.id,
        modes=body.modes,
        quiet=quiet,
        digest=body.digest,
        digest_hour=body.digest_hour,
    )
    return _preferences_out(saved)


@router.get("/channels", response_model=Page[ChannelOut])
def list_channels(caller: CurrentCaller, db: Db, vault: AppVault) -> Page[ChannelOut]:
    return Page[ChannelOut](
        items=[_channel_out(v) for v in channels.listed(db, vault, caller.user.id)]
    )


@router.post("/channels", response_model=ChannelCreated, status_code=status.HTTP_201_CREATED)
def add_channel(
    body: ChannelIn,
    caller: CurrentCaller,
    db: Db,
    vault: AppVault,
    mailer: AppMailer,
    settings: AppSettings,
) -> ChannelCreated:
    """A webhook (its signing secret is answered this once), e-mail to your address,
    this browser's push subscription, or your Monzo app's feed (409 without an active
    Monzo connection)."""
    if isinstance(body, MonzoFeedIn):
        feed = monzo_feed.add(db, vault, caller.user.id, name=body.name, daily_cap=body.daily_cap)
        return ChannelCreated(channel=_channel_out(feed))
    if isinstance(body, EmailIn):
        made = channels.add_email(db, vault, caller.user, name=body.name, sends_mail=mailer.enabled)
        return ChannelCreated(channel=_channel_out(made))
    guard = destinations.destinations_for(settings)
    if isinstance(body, WebPushIn):
        webpush.application_server_key(settings)  # refused when push is off
        device = webpush.add_device(
            db,
            vault,
            caller.user.id,
            endpoint=body.subscription.endpoint,
            p256dh=body.subscription.keys.p256dh,
            auth=body.subscription.keys.auth,
            name=body.name,
            show_amounts=body.show_amounts,
            destinations=guard,
        )
        return ChannelCreated(channel=_channel_out(device))
    view, secret = channels.add_webhook(
        db,
        vault,
        caller.user.id,
        name=body.name,
        url=body.url,
        format=body.format,
        destinations=guard,
    )
    return ChannelCreated(channel=_channel_out(view), secret=secret)


@router.get("/webpush/key", response_model=PushKey)
def push_key(caller: CurrentCaller, settings: AppSettings) -> PushKey:
    """The key a browser subscribes to push with (409 when the server has no VAPID key)."""
    return PushKey(public_key=webpush.application_server_key(settings))


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_channel(channel_id: str, caller: CurrentCaller, db: Db) -> Response:
    channels.remove(db, caller.user.id, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/channels/{channel_id}/test",
    response_model=DeliveryOut,
    status_code=status.HTTP_202_ACCEPTED,
)
def test_channel(channel_id: str, caller: CurrentCaller, db: Db) -> DeliveryOut:
    """Queue a test message for the channel; the delivery log shows how it went."""
    channel = channels.owned_channel(db, caller.user.id, channel_id)
    return _delivery_out(outbox.enqueue_test(db, channel, clock.now()))


def _delivery_out(delivery: Any) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        channel_id=delivery.channel_id,
        event=delivery.event,
        status=delivery.status,
        attempts=delivery.attempts,
        due_at=delivery.due_at,
        created_at=delivery.created_at,
        sent_at=delivery.sent_at,
        last_error=delivery.last_error,
        message=(delivery.payload or {}).get("message"),
    )


@router.get("/deliveries", response_model=Page[DeliveryOut])
def deliveries(
    caller: CurrentCaller, db: Db, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[DeliveryOut]:
    """The newest deliveries first, failed ones with the reason."""
    return Page[DeliveryOut](
        items=[_delivery_out(d) for d in outbox.recent(db, caller.user.id, limit=limit)]
    )
