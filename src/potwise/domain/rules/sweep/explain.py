"""The plain-English explanation of a sweep decision, its notice and its status line.

One function per reason writes the sentence; every amount is the one the decision
used, written as the card pot writes amounts (``£1,320.45``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final
from zoneinfo import ZoneInfo

from potwise.domain.rules.sweep.inputs import SweepConfig, SweepInputs
from potwise.domain.rules.sweep.model import Outcome, Reason, Schedule
from potwise.domain.rules.wording import day, fmt, holds, limit_name, pot_called, when

__all__ = ["Words", "explain", "move_reason", "notice", "status"]

_DAY = timedelta(days=1)
_WEEKDAYS: Final = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)


@dataclass(frozen=True, slots=True)
class Words:
    """What a sentence needs: the outcome, the config, the inputs and the user's zone."""

    outcome: Outcome
    config: SweepConfig
    inputs: SweepInputs
    zone: ZoneInfo

    def money(self, pence: int) -> str:
        return fmt(pence, self.inputs.currency)

    @property
    def holds(self) -> str:
        return f"the current account {holds(self.inputs.available, self.inputs.currency)}"

    @property
    def keeps(self) -> str:
        """``its threshold of £1,000.00 and £200.45 for bills due before payday on …``."""
        text = f"its threshold of {self.money(self.config.threshold)}"
        if not self.config.keep_for_bills:
            return text
        payday = self.inputs.next_payday
        before = "before payday" if payday is None else f"before payday on {day(payday)}"
        if self.outcome.bills_kept == 0:
            return f"{text}, with no bills due {before}"
        return f"{text} and {self.money(self.outcome.bills_kept)} for bills due {before}"

    @property
    def step(self) -> str:
        """What the rule rounds to, after "rounded down to"."""
        if self.config.round_to == 100 and self.inputs.currency == "GBP":
            return "whole pounds"
        return f"a multiple of {self.money(self.config.round_to)}"


def _swept(w: Words) -> str:
    out = w.outcome
    text = (
        f"{w.money(out.amount)} into {pot_called(w.inputs.pot_name)}: {w.holds} and keeps {w.keeps}"
    )
    if out.rounded != out.surplus:
        text += f"; rounded down to {w.step}"
    if out.limited is not None and out.limited.capped:
        limit = limit_name(
            out.limited, w.config.max_transfer, w.config.max_per_day, w.inputs.currency
        )
        text += (
            f"; capped by {limit}, so the other {w.money(out.rounded - out.amount)} "
            "stays in the current account until the next sweep"
        )
    return text + "."


def _threshold_met(w: Words) -> str:
    return f"Nothing to sweep: {w.holds}, exactly {w.keeps}."


def _below_threshold(w: Words) -> str:
    short = w.money(-w.outcome.surplus)
    return f"Nothing to sweep: {w.holds}, {short} less than it keeps ({w.keeps})."


def _less_than_round(w: Words) -> str:
    return (
        f"Nothing to sweep: {w.holds}, only {w.money(w.outcome.surplus)} above what it keeps "
        f"({w.keeps}), and sweeps are rounded down to {w.step}."
    )


def _daily_limit_reached(w: Words) -> str:
    return (
        f"Nothing moves: {w.money(w.outcome.rounded)} is above what the current account keeps, "
        f"but today's limit of {w.money(w.config.max_per_day)} is used up "
        f"({w.money(w.inputs.moved_today)} moved today)."
    )


def _not_due(w: Words) -> str:
    if w.config.schedule is Schedule.BEFORE_PAYDAY:
        return _not_due_before_payday(w)
    upcoming = w.outcome.upcoming
    if upcoming is None:  # not reached: a daily or weekly sweep always has a next slot
        return "Not time yet."
    today = w.inputs.now.astimezone(w.zone).date()
    next_at = when(upcoming, w.inputs.now, w.zone)
    weekday = w.config.weekday
    if weekday is not None and weekday != today.weekday():
        return f"Not time yet: this sweep runs on {_WEEKDAYS[weekday]}; the next is at {next_at}."
    if upcoming.astimezone(w.zone).date() != today:
        return f"Today's sweep is done; the next is at {next_at}."
    return f"Not time yet: the next sweep is at {next_at}."


def _not_due_before_payday(w: Words) -> str:
    """Not due, for a sweep the day before a payday the inputs give."""
    payday, upcoming = w.inputs.next_payday, w.outcome.upcoming
    if payday is None:  # not reached: a sweep without a payday is "no_payday"
        return _no_payday(w)
    if payday - _DAY < w.inputs.now.astimezone(w.zone).date():
        return (
            f"Nothing moves: payday on {day(payday)} has passed, and the next sweep "
            "waits for the next payday to be known."
        )
    if upcoming is None:
        return (
            f"Today's sweep is done; the next is on the day before the payday after {day(payday)}."
        )
    return (
        f"Not time yet: the next sweep is at {when(upcoming, w.inputs.now, w.zone)}, "
        f"the day before payday on {day(payday)}."
    )


def _no_payday(w: Words) -> str:
    return (
        "Nothing moves: this sweep runs the day before payday, and payday is not known yet. "
        "Set your payday, or wait for your salary to be detected."
    )


def _pot_deleted(w: Words) -> str:
    return (
        f"{w.inputs.pot_name or 'The pot'} was deleted in the Monzo app, "
        "so the sweep is paused and nothing moved."
    )


_SENTENCES: Final[dict[Reason, Callable[[Words], str]]] = {
    Reason.SWEPT: _swept,
    Reason.CAPPED_BY_LIMIT: _swept,
    Reason.THRESHOLD_MET: _threshold_met,
    Reason.BELOW_THRESHOLD: _below_threshold,
    Reason.LESS_THAN_ROUND: _less_than_round,
    Reason.DAILY_LIMIT_REACHED: _daily_limit_reached,
    Reason.NOT_DUE: _not_due,
    Reason.NO_PAYDAY: _no_payday,
    Reason.POT_DELETED: _pot_deleted,
}


def explain(words: Words) -> str:
    """The decision's explanation: one or two plain sentences with its numbers."""
    return _SENTENCES[words.outcome.reason](words)


def notice(words: Words) -> str | None:
    """A notice to leave the user now: only when the pot was deleted."""
    if words.outcome.reason is not Reason.POT_DELETED:
        return None
    name = words.inputs.pot_name
    pot = f"The pot {name}" if name else "The sweep's pot"
    return (
        f"{pot} was deleted in the Monzo app, so the sweep into it is paused. "
        "Choose another pot for it to start again."
    )


def status(words: Words) -> str | None:
    """The rule's status line: when it sweeps next, or what it waits for."""
    reason = words.outcome.reason
    if reason is Reason.POT_DELETED:
        return "the pot was deleted"
    if reason is Reason.NO_PAYDAY:
        return "waiting for a payday to be known"
    upcoming = words.outcome.upcoming
    if upcoming is None:
        return None
    return f"next sweep at {when(upcoming, words.inputs.now, words.zone)}"


def move_reason(config: SweepConfig, currency: str) -> str:
    """The short reason shown beside the transfer."""
    return f"Sweep above {fmt(config.threshold, currency)}"
