"""The card pot in a backtest: the cards' owed path rebuilt from their mirrored
transactions, and the rule asked when it would have been.

Each card's posted balance at the period's start is given (the caller walked it
back); a settled transaction moves it at its ``created_at`` (spending posts, a
repayment comes in), and one still pending now is pending from its ``created_at``
on. The rule decides when it is switched on (the period's start: it brings the pot
in line with what is owed), whenever a card's transaction appears, when a cooldown
it started ends, and, while it waits for funds, after every credit on the current
account. Its state is carried from one decision to the next.

What the history cannot show: pending stages of charges that have since posted (the
mirror keeps the posted row), and repayments on their way that the live rule counts
before the card shows them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import datetime
from itertools import accumulate

from potwise.domain.backtest.history import CardHistory, History, InvalidHistory, Posting
from potwise.domain.backtest.replay import Kind, Step, View
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.rules import cardpot
from potwise.domain.rules.moves import Direction, Move

__all__ = ["CardPotKind"]

_REASONS = {
    cardpot.Action.DEPOSIT: "Card pot: covers what the cards owe",
    cardpot.Action.WITHDRAW: "Card pot: gives back what the cards no longer owe",
}


class _CardPath:
    """One card's balance, pending charges and recent posted transactions at any moment."""

    def __init__(self, card: CardHistory) -> None:
        self.card = card
        settled = [t for t in card.transactions if t.status is TransactionStatus.SETTLED]
        settled.sort(key=lambda t: t.created_at)
        self.settled = settled
        self.settled_at = [t.created_at for t in settled]
        self.sums = [0, *accumulate(t.amount for t in settled)]
        self.pending = sorted(
            (t for t in card.transactions if t.status is TransactionStatus.PENDING),
            key=lambda t: t.created_at,
        )

    def times(self) -> Iterator[datetime]:
        for t in self.card.transactions:
            yield t.created_at

    def at(self, when: datetime) -> cardpot.CardSnapshot:
        card = self.card
        upto = bisect_right(self.settled_at, when)
        since = bisect_left(self.settled_at, when - cardpot.SEEN_RETENTION)
        pending: tuple[BankTransaction, ...] = tuple(
            t for t in self.pending if t.created_at <= when
        )
        return cardpot.CardSnapshot(
            account_id=card.account_id,
            provider_id=card.provider_id,
            currency=card.currency,
            balance=card.balance + self.sums[upto],
            pending=pending,
            posted=tuple(self.settled[since:upto]),
            name=card.name,
            credit_limit=card.credit_limit,
        )


class CardPotKind(Kind):
    """A card-pot rule over the cards of the history."""

    def __init__(self, config: cardpot.CardPotConfig, history: History) -> None:
        by_id = {c.account_id: c for c in history.cards}
        missing = [i for i in config.card_account_ids if i not in by_id]
        if missing:
            raise InvalidHistory(f"no history for the rule's card(s): {', '.join(missing)}")
        self.config = config
        self.history = history
        self.paths = [_CardPath(by_id[i]) for i in config.card_account_ids]
        self.state: cardpot.CardPotState | None = None
        self.waiting = False

    def wakes(self) -> Iterator[datetime]:
        yield self.history.start
        for path in self.paths:
            yield from path.times()

    def after(self, posting: Posting, view: View) -> Step | None:
        return self._decide(view) if self.waiting and posting.amount > 0 else None

    def at(self, when: datetime, view: View) -> Step:
        return self._decide(view)

    def later(self) -> datetime | None:
        state = self.state
        return None if state is None or state.cooldown is None else state.cooldown.until

    def _decide(self, view: View) -> Step:
        config, currency = self.config, self.history.currency
        decision = cardpot.decide_card_pot(
            config,
            cards=[path.at(view.now) for path in self.paths],
            pot=cardpot.PotSnapshot(config.pot_id, view.pot(config.pot_id), currency),
            current=cardpot.CurrentAccountSnapshot(max(0, view.available), currency),
            moved_today=view.deposited_today,
            state=self.state,
            now=view.now,
            tz=self.history.tz,
        )
        if decision.new_state is not None:
            self.state = decision.new_state
        self.waiting = decision.phase is cardpot.Phase.WAITING_FUNDS
        if decision.action is cardpot.Action.NONE:
            return Step((), "", decision.capped, self.waiting)
        move = Move(
            config.pot_id,
            Direction(decision.action.value),
            decision.amount,
            _REASONS[decision.action],
        )
        return Step((move,), decision.explanation, decision.capped, self.waiting)
