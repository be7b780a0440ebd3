"""What a notice is about, for sending it beyond the app: the kinds of event a user
chooses channels for, how urgent each is, and when quiet hours let it go.

Pure: no database, no clock of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

Priority = Literal["high", "normal"]
Mode = Literal["now", "digest", "off"]

MODES: Final = ("now", "digest", "off")
CHANNEL_KINDS: Final = ("email", "webhook", "webpush", "monzo_feed")
DIGESTS: Final = ("daily", "weekly", "off")


@dataclass(frozen=True)
class Event:
    key: str
    label: str
    priority: Priority


EVENTS: Final = (
    Event("money_moved", "Money moved by a rule", "normal"),
    Event("move_failed", "A money move failed or could not be confirmed", "high"),
    Event("rule_waiting", "A rule is waiting for funds", "normal"),
    Event("rule_paused", "A rule was paused", "high"),
    Event("connection_attention", "A bank connection needs attention", "high"),
    Event("consent_expiring", "A bank's consent runs out within 7 days", "normal"),
    Event("budget_crossed", "A budget was crossed", "normal"),
    Event("bill_alert", "A bill was missed or its price changed", "normal"),
)
BY_KEY: Final = {event.key: event for event in EVENTS}
#: A delivery sent by the user's "Send a test" button, and a digest of many notices.
TEST: Final = "test"
DIGEST: Final = "digest"


#: Notice kinds that name their event outright; the rest go by their prefix.
_EXACT: Final = {
    "transfer_failed": "move_failed",
    "transfer_unconfirmed": "move_failed",
    "budget_alert": "budget_crossed",
    "commitment_alert": "bill_alert",
    "consent_expiring": "consent_expiring",
}


def event_for_notice(kind: str) -> str | None:
    """The event an in-app notice's kind belongs to; None for notices that stay in
    the app."""
    if kind in _EXACT:
        return _EXACT[kind]
    if kind.startswith("transfer_"):
        return "money_moved"
    if kind.startswith("automation."):
        return "rule_paused" if "pause" in kind else "rule_waiting"
    if kind.startswith("connection"):
        return "connection_attention"
    return None


#: Events a kind of channel cannot carry: a bank needing the user (Monzo's own
#: connection among them) cannot be told through the Monzo app's feed, which
#: needs that very connection; the user's other channels and the app carry it.
NOT_CARRIED: Final = {"monzo_feed": frozenset({"connection_attention"})}
#: What the Monzo app's feed hears at once; the rest waits for the digest.
_FEED_AT_ONCE: Final = frozenset(
    {"money_moved", "move_failed", "rule_waiting", "rule_paused", "budget_crossed", "bill_alert"}
)


def carries(channel_kind: str, event: str) -> bool:
    """Whether a kind of channel can carry an event at all."""
    return event not in NOT_CARRIED.get(channel_kind, frozenset())


def default_mode(event: str, channel_kind: str) -> Mode:
    """A webhook or a device's push was set up to hear everything; e-mail carries
    what is urgent at once and gathers the rest in the digest; the Monzo app's feed
    shows money moves, rules, budgets and bills at once."""
    if not carries(channel_kind, event):
        return "off"
    if channel_kind in ("webhook", "webpush"):
        return "now"
    if channel_kind == "monzo_feed":
        return "now" if event in _FEED_AT_ONCE else "digest"
    return "now" if BY_KEY[event].priority == "high" else "digest"


def parse_hhmm(value: str) -> time:
    """`07:30` → 07:30; anything else is a ValueError with a plain message."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError("Enter a time like 22:00.")
    parsed = (int(hours), int(minutes))
    if not (0 <= parsed[0] <= 23 and 0 <= parsed[1] <= 59):
        raise ValueError("Enter a time like 22:00.")
    return time(*parsed)


def after_quiet_hours(
    moment: datetime, zone: ZoneInfo, start: str | None, end: str | None
) -> datetime:
    """When a notice made at `moment` may go: at once outside quiet hours, else when
    they end (local time; a window may run past midnight, e.g. 22:00 to 07:00)."""
    if not start or not end or start == end:
        return moment
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    local = moment.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    overnight = begin > finish
    inside = (begin <= now or now < finish) if overnight else (begin <= now < finish)
    if not inside:
        return moment
    day = local.date()
    if overnight and now >= begin:
        day += timedelta(days=1)
    return datetime.combine(day, finish, tzinfo=zone).astimezone(moment.tzinfo)


def digest_due(
    moment: datetime, zone: ZoneInfo, rhythm: str, hour: int, last: datetime | None
) -> bool:
    """Whether a digest is due now: its latest slot (daily at `hour`, or Mondays at
    `hour`, local time) has passed and none was sent since."""
    if rhythm == "off":
        return False
    local = moment.astimezone(zone)
    slot = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if rhythm == "weekly":
        slot -= timedelta(days=local.weekday())
    if slot > local:
        slot -= timedelta(days=7 if rhythm == "weekly" else 1)
    return last is None or last < slot
