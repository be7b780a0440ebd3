"""The plain-English explanation of a top-up decision, its notice and its status line.

One function per reason writes the sentence; every amount is the one the decision
used, written as the card pot writes amounts (``£1,320.45``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from potwise.domain.rules.topup.inputs import TopupConfig, TopupInputs
from potwise.domain.rules.topup.model import Outcome, Reason
from potwise.domain.rules.topup.state import TopupState
from potwise.domain.rules.wording import fmt, holds, limit_name, pot_called, when

__all__ = ["Words", "explain", "move_reason", "notice", "status"]


@dataclass(frozen=True, slots=True)
class Words:
    """What a sentence needs: the outcome, the config, the inputs, the state before
    the decision and the user's zone."""

    outcome: Outcome
    config: TopupConfig
    inputs: TopupInputs
    prior: TopupState
    zone: ZoneInfo

    def money(self, pence: int) -> str:
        return fmt(pence, self.inputs.currency)

    def at(self, instant: datetime) -> str:
        """``20:02 today`` or ``20:02 on Sat 26 Dec``."""
        return when(instant, self.inputs.now, self.zone)

    @property
    def pot(self) -> str:
        return pot_called(self.inputs.pot_name)

    @property
    def holds(self) -> str:
        return f"the current account {holds(self.inputs.available, self.inputs.currency)}"

    @property
    def below(self) -> str:
        return f"{self.holds}, below its floor of {self.money(self.config.floor)}"

    @property
    def gives(self) -> str:
        """What the pot had to give: ``only £30.00 above its floor of £20.00``."""
        can_give = self.money(self.outcome.can_give)
        if self.config.pot_floor == 0:
            return f"only {can_give}"
        return f"only {can_give} above its floor of {self.money(self.config.pot_floor)}"

    @property
    def needs(self) -> str:
        out, target = self.outcome, self.money(self.config.target)
        return f"{self.below}, and needs {self.money(out.need)} to reach its target of {target}"


def _topped_up(w: Words) -> str:
    return (
        f"{w.money(w.outcome.amount)} from {w.pot}: {w.below}; this brings it to its "
        f"target of {w.money(w.config.target)}."
    )


def _partly_topped_up(w: Words) -> str:
    return f"{w.money(w.outcome.amount)} from {w.pot}: {w.needs}, but {w.pot} had {w.gives}."


def _capped_by_limit(w: Words) -> str:
    out = w.outcome
    rest = min(out.need, out.can_give) - out.amount
    limit = "the limits"
    if out.limited is not None:
        limit = limit_name(
            out.limited, w.config.max_transfer, w.config.max_per_day, w.inputs.currency
        )
    text = f"{w.money(out.amount)} from {w.pot}: {w.needs}"
    if out.short:
        text += f" ({w.pot} has {w.gives})"
    return text + f"; capped by {limit}, so the other {w.money(rest)} waits for the next top-up."


def _daily_limit_reached(w: Words) -> str:
    return (
        f"Nothing moves: {w.below}, but today's limit of {w.money(w.config.max_per_day)} "
        f"is used up ({w.money(w.inputs.moved_today)} moved today)."
    )


def _above_floor(w: Words) -> str:
    where = "at" if w.inputs.available == w.config.floor else "above"
    return f"Nothing to top up: {w.holds}, {where} its floor of {w.money(w.config.floor)}."


def _cooldown(w: Words) -> str:
    hours, until = w.config.cooldown_hours, w.outcome.until
    if until is None:  # not reached: a cooldown has an end
        return f"Nothing moves yet: {w.below}, but a top-up's cooldown is in force."
    return (
        f"Nothing moves yet: {w.below}, but {w.pot} topped it up at "
        f"{w.at(until - w.config.cooldown)}; no other top-up until {w.at(until)} "
        f"(the {hours}-hour cooldown keeps a sweep and a top-up from moving the same money "
        "back and forth)."
    )


def _pot_short(w: Words) -> str:
    balance = w.money(w.inputs.pot_balance)
    if w.config.pot_floor == 0:
        return f"Nothing moves: {w.below}, but {w.pot} is empty."
    return (
        f"Nothing moves: {w.below}, but {w.pot} holds {balance}, nothing above its floor "
        f"of {w.money(w.config.pot_floor)} to give."
    )


def _pot_deleted(w: Words) -> str:
    return (
        f"{w.inputs.pot_name or 'The pot'} was deleted in the Monzo app, "
        "so the top-up is paused and nothing moved."
    )


_SENTENCES: Final[dict[Reason, Callable[[Words], str]]] = {
    Reason.TOPPED_UP: _topped_up,
    Reason.PARTLY_TOPPED_UP: _partly_topped_up,
    Reason.CAPPED_BY_LIMIT: _capped_by_limit,
    Reason.DAILY_LIMIT_REACHED: _daily_limit_reached,
    Reason.ABOVE_FLOOR: _above_floor,
    Reason.COOLDOWN: _cooldown,
    Reason.POT_SHORT: _pot_short,
    Reason.POT_DELETED: _pot_deleted,
}


def explain(words: Words) -> str:
    """The decision's explanation: one or two plain sentences with its numbers."""
    return _SENTENCES[words.outcome.reason](words)


def notice(words: Words) -> str | None:
    """A notice to leave the user now: the pot was deleted, or a shortage began (told
    once: only when the stored state was not waiting already)."""
    out, name = words.outcome, words.inputs.pot_name
    if out.reason is Reason.POT_DELETED:
        pot = f"The pot {name}" if name else "The top-up's pot"
        return (
            f"{pot} was deleted in the Monzo app, so the top-up from it is paused. "
            "Choose another pot for it to start again."
        )
    if not out.short or words.prior.waiting_since is not None:
        return None
    if out.reason is Reason.DAILY_LIMIT_REACHED:
        return None  # told when money can move again and the pot is still short
    start = f"Your current account {holds(words.inputs.available, words.inputs.currency)}"
    floor = words.money(words.config.floor)
    if out.can_give == 0:
        return (
            f"{start}, below its floor of {floor}, and {words.pot} has nothing above its "
            "own floor to give. potwise will top up once there is money in the pot."
        )
    moved = f" {words.money(out.amount)} came from it now." if out.amount else ""
    return (
        f"{start}, below its floor of {floor}, and {words.pot} has {words.gives} to give, "
        f"{words.money(out.need - out.can_give)} short of the {words.money(out.need)} the "
        f"current account needs to reach its target of {words.money(words.config.target)}."
        f"{moved}"
    )


def status(words: Words) -> str | None:
    """The rule's status line: a cooldown's end, or what the rule waits for."""
    out = words.outcome
    if out.reason is Reason.POT_DELETED:
        return "the pot was deleted"
    if out.reason is Reason.POT_SHORT:
        return f"waiting for money in {words.pot}"
    if out.reason is Reason.DAILY_LIMIT_REACHED:
        return "today's limit is used up"
    if out.until is not None:
        return f"no other top-up until {words.at(out.until)}"
    return None


def move_reason(config: TopupConfig, currency: str) -> str:
    """The short reason shown beside the transfer."""
    return f"Top-up to {fmt(config.target, currency)}"
