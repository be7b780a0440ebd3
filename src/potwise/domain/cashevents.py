"""Dated money movements that the forecast and safe to spend add up.

Commitments, planned expenses, instalments, credit-card repayments and
what a credit-card pot gives back when its card is repaid all become
:class:`CashEvent` s: a local date, signed pence from the user's
point of view (negative: money leaves), a label people can read, what
produced it and which current account it hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["CashEvent", "EventKind", "PlannedItem", "planned_events"]


class EventKind(StrEnum):
    COMMITMENT = "commitment"
    INCOME = "income"
    PLANNED = "planned"
    INSTALMENT = "instalment"
    CARD_REPAYMENT = "card_repayment"
    #: A credit-card pot giving back what it held once the card it covers is repaid.
    CARD_COVER = "card_cover"


@dataclass(frozen=True, slots=True)
class CashEvent:
    """Money expected to move on ``on`` (in the user's time zone).

    ``account_id`` empty means "the main current account" (the caller's
    choice). ``ref`` points back to what produced it (a commitment key, a
    plan id, a card id).
    """

    on: date
    amount: int
    label: str
    kind: EventKind
    account_id: str = ""
    ref: str = ""
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """A one-off planned expense (negative) or income (positive) on a date."""

    id: str
    label: str
    on: date
    amount: int
    account_id: str = ""
    currency: str = "GBP"


def planned_events(items: list[PlannedItem] | tuple[PlannedItem, ...]) -> list[CashEvent]:
    """The planned items as cash events, in date order."""
    events = [
        CashEvent(i.on, i.amount, i.label, EventKind.PLANNED, i.account_id, i.id, i.currency)
        for i in items
    ]
    return sorted(events, key=lambda e: (e.on, e.ref))
