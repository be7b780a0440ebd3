"""How the bank mirror reads on its pages: providers' and banks' names, the words for a
connection's and a sync's status, and times in the user's own zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from potwise import clock
from potwise.services import connections

PROVIDER_NAMES = {"monzo": "Monzo", "truelayer": "Open Banking (TrueLayer)"}
# The Open Banking providers offered in the connect form; "" lets the user pick.
OPEN_BANKING_CHOICES = (
    ("", "Any UK bank or card"),
    ("ob-amex", "American Express"),
    ("uk-ob-barclaycard", "Barclaycard"),
    ("ob-natwest", "NatWest"),
)
BANK_NAMES = {value: name for value, name in OPEN_BANKING_CHOICES if value}

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


def formatter(zone: ZoneInfo) -> Callable[..., str]:
    """`when(dt)` → "3 Nov 2026, 14:05" in the user's zone; "never" for None."""
    today = clock.now().astimezone(zone).date()

    def when(moment: datetime | None, style: str = "full") -> str:
        if moment is None:
            return "never"
        local = moment.astimezone(zone)
        day = f"{local.day} {local:%b %Y}"
        if style == "date":
            return day
        if style == "time":
            return f"{local:%H:%M}"
        if style == "short":
            if local.date() == today:
                return f"today at {local:%H:%M}"
            if local.date() == today - timedelta(days=1):
                return f"yesterday at {local:%H:%M}"
        return f"{day}, {local:%H:%M}"

    return when


def label(value: str | None) -> str:
    return value.replace("_", " ").capitalize() if value else ""
