"""How the bank mirror reads on its pages: providers' and banks' names, the words for a
connection's and a sync's status, and times in the user's own zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from potwise import clock
from potwise.domain import providers
from potwise.services import connections

PROVIDER_NAMES = {"monzo": "Monzo", "truelayer": "Open Banking (TrueLayer)"}
# The Open Banking providers offered in the connect form; "" lets the user pick.
OPEN_BANKING_CHOICES = (
    ("", "Any UK bank or card"),
    ("ob-amex", "American Express"),
    ("uk-ob-barclaycard", "Barclaycard"),
    ("ob-natwest", "NatWest"),
)
BANK_NAMES = providers.BANK_NAMES
provider_name = providers.provider_name

STATUS_LABELS = {
    connections.STATUS_ACTIVE: "Active",
    connections.STATUS_AWAITING_APPROVAL: "Waiting for approval in the Monzo app",
    connections.STATUS_NEEDS_RECONNECT: "Needs re-connecting",
    connections.STATUS_ERROR: "Error",
    connections.STATUS_RETRYING: "Retrying",
}
RUN_LABELS = {
    "running": "Running",
    "succeeded": "Succeeded",
    "partial": "Partly succeeded",
    "failed": "Failed",
    "skipped": "Skipped",
}


_RECENT = {timedelta(0): "today", timedelta(days=1): "yesterday"}


def formatter(zone: ZoneInfo) -> Callable[..., str]:
    """`when(dt)` → "3 Nov 2026, 14:05" in the user's zone; "never" for None. With
    `date_only` (the bank gave a date, not a time) only the day shows: the bank's own
    date, never a time made up from its midnight ("00:00", or "01:00" in summer)."""
    today = clock.now().astimezone(zone).date()

    def when(moment: datetime | None, style: str = "full", *, date_only: bool = False) -> str:
        if moment is None:
            return "never"
        if date_only:
            return "" if style == "time" else day_of(moment)
        local = moment.astimezone(zone)
        day = f"{local.day} {local:%b %Y}"
        if style == "short" and today - local.date() in _RECENT:
            day = _RECENT[today - local.date()]
            return f"{day} at {local:%H:%M}"
        return {"date": day, "time": f"{local:%H:%M}"}.get(style, f"{day}, {local:%H:%M}")

    return when


def day_of(moment: datetime) -> str:
    """The day a date-only transaction carries: its date as the bank gave it (UTC)."""
    day = moment.astimezone(UTC)
    return f"{day.day} {day:%b %Y}"


def label(value: str | None) -> str:
    return value.replace("_", " ").capitalize() if value else ""
