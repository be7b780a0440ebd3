"""The Monzo app's feed as a channel: a notice becomes an item in the user's own
Monzo app (`POST /feed`), posted through their Monzo connection.

Monzo's feed items have no dedupe key, so an item is posted **at most once**:

- a failure after the request was written out (a timeout, a dropped connection, a
  5xx answer, a garbled answer) may have reached Monzo and shown: it is logged and
  the delivery is `failed` with that reason, never sent again;
- a refusal before anything could show (the connection could not be made, a 429,
  a 401 whose token is then refreshed, approval pending in the app) is tried again
  by the worker's usual backoff;
- any other refusal (a 4xx) is final.

No spam (`feed_limits`): at most one item per rule run (the notice's `run_id`) and
a daily cap per user (default 10, set per channel), counted over the user's own day
from the deliveries table; what is held back goes into the digest (or, with the
digest off, stays in the app with the reason in the delivery log). Digests and the
user's own tests are outside the cap: a digest is at most one a day and gathers the
rest.

A bank needing the user is never sent here (`events.carries`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.banks.errors import (
    AuthExpired,
    AwaitingApproval,
    BankError,
    ConsentExpired,
    RateLimited,
    RequestRejected,
)
from potwise.db.models import Account, Connection, NotificationChannel, NotificationDelivery
from potwise.domain.mirror import AccountKind
from potwise.logs import get_logger
from potwise.services import connections, zones
from potwise.services.context import ConnectionsContext
from potwise.services.errors import Conflict, InvalidInput
from potwise.services.notifications import channels, events, feed_limits, webhook
from potwise.services.notifications.sender import Send
from potwise.services.vault import Vault

log = get_logger(__name__)

KIND: Final = "monzo_feed"
DEFAULT_DAILY_CAP: Final = 10
MAX_DAILY_CAP: Final = 50
#: Seconds to wait for Monzo's answer; a feed item is never urgent enough to hang on.
TIMEOUT_SECONDS = 10.0
#: The item's icon, served by potwise itself (a static file, public like the CSS).
ICON_PATH: Final = "/static/monzo-feed.png"
BODY_LIMIT: Final = 400
SENTENCE_LIMIT: Final = 200
#: Where tapping an item takes the user, by event.
PAGES: Final = {
    "money_moved": "/transfers",
    "move_failed": "/transfers",
    "rule_waiting": "/automations",
    "rule_paused": "/automations",
    "budget_crossed": "/budgets",
    "bill_alert": "/commitments",
    "consent_expiring": "/connections",
    events.DIGEST: "/notices",
    events.TEST: "/settings/notifications",
}
_USABLE: Final = (connections.STATUS_ACTIVE, connections.STATUS_RETRYING)
_NO_MONZO: Final = (
    "Connect Monzo first: this channel puts notices in your Monzo app, so it needs "
    "an active Monzo connection."
)


# -- adding the channel ---------------------------------------------------------------


def _monzo_account(db: Session, user_id: str) -> tuple[Connection, Account] | None:
    """The user's usable Monzo connection and the open account whose feed gets items
    (the personal current account, else a joint one)."""
    found = db.execute(
        select(Connection, Account)
        .join(Account, Account.connection_id == Connection.id)
        .where(
            Connection.user_id == user_id,
            Connection.provider == "monzo",
            Connection.status.in_(_USABLE),
            Account.closed.is_(False),
            Account.kind.in_([AccountKind.CURRENT.value, AccountKind.JOINT.value]),
        )
        .order_by(Account.kind, Account.created_at)
    ).first()
    return None if found is None else (found[0], found[1])


def unavailable_reason(db: Session, user_id: str) -> str | None:
    """Why the user cannot add the feed channel now, or None when they can."""
    if _has_feed(db, user_id):
        return "Notices already go to your Monzo app."
    return _NO_MONZO if _monzo_account(db, user_id) is None else None


def _has_feed(db: Session, user_id: str) -> bool:
    return (
        db.scalar(
            select(func.count())
            .select_from(NotificationChannel)
            .where(NotificationChannel.user_id == user_id, NotificationChannel.kind == KIND)
        )
        or 0
    ) > 0


def add(
    db: Session,
    vault: Vault,
    user_id: str,
    *,
    name: str = "",
    daily_cap: int = DEFAULT_DAILY_CAP,
) -> channels.ChannelView:
    """The Monzo app's feed as a channel: refused without an active Monzo connection,
    and one per user."""
    if not 1 <= daily_cap <= MAX_DAILY_CAP:
        raise InvalidInput(f"The daily limit is between 1 and {MAX_DAILY_CAP} items.")
    if _has_feed(db, user_id):
        raise Conflict("Notices already go to your Monzo app.")
    found = _monzo_account(db, user_id)
    if found is None:
        raise Conflict(_NO_MONZO)
    connection, account = found
    channels.room_for_one_more(db, user_id)
    config = {
        "connection_id": connection.id,
        "account_id": account.external_id,
        "address": f"Your Monzo app ({account.name})",
        "daily_cap": daily_cap,
    }
    return channels.store(db, vault, user_id, KIND, channels.clean_name(name, "Monzo app"), config)


# -- what one item says -------------------------------------------------------------------


def short(text: str, limit: int) -> str:
    """The first sentence of `text`, cut at a clause or word before `limit`: a feed
    item is read at a glance, and tapping it opens the whole story."""
    first, dot, _ = text.partition(". ")
    text = first + "." if dot else text
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    at = max(cut.rfind("; "), cut.rfind(" "))
    return (cut[:at] if at > 0 else cut).rstrip(" ;,:") + "…"


def _digest_body(payload: dict[str, Any]) -> str:
    lines = [f"• {short(str(item.get('message', '')), 90)}" for item in payload.get("notices", [])]
    shown: list[str] = []
    used = 0
    for n, line in enumerate(lines):
        if used + len(line) > BODY_LIMIT - 20:  # room kept for the line saying so
            shown.append(f"• and {len(lines) - n} more")
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown) or "Nothing new."


def body_of(delivery: NotificationDelivery) -> str:
    """What the item says: the notice's first sentence, or the digest's lines."""
    payload = delivery.payload or {}
    if delivery.event == events.DIGEST:
        return _digest_body(payload)
    return short(webhook.text_of(delivery.event, payload), SENTENCE_LIMIT)


def item_for(delivery: NotificationDelivery, public_url: str) -> dict[str, str]:
    """The feed item's title, body, icon and the potwise page it opens."""
    body = body_of(delivery)
    base = public_url.rstrip("/")
    return {
        "title": webhook.title_of(delivery.event),
        "body": body,
        "url": base + PAGES.get(delivery.event, "/notices"),
        "image_url": base + ICON_PATH,
    }


# -- posting ------------------------------------------------------------------------------


def post_once(
    ctx: ConnectionsContext, connection_id: str, account_id: str, item: dict[str, str]
) -> webhook.Outcome:
    """Post one item, never twice: see the module's docstring for what is retried."""
    rejected: str | None = None
    for _ in range(2):
        try:
            token = connections.valid_access_token(ctx, connection_id, rejected_token=rejected)
        except ConsentExpired as exc:
            return webhook.Outcome(
                ok=False, retry=False, error=f"Monzo needs re-connecting: {exc.message}"
            )
        except BankError as exc:
            return webhook.Outcome(ok=False, retry=True, error=f"No Monzo token: {exc.message}")
        outcome = _post(ctx, token, account_id, item)
        if outcome is not None:
            return outcome
        rejected = token  # refused, so nothing showed: refresh once and post again
    return webhook.Outcome(ok=False, retry=True, error="Monzo refused the access token twice.")


def _post(
    ctx: ConnectionsContext, token: str, account_id: str, item: dict[str, str]
) -> webhook.Outcome | None:
    """One request; None when Monzo refused the token (nothing showed)."""
    sent: list[bool] = []
    try:
        ctx.gateway.monzo(token).create_feed_item(
            account_id, **item, on_sent=lambda: sent.append(True), timeout=TIMEOUT_SECONDS
        )
    except AuthExpired:
        return None
    except (RateLimited, AwaitingApproval) as exc:
        return webhook.Outcome(ok=False, retry=True, error=f"Monzo said wait: {exc.message}")
    except RequestRejected as exc:
        return webhook.Outcome(ok=False, retry=False, error=f"Monzo refused: {exc.message}")
    except BankError as exc:
        return _unanswered(exc, sent=bool(sent))
    return webhook.Outcome(ok=True, retry=False)


def _unanswered(exc: BankError, *, sent: bool) -> webhook.Outcome:
    if not sent:
        return webhook.Outcome(
            ok=False, retry=True, error=f"Monzo could not be reached: {exc.message}"
        )
    log.warning("notifications.monzo_feed_unconfirmed", error=exc.code)
    return webhook.Outcome(
        ok=False,
        retry=False,
        error=(
            f"No clear answer from Monzo after the item was sent ({exc.message}): "
            "not sent again, so it never shows twice; it may be in your Monzo app."
        ),
    )


def sender_for(ctx: ConnectionsContext) -> Send:
    """The worker's sender for the Monzo feed channel, over the context's bank gateway."""

    def send(
        channel: NotificationChannel,
        config: dict[str, Any],
        delivery: NotificationDelivery,
        now: datetime,
    ) -> webhook.Outcome:
        with ctx.session_factory() as db:
            connection = db.get(Connection, str(config.get("connection_id")))
            if connection is None or connection.user_id != channel.user_id:
                return webhook.Outcome(
                    ok=False,
                    retry=False,
                    error="The Monzo connection is gone: connect Monzo, then add this "
                    "channel again.",
                )
            zone = zones.user_zone(db, channel.user_id, ctx.settings.timezone)
            cap = int(config.get("daily_cap", DEFAULT_DAILY_CAP))
            held = feed_limits.limit_reached(db, KIND, delivery, cap, now, zone)
        if held is not None:
            return held
        item = item_for(delivery, ctx.settings.public_url)
        return post_once(ctx, connection.id, str(config["account_id"]), item)

    return send
