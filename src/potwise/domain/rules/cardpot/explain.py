"""The card-pot decision's explanation: plain English written from a :class:`Story`.

A decision records which situation it was in and the figures its sentences
quote (a :class:`Story`); the text is written only when someone reads
``CardPotDecision.explanation``, so deciding stays cheap for callers that do
not show it. Amounts and times are written as ``formats`` writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Final, NamedTuple

from potwise.domain.cards import CardIssuer, display_name
from potwise.domain.rules.cardpot.formats import fmt, local_time
from potwise.domain.rules.cardpot.model import Reason, Situation

if TYPE_CHECKING:
    from potwise.domain.rules.cardpot.inputs import (
        CardPotConfig,
        CurrentAccountSnapshot,
        PotSnapshot,
    )
    from potwise.domain.rules.cardpot.situations import Plan
    from potwise.domain.rules.cardpot.spending import Reading, Rise, View
    from potwise.domain.rules.cardpot.state import CardPotState, Cooldown

__all__ = ["Story"]


# Module names for the members read on every explanation (an enum member read
# through its class is several times slower on Python 3.11).
_POT_DELETED: Final = Situation.POT_DELETED
_DAILY_LIMIT_REACHED: Final = Reason.DAILY_LIMIT_REACHED
_INSUFFICIENT_FUNDS: Final = Reason.INSUFFICIENT_FUNDS
_CAPPED_BY_LIMIT: Final = Reason.CAPPED_BY_LIMIT
_AMEX: Final = CardIssuer.AMEX
_BARCLAYCARD: Final = CardIssuer.BARCLAYCARD
_LLOYDS: Final = CardIssuer.LLOYDS_GROUP


class Story(NamedTuple):
    """What a decision's explanation is written from: the situation's plan, what the
    limits or the current account then did (``limit``, ``None``: nothing; ``amount``:
    the move), the cards as read and the decision's inputs. Everything here is
    immutable, so a text rendered later is the text the decision would have written
    at once."""

    plan: Plan
    limit: Reason | None
    amount: int
    reading: Reading
    config: CardPotConfig
    pot: PotSnapshot
    current: CurrentAccountSnapshot
    moved_today: int
    prior: CardPotState | None
    now: datetime
    tz: str

    def render(self) -> str:
        """The plain-English explanation of the decision this story records."""
        currency = self.pot.currency
        reading = self.reading
        cards = _describe_cards(reading[2], reading[0], currency)
        situation = self.plan[0]
        if situation is _POT_DELETED:
            return f"{cards}; the pot was deleted in the Monzo app → paused, nothing moved"
        clause = _CLAUSES[situation](self) + _limit_clause(self)
        return f"{cards}; pot holds {fmt(self.pot.balance, currency)}; {clause}"

    # The figures the sentences quote.

    @property
    def gap(self) -> int:
        """The shortfall (negative: the pot holds more than is owed)."""
        return self.reading[0] - self.pot.balance

    @property
    def spending(self) -> int:
        return self.reading[1]

    @property
    def want(self) -> int:
        return self.plan[3]

    @property
    def fresh(self) -> int:
        return self.plan[4]

    @property
    def carried(self) -> int:
        return self.plan[5]

    @property
    def wait_from(self) -> datetime:
        """When the cooldown the situation speaks of started (``now`` if none)."""
        wait = self._wait
        return self.now if wait is None else wait.started_at

    @property
    def wait_until(self) -> datetime:
        """When the cooldown the situation speaks of ends (``now`` if none)."""
        wait = self._wait
        return self.now if wait is None else wait.until

    @property
    def _wait(self) -> Cooldown | None:
        """The cooldown in force after the decision, else the one before it."""
        cooldown = self.plan[6]
        if cooldown is None and self.prior is not None:
            return self.prior.cooldown
        return cooldown


# -- the situation ------------------------------------------------------------------------


def _short(story: Story) -> str:
    return fmt(story.gap, story.pot.currency) if story.gap > 0 else ""


def _withdraw(story: Story) -> str:
    surplus = fmt(-story.gap, story.pot.currency)
    clause = f"pot is {surplus} above what is owed"
    if story.prior is not None and story.prior.cooldown is not None:
        clause += "; the cooldown ends"
    clause += f" → withdraw {surplus}"
    return "first run: " + clause if story.prior is None else clause


def _first_in_sync(story: Story) -> str:
    return "first run: already in sync, nothing to move"


def _back_in_sync(story: Story) -> str:
    return "back in sync: the cooldown ends early"


def _in_sync(story: Story) -> str:
    return "in sync, nothing to move"


def _first_short(story: Story) -> str:
    short = _short(story)
    return f"first run: pot is {short} short → deposit {short}"


def _cooldown_expired(story: Story) -> str:
    short = _short(story)
    return (
        f"the cooldown ended at {local_time(story.wait_until, story.now, story.tz)}; "
        f"pot is {short} short now → deposit {short}"
    )


def _since(story: Story) -> str:
    """`` since 14:02``: when the rule last looked at the cards ("" on a first run)."""
    prior = story.prior
    return "" if prior is None else f" since {local_time(prior.recorded_at, story.now, story.tz)}"


def _spent(story: Story) -> str:
    """The new and the carried spending the deposit is for: the spending seen in
    transactions, then the cards' unexplained rises."""
    parts = []
    fresh, currency = story.fresh, story.pot.currency
    rises = story.reading[4]
    since = _since(story)
    if rises:
        seen = story.spending - sum(rise[2] for rise in rises)
        seen = min(seen, fresh)
        if seen > 0:
            parts.append(f"new spending of {fmt(seen, currency)}{since}")
        parts.append(_risen(rises, "" if seen > 0 else since, currency))
    elif fresh:
        parts.append(f"new spending of {fmt(fresh, currency)}{since}")
    if story.carried:
        parts.append(f"{fmt(story.carried, currency)} still to deposit from earlier runs")
    return " and ".join(parts)


def _risen(rises: tuple[Rise, ...], since: str, currency: str) -> str:
    """``Amex owes £45.67 more since 14:02 with no transactions seen yet: …``."""
    owes = " and ".join(
        f"{name or display_name(issuer)} owes {fmt(rise, currency)} more"
        for name, issuer, rise in rises
    )
    what = "it was" if len(rises) == 1 else "they were"
    return (
        f"{owes}{since} with no transactions seen yet: covered as spending "
        f"(the next card refresh shows what {what})"
    )


def _fell(story: Story) -> str:
    """What fell, as the reason for a cooldown: the pot below what the rule left
    in it, else a card's balance."""
    prior, pot = story.prior, story.pot
    left = None if prior is None else prior.pot_left
    if left is not None and pot.balance < left:
        return (
            f"the pot holds {fmt(left - pot.balance, pot.currency)} less than potwise left "
            "in it (a bill paid or money taken from the pot?)"
        )
    return "a card owes less than it did (a bill paid from the pot?)"


def _cooldown_deposit(story: Story) -> str:
    explained = story.fresh + story.carried
    clause = f"{_spent(story)} → deposit {fmt(explained, story.pot.currency)}"
    if explained < story.gap:
        return clause + (
            f"; waiting until {local_time(story.wait_until, story.now, story.tz)} for the other "
            f"{fmt(story.gap - explained, story.pot.currency)} (cooldown)"
        )
    return clause + "; the cooldown ends"


def _cooldown_waiting(story: Story) -> str:
    clause = f"pot is {_short(story)} short; cooldown"
    if story.spending and not story.config.override_cooldown_on_spending:
        clause += (
            f" (new spending of {fmt(min(story.spending, story.gap), story.pot.currency)} waits "
            "too: the override is off)"
        )
    return clause + (
        f" since {local_time(story.wait_from, story.now, story.tz)} → waiting until "
        f"{local_time(story.wait_until, story.now, story.tz)}"
    )


def _no_cooldown(story: Story) -> str:
    short = _short(story)
    clause = f"pot is {short} short"
    if story.fresh + story.carried:
        clause += f" ({_spent(story)})"
    return clause + f"; no cooldown is set → deposit {short}"


def _spending(story: Story) -> str:
    explained = story.fresh + story.carried
    clause = f"{_spent(story)} → deposit {fmt(explained, story.pot.currency)}"
    if story.gap > explained:
        clause += (
            f"; the other {fmt(story.gap - explained, story.pot.currency)} is not new spending "
            f"and {_fell(story)} → cooldown until "
            f"{local_time(story.wait_until, story.now, story.tz)}"
        )
    return clause


def _cover_shortfall(story: Story) -> str:
    short, currency = _short(story), story.pot.currency
    explained = story.fresh + story.carried
    prior = story.prior
    if prior is not None and prior.pot_left is not None:
        why = "neither the pot nor a card's balance fell, so no bill was paid from the pot"
    else:
        why = (
            "the rule's record, stored by an earlier version of potwise, does not say what "
            "the pot and the cards held, so it is read as spending (the pot holds at least "
            "what is owed)"
        )
    if explained:
        rest = fmt(story.gap - explained, currency)
        return f"{_spent(story)}; the other {rest} is not new spending but {why} → deposit {short}"
    return (
        f"pot is {short} short with no new card spending{_since(story)} but {why} → deposit {short}"
    )


def _cooldown_started(story: Story) -> str:
    return (
        f"pot is {_short(story)} short with no new card spending{_since(story)} "
        f"and {_fell(story)} → cooldown, waiting until "
        f"{local_time(story.wait_until, story.now, story.tz)} before topping up"
    )


_CLAUSES: Final[dict[Situation, Callable[[Story], str]]] = {
    Situation.WITHDRAW: _withdraw,
    Situation.FIRST_IN_SYNC: _first_in_sync,
    Situation.BACK_IN_SYNC: _back_in_sync,
    Situation.IN_SYNC: _in_sync,
    Situation.FIRST_SHORT: _first_short,
    Situation.COOLDOWN_EXPIRED: _cooldown_expired,
    Situation.COOLDOWN_DEPOSIT: _cooldown_deposit,
    Situation.COOLDOWN_WAITING: _cooldown_waiting,
    Situation.NO_COOLDOWN: _no_cooldown,
    Situation.SPENDING: _spending,
    Situation.COVER_SHORTFALL: _cover_shortfall,
    Situation.COOLDOWN_STARTED: _cooldown_started,
}


# -- what the limits did ------------------------------------------------------------------


def _limit_clause(story: Story) -> str:
    """What the limits or the current account did to the deposit ("": nothing)."""
    limit = story.limit
    if limit is None:
        return ""
    config, currency = story.config, story.pot.currency
    if limit is _DAILY_LIMIT_REACHED:
        return (
            f"; but today's limit of {fmt(config.max_per_day, currency)} is used up "
            f"({fmt(story.moved_today, currency)} moved today) → nothing moves until tomorrow"
        )
    if limit is _INSUFFICIENT_FUNDS:
        return (
            f"; but the current account has only {fmt(story.current.available, currency)} "
            "available → nothing moves (retrying every run)"
        )
    if limit is _CAPPED_BY_LIMIT:
        which = (
            f"the {fmt(config.max_transfer, currency)} per-transfer limit"
            if config.max_transfer <= config.max_per_day - story.moved_today
            else f"the {fmt(config.max_per_day, currency)} daily limit"
        )
        return (
            f"; capped by {which} → deposit {fmt(story.amount, currency)} now, "
            f"{fmt(story.want - story.amount, currency)} on later runs"
        )
    return ""


# -- the cards ----------------------------------------------------------------------------


def _describe_card(view: View, currency: str) -> str:
    name, issuer, owed, posted, pending_charges, pending_credits = view
    name = name or display_name(issuer)
    if issuer is _LLOYDS and owed != max(0, posted):
        text = f"{name} owes {fmt(owed, currency)} (credit limit minus available)"
    elif owed == 0 and posted < 0:
        text = f"{name} is {fmt(-posted, currency)} in credit and owes nothing"
    elif issuer is _AMEX and pending_charges:
        text = (
            f"{name} owes {fmt(owed, currency)} ({fmt(posted, currency)} "
            f"posted + {fmt(pending_charges, currency)} pending)"
        )
    elif issuer is _BARCLAYCARD and pending_charges:
        text = (
            f"{name} owes {fmt(owed, currency)} (pending "
            f"{fmt(pending_charges, currency)} already in the balance)"
        )
    else:
        text = f"{name} owes {fmt(owed, currency)}"
    if pending_credits and issuer is not _BARCLAYCARD:
        text += f" (pending credits of {fmt(pending_credits, currency)} count once posted)"
    return text


def _describe_cards(views: Iterable[View], target: int, currency: str) -> str:
    parts = [_describe_card(view, currency) for view in views]
    if len(parts) == 1:
        return parts[0]
    return "; ".join(parts) + f"; together {fmt(target, currency)}"
