"""How automations read on their pages: the words for kinds, runs, transfers and
triggers, and times in the user's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from potwise import clock
from potwise.db.models import AutomationRun
from potwise.services.connections import ConnectionsContext

KIND_NAMES = {
    "card_pot": "Credit-card pot",
    "sweep": "Sweep",
    "autosort": "Salary sorter",
    "topup": "Auto top-up",
    "goal": "Savings goal",
}
#: The kinds a new rule can be, in the order the choice lists them, with what each does.
KINDS_OFFERED = (
    (
        "card_pot",
        "Keeps a pot equal to what you owe on your credit cards, so the statement is "
        "always covered.",
    ),
    (
        "sweep",
        "Moves what is above an amount you choose in your current account into a pot: "
        "every day, once a week, or the day before payday.",
    ),
    (
        "autosort",
        "When your pay arrives, shares it out to pots in steps: fixed amounts, "
        "percentages, the bills due before payday, the rest.",
    ),
    (
        "topup",
        "When your current account falls below a floor, brings it back up with money from a pot.",
    ),
    (
        "goal",
        "Saves toward a target by a date in a pot, showing how far you are and what it "
        "needs a month; it can add a monthly share on payday.",
    ),
)
RUN_LABELS = {
    "moved": "Moved money",
    "nothing": "Nothing to move",
    "skipped": "Skipped",
    "failed": "Failed",
    "preview": "Preview",
    "running": "Running",
    "unknown": "Outcome unknown",
}
TRANSFER_LABELS = {
    "planned": "Planned",
    "sent": "Sent",
    "confirmed": "Done",
    "failed": "Failed",
    "unknown": "Checking with Monzo",
}
DIRECTION_LABELS = {"deposit": "Into the pot", "withdraw": "Out of the pot"}
#: What set a run off, in words that follow "Last run ... ·".
TRIGGER_LABELS = {
    "manual": "when you pressed Run now",
    "preview": "when you asked for a preview",
    "sync": "after a sync of your accounts",
    "webhook": "after a new Monzo transaction",
    "schedule": "on the clock",
    "cli": "from the command line",
}
#: Which Monzo transaction set a "webhook" run off (`triggers.CAUSES`).
CAUSE_LABELS = {
    "pot_deposit": "after your pot deposit",
    "pot_withdrawal": "after money came out of your pot",
    "money_in": "after money came in",
    "card_purchase": "after a card purchase",
    "payment_out": "after a payment left your account",
}


def why_run(run: AutomationRun) -> str:
    """What set `run` off, in words: "after a card purchase", "on the clock"..."""
    if run.cause and run.cause in CAUSE_LABELS:
        return CAUSE_LABELS[run.cause]
    return TRIGGER_LABELS.get(run.trigger, label(run.trigger).lower())


def context_of(request: Request) -> ConnectionsContext:
    ctx: ConnectionsContext = request.app.state.connections
    return ctx


def label(value: str | None) -> str:
    return value.replace("_", " ").capitalize() if value else ""


def when_for(zone: ZoneInfo) -> Any:
    today = clock.now().astimezone(zone).date()

    def when(moment: datetime | None, style: str = "full") -> str:
        if moment is None:
            return "never"
        local = moment.astimezone(zone)
        if style == "time":
            return f"{local:%H:%M}"
        if local.date() == today:
            return f"today at {local:%H:%M}"
        return f"{local.day} {local:%b %Y}, {local:%H:%M}"

    return when


def display_helpers(zone: ZoneInfo) -> dict[str, Any]:
    return {
        "when": when_for(zone),
        "label": label,
        "kind_names": KIND_NAMES,
        "run_labels": RUN_LABELS,
        "transfer_labels": TRANSFER_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "trigger_labels": TRIGGER_LABELS,
        "why_run": why_run,
    }
