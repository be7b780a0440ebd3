"""Cash events the sums need besides the stored ones: the commitments' dates, and what
a credit-card pot gives back when the card it covers is repaid."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.cashevents import CashEvent, EventKind
from potwise.domain.merchants import bill_name
from potwise.domain.recurring import DetectedCommitment, commitment_dates

__all__ = ["CardCover", "card_cover_events", "commitment_events"]


def commitment_events(
    commitments: Iterable[DetectedCommitment],
    today: date,
    until: date,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[CashEvent]:
    """Cash events for the (confirmed) commitments' dates in ``[today, until]``, overdue
    next dates included; stopped commitments give none."""
    out: list[CashEvent] = []
    for c in commitments:
        kind = EventKind.INCOME if c.amount > 0 else EventKind.COMMITMENT
        label = bill_name(c.payee, c.description, typed=c.typed)
        out.extend(
            CashEvent(on, c.amount, label, kind, c.account_id, c.key, c.currency)
            for on in commitment_dates(c, today, until, calendar, overdue=True)
        )
    return sorted(out, key=lambda e: (e.on, e.ref))


@dataclass(frozen=True, slots=True)
class CardCover:
    """A pot kept to repay cards (a credit-card pot rule's pot, not counted as cash):
    what it holds, the cards it is kept for and the current account it belongs to."""

    pot_id: str
    label: str
    balance: int
    card_ids: frozenset[str]
    account_id: str = ""


def card_cover_events(events: Iterable[CashEvent], covers: Iterable[CardCover]) -> list[CashEvent]:
    """What credit-card pots give back to the current account when their cards are repaid.

    A credit-card pot rule keeps the pot equal to what the card owes, so the
    money for what is owed now has already left the current account; when
    the repayment goes out, the card owes less and the rule withdraws the
    excess the same day. Each covered card repayment among ``events`` is
    therefore met by money coming back from the pot, in date order, up to
    what the pot holds now (never more than the repayment). Without this
    the forecast would take the same money out twice.
    """
    repayments = sorted(
        (e for e in events if e.kind is EventKind.CARD_REPAYMENT and e.amount < 0),
        key=lambda e: (e.on, e.ref, e.amount, e.label),
    )
    uncovered = [-e.amount for e in repayments]
    out: list[CashEvent] = []
    for cover in sorted(covers, key=lambda c: c.pot_id):
        left = max(cover.balance, 0)
        for index, event in enumerate(repayments):
            if left <= 0:
                break
            if event.ref not in cover.card_ids or uncovered[index] <= 0:
                continue
            back = min(left, uncovered[index])
            left -= back
            uncovered[index] -= back
            out.append(
                CashEvent(
                    event.on,
                    back,
                    f"{cover.label} pot pays {event.label.removesuffix(' repayment')}",
                    EventKind.CARD_COVER,
                    cover.account_id or event.account_id,
                    cover.pot_id,
                    event.currency,
                )
            )
    return sorted(out, key=lambda e: (e.on, e.ref))
