"""`/settings/notifications`: channels (webhooks, e-mail, this device's push, the Monzo
app), what each event sends where, quiet hours and the digest, and the delivery log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise import clock
from potwise.domain.errors import DomainError
from potwise.services.notifications import (
    channels,
    destinations,
    events,
    monzo_feed,
    outbox,
    preferences,
)
from potwise.web.security import AppMailer, AppSettings, AppVault, Caller, Db
from potwise.web.ui.access import PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "channel_removed": ("success", "The channel was removed."),
    "channel_test_queued": (
        "success",
        "A test message is on its way; the delivery log below shows how it went.",
    ),
    "preferences_saved": ("success", "Your notification choices were saved."),
    "push_added": (
        "success",
        "This device now takes notifications: send it a test from its row in Channels.",
    ),
    "email_channel_added": (
        "success",
        "E-mail added: notices now reach your address as your choices below say.",
    ),
    "monzo_feed_added": (
        "success",
        "Your Monzo app added: notices now show in its feed as your choices below say.",
    ),
}


def _page(
    request: Request, caller: Caller, db: Db, vault: AppVault, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    listed = channels.listed(db, vault, caller.user.id)
    names = {c.id: c.name for c in listed}
    return render(
        request,
        "notifications.html",
        caller,
        status_code=status_code,
        active="notifications",
        channels=listed,
        formats=channels.WEBHOOK_FORMATS,
        choices=preferences.choices(db, caller.user.id),
        events=events.EVENTS,
        channel_kinds=events.CHANNEL_KINDS,
        modes=events.MODES,
        deliveries=outbox.recent(db, caller.user.id, limit=30),
        channel_names=names,
        has_email=any(c.kind == "email" for c in listed),
        sends_mail=request.app.state.mailer.enabled,
        feed_unavailable=monzo_feed.unavailable_reason(db, caller.user.id),
        feed_cap=monzo_feed.DEFAULT_DAILY_CAP,
        feed_max_cap=monzo_feed.MAX_DAILY_CAP,
        carries=events.carries,
        push_enabled=request.app.state.settings.push_enabled,
        allow_private=destinations.destinations_for(request.app.state.settings).allow_private,
        **extra,
    )


@router.get("/settings/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, caller: PageCaller, db: Db, vault: AppVault) -> Response:
    return _page(request, caller, db, vault)


@router.post("/settings/notifications/webhooks", response_class=HTMLResponse)
def add_webhook(
    request: Request,
    caller: PageCaller,
    db: Db,
    vault: AppVault,
    settings: AppSettings,
    name: FormStr = "",
    url: FormStr = "",
    format: FormStr = "json",
) -> Response:
    try:
        view, secret = channels.add_webhook(
            db,
            vault,
            caller.user.id,
            name=name,
            url=url,
            format=format,
            destinations=destinations.destinations_for(settings),
        )
    except DomainError as exc:
        typed = {"name": name, "url": url, "format": format}
        return _page(request, caller, db, vault, 400, channel_error=exc.message, typed=typed)
    # Rendered, not redirected: the only time the signing secret is shown.
    return _page(request, caller, db, vault, new_channel=view, new_secret=secret)


@router.post("/settings/notifications/email", response_class=HTMLResponse)
def add_email(
    request: Request, caller: PageCaller, db: Db, vault: AppVault, mailer: AppMailer
) -> Response:
    try:
        channels.add_email(db, vault, caller.user, name="E-mail", sends_mail=mailer.enabled)
    except DomainError as exc:
        return _page(request, caller, db, vault, exc.status_code, email_error=exc.message)
    return RedirectResponse("/settings/notifications?flash=email_channel_added", status_code=303)


@router.post("/settings/notifications/monzo-feed", response_class=HTMLResponse)
def add_monzo_feed(
    request: Request,
    caller: PageCaller,
    db: Db,
    vault: AppVault,
    daily_cap: FormStr = "",
) -> Response:
    cap_text = daily_cap.strip()
    cap = int(cap_text) if cap_text.isdigit() else monzo_feed.DEFAULT_DAILY_CAP
    try:
        monzo_feed.add(db, vault, caller.user.id, name="Monzo app", daily_cap=cap)
    except DomainError as exc:
        return _page(request, caller, db, vault, exc.status_code, feed_error=exc.message)
    return RedirectResponse("/settings/notifications?flash=monzo_feed_added", status_code=303)


@router.post("/settings/notifications/channels/{channel_id}/test")
def test_channel(channel_id: str, caller: PageCaller, db: Db) -> Response:
    channel = channels.owned_channel(db, caller.user.id, channel_id)
    outbox.enqueue_test(db, channel, clock.now())
    return RedirectResponse("/settings/notifications?flash=channel_test_queued", status_code=303)


@router.post("/settings/notifications/channels/{channel_id}/delete")
def remove_channel(channel_id: str, caller: PageCaller, db: Db) -> Response:
    channels.remove(db, caller.user.id, channel_id)
    return RedirectResponse("/settings/notifications?flash=channel_removed", status_code=303)


@router.post("/settings/notifications/preferences", response_class=HTMLResponse)
async def save_preferences(
    request: Request, caller: PageCaller, db: Db, vault: AppVault
) -> Response:
    form = await request.form()
    modes = {
        event.key: {
            kind: str(form.get(f"mode-{event.key}-{kind}", ""))
            for kind in events.CHANNEL_KINDS
            if form.get(f"mode-{event.key}-{kind}") is not None
        }
        for event in events.EVENTS
    }
    start = str(form.get("quiet_start", "")).strip() or None
    end = str(form.get("quiet_end", "")).strip() or None
    hour_text = str(form.get("digest_hour", "8")).strip()
    try:
        preferences.save(
            db,
            caller.user.id,
            modes={event: chosen for event, chosen in modes.items() if chosen},
            quiet=(start, end),
            digest=str(form.get("digest", "daily")),
            digest_hour=int(hour_text) if hour_text.isdigit() else -1,
        )
    except DomainError as exc:
        return _page(request, caller, db, vault, 400, preferences_error=exc.message)
    return RedirectResponse("/settings/notifications?flash=preferences_saved", status_code=303)
