"""Safe to spend: how much is really the user's until the next payday.

**Safe to spend** (:func:`safe_to_spend`) is cash now minus everything
committed before the next payday:

* cash: the current accounts' balances, plus the pots the user included
  (pots are excluded unless included);
* minus every outgoing :class:`~potwise.domain.cashevents.CashEvent` dated
  before the next payday (confirmed bills, planned expenses, instalments,
  card repayments), overdue ones included. The window is ``[today,
  next_payday)``: a bill due **on** payday is paid from the new pay and is
  not subtracted. Money expected in before payday is not counted: it is
  not the user's until it arrives;
* plus, for card repayments due in the window, what pots not counted as
  cash already hold for them (``card_cover``), up to what is due - so a
  card-pot rule's money is not subtracted twice;
* minus what the user chose to set aside.

The breakdown lists each of these as a line and sums exactly to the
amount. The arranged overdraft is reported as a cushion, never added; the
cards' total owed is reported, never subtracted beyond the repayments due.

Per day until payday: ``days = (next_payday - today).days`` (today counts,
payday does not). ``per_day = max(amount, 0) // days`` and
``per_day_remainder = amount - per_day * days``, so ``per_day * days +
per_day_remainder == amount`` exactly; no penny is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from potwise.domain.cashevents import CashEvent, EventKind
from potwise.domain.cashflow.inputs import AccountBalance, InvalidHorizon, PotBalance, SetAside

__all__ = ["BreakdownLine", "SafeToSpend", "safe_to_spend"]


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    """One line of the safe-to-spend sum: ``kind`` is cash, pot, commitment, planned,
    instalment, card_repayment, card_cover or set_aside."""

    label: str
    amount: int
    kind: str
    on: date | None = None
    ref: str = ""


@dataclass(frozen=True, slots=True)
class SafeToSpend:
    """The answer, its exact breakdown, the per-day figure and what is shown beside it."""

    amount: int
    currency: str
    today: date
    next_payday: date
    breakdown: tuple[BreakdownLine, ...]
    days_to_payday: int
    per_day: int
    per_day_remainder: int
    overdraft_cushion: int
    cards_owed: int
    card_cover_used: int


def _fmt_day(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def safe_to_spend(
    *,
    today: date,
    next_payday: date,
    accounts: Sequence[AccountBalance],
    pots: Sequence[PotBalance] = (),
    events: Iterable[CashEvent] = (),
    set_asides: Sequence[SetAside] = (),
    card_cover: int = 0,
    cards_owed: int = 0,
    currency: str = "GBP",
) -> SafeToSpend:
    """How much is the user's to spend until ``next_payday`` (see the module docstring).

    ``card_cover`` is what pots that are *not* included hold for card
    repayments; ``cards_owed`` the total owed on cards, shown beside the
    answer.
    """
    if next_payday <= today:
        raise InvalidHorizon("the next payday must be after today")
    lines: list[BreakdownLine] = [
        BreakdownLine(a.name, a.balance, "cash", ref=a.id)
        for a in sorted(accounts, key=lambda a: (a.name, a.id))
    ]
    lines.extend(
        BreakdownLine(f"{p.name} pot", p.balance, "pot", ref=p.id)
        for p in sorted(pots, key=lambda p: (p.name, p.id))
        if p.included
    )
    due = sorted(
        (e for e in events if e.amount < 0 and e.on < next_payday),
        key=lambda e: (e.on, e.kind.value, e.label, e.ref, e.amount),
    )
    card_due = 0
    for event in due:
        label = f"{event.label} ({_fmt_day(event.on)})"
        lines.append(BreakdownLine(label, event.amount, event.kind.value, event.on, event.ref))
        if event.kind is EventKind.CARD_REPAYMENT:
            card_due -= event.amount
    cover = min(max(card_cover, 0), card_due)
    if cover:
        lines.append(BreakdownLine("Card repayments covered by pots", cover, "card_cover"))
    lines.extend(BreakdownLine(s.label, -s.amount, "set_aside") for s in set_asides)
    amount = sum(line.amount for line in lines)
    days = (next_payday - today).days
    per_day = max(amount, 0) // days
    return SafeToSpend(
        amount=amount,
        currency=currency,
        today=today,
        next_payday=next_payday,
        breakdown=tuple(lines),
        days_to_payday=days,
        per_day=per_day,
        per_day_remainder=amount - per_day * days,
        overdraft_cushion=sum(max(a.overdraft_limit, 0) for a in accounts),
        cards_owed=cards_owed,
        card_cover_used=cover,
    )
