"""The replay: the period walked in time order, the rule asked at the moments it would
have decided, its moves applied to simulated balances.

Each rule kind has a small adapter (a :class:`Kind`) that says when its rule
decides and builds its real decision's inputs from a :class:`View` of the
accounts at that moment: after a posting on the current account (``after``), at
instants of its own (``wakes``: a sweep's slots, the end of a day), or at an
instant its last decision asked for (``later``: a card pot's cooldown ending).
At one instant a posting comes before a decision, so the decision sees it.

The simulation is the history plus the rule's effect: a deposit takes money
from the current account and puts it in the pot, a withdrawal the reverse, and
everything the user really did stays as it was. What the rule moved is counted
per local day for its daily limit (the decisions cap their own moves), and each
kind carries its rule's state from one decision to the next, as the live rule
does. Nothing here reads a clock or does I/O.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from potwise.domain.backtest import notes
from potwise.domain.backtest.history import Calendar, History, InvalidHistory, Note, Posting
from potwise.domain.backtest.result import Backtest, BacktestMove, DayBalance, Lowest, Summary
from potwise.domain.rules.moves import Direction, Move, Phase, RuleDecision

__all__ = ["Kind", "Step", "View", "replay"]

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Step:
    """What a rule decided at one moment: its moves (maybe none) and its words."""

    moves: tuple[Move, ...]
    explanation: str
    capped: bool = False
    waiting: bool = False

    @classmethod
    def of(cls, decision: RuleDecision) -> Step:
        return cls(
            decision.moves,
            decision.explanation,
            decision.capped,
            decision.phase is Phase.WAITING_FUNDS,
        )


class View:
    """The accounts at one moment of the replay, the rule's moves included.

    ``available`` is the current account; ``pots`` the rule's pots by id;
    ``moved_today`` what the rule moved today (both ways), ``deposited_today`` the
    deposits alone (the card pot counts only those against its daily limit)."""

    __slots__ = (
        "available",
        "calendar",
        "deposited_today",
        "moved_today",
        "now",
        "pots",
        "today",
    )

    def __init__(
        self,
        *,
        now: datetime,
        today: date,
        available: int,
        pots: Mapping[str, int],
        moved_today: int,
        deposited_today: int,
        calendar: Calendar,
    ) -> None:
        self.now = now
        self.today = today
        self.available = available
        self.pots = pots
        self.moved_today = moved_today
        self.deposited_today = deposited_today
        self.calendar = calendar

    def pot(self, pot_id: str) -> int:
        """The pot's balance as a decision may read it (never below zero)."""
        return max(0, self.pots.get(pot_id, 0))

    @property
    def next_payday(self) -> date | None:
        return self.calendar.next_payday(self.today)

    @property
    def payday_today(self) -> bool:
        return self.calendar.is_payday(self.today)

    @property
    def bills_due(self) -> int:
        """What leaves the current account from now until the next payday."""
        return self.calendar.bills_due(self.now, self.today)


class Kind:
    """A rule kind's adapter. The defaults decide never; each kind overrides what it
    needs. ``floor`` is a top-up's floor, for the warnings."""

    floor: int | None = None

    def wakes(self) -> Iterable[datetime]:
        """The instants (UTC) the rule decides at on its own, in any order."""
        return ()

    def after(self, posting: Posting, view: View) -> Step | None:
        """The decision right after ``posting`` landed, or None when it is no moment
        for the rule."""
        return None

    def at(self, when: datetime, view: View) -> Step | None:
        """The decision at one of the rule's own instants."""
        return None

    def later(self) -> datetime | None:
        """An instant the rule's last decision asked to be woken at (a cooldown's end)."""
        return None

    def notes(self) -> Iterable[Note]:
        """What the kind could not know from the history, said once."""
        return ()


class _Walk:
    """The simulated accounts as the replay walks: the history's own balances and the
    rule's effect on them, day by day."""

    def __init__(self, history: History, calendar: Calendar) -> None:
        self.zone = history.zone
        self.calendar = calendar
        self.names = {p.pot_id: p.name for p in history.pots}
        self.actual = history.opening
        self.effect = 0
        self.pots_actual = {p.pot_id: p.balance for p in history.pots}
        self.pots_effect = dict.fromkeys(self.pots_actual, 0)
        self.day = history.start.astimezone(self.zone).date()
        self.low = self.low_without = history.opening
        self.moved_today = self.deposited_today = 0
        self.days: list[DayBalance] = []
        self.moves: list[BacktestMove] = []
        self.decisions = 0
        self.capped_days: set[date] = set()
        self.waiting_days: set[date] = set()
        self.pot_overdrawn: dict[str, date] = {}

    @property
    def current(self) -> int:
        return self.actual + self.effect

    def pot_balances(self) -> dict[str, int]:
        return {p: self.pots_actual[p] + self.pots_effect[p] for p in self.pots_actual}

    def to(self, at: datetime) -> None:
        """Close every day before the local date of ``at``."""
        local = at.astimezone(self.zone).date()
        while self.day < local:
            self._close()

    def _close(self) -> None:
        self.days.append(
            DayBalance(
                self.day,
                self.current,
                self.actual,
                self.low,
                self.low_without,
                self.pot_balances(),
            )
        )
        self.day += _DAY
        self.low, self.low_without = self.current, self.actual
        self.moved_today = self.deposited_today = 0

    def _marks(self) -> None:
        self.low = min(self.low, self.current)
        self.low_without = min(self.low_without, self.actual)
        for pot_id, balance in self.pot_balances().items():
            if balance < 0 and pot_id not in self.pot_overdrawn:
                self.pot_overdrawn[pot_id] = self.day

    def post(self, posting: Posting) -> None:
        self.actual += posting.amount
        pot_id = posting.pot_id
        if pot_id is not None and pot_id in self.pots_actual:
            self.pots_actual[pot_id] -= posting.amount
        self._marks()

    def view(self, at: datetime) -> View:
        return View(
            now=at,
            today=self.day,
            available=self.current,
            pots=self.pot_balances(),
            moved_today=self.moved_today,
            deposited_today=self.deposited_today,
            calendar=self.calendar,
        )

    def apply(self, step: Step, at: datetime) -> None:
        self.decisions += 1
        if step.capped:
            self.capped_days.add(self.day)
        if step.waiting:
            self.waiting_days.add(self.day)
        for move in step.moves:
            if move.pot_id not in self.pots_effect:
                raise InvalidHistory(f"the rule moved money in a pot not given: {move.pot_id}")
            deposit = move.direction is Direction.DEPOSIT
            signed = move.amount if deposit else -move.amount
            self.effect -= signed
            self.pots_effect[move.pot_id] += signed
            self.moved_today += move.amount
            self.deposited_today += move.amount if deposit else 0
            self.moves.append(
                BacktestMove(
                    at,
                    self.day,
                    move.pot_id,
                    self.names[move.pot_id],
                    move.direction,
                    move.amount,
                    move.reason,
                    step.explanation,
                    step.capped,
                )
            )
        self._marks()

    def finish(self, end: datetime) -> None:
        self.to(end)
        self._close()


def replay(history: History, kind: Kind, calendar: Calendar) -> Backtest:
    """Walk ``history`` with the rule of ``kind`` (the policy: this module's docs)."""
    walk = _Walk(history, calendar)
    _walk_through(history, kind, walk)
    walk.finish(history.end)
    days = tuple(walk.days)
    warnings = (
        *notes.from_notes((*history.notes, *kind.notes())),
        *notes.day_warnings(
            days,
            capped=walk.capped_days,
            waiting=walk.waiting_days,
            floor=kind.floor,
            currency=history.currency,
        ),
        *notes.pot_warnings(walk.pot_overdrawn, walk.names),
    )
    return Backtest(
        start=history.start,
        end=history.end,
        tz=history.tz,
        currency=history.currency,
        moves=tuple(walk.moves),
        balances=days,
        warnings=tuple(warnings),
        summary=_summary(walk, days),
    )


def _walk_through(history: History, kind: Kind, walk: _Walk) -> None:
    """Postings and the rule's instants, merged in time order."""
    start, end = history.start, history.end
    pending = {w for w in kind.wakes() if start <= w <= end}
    heap = sorted(pending)
    postings, i = history.postings, 0
    while i < len(postings) or heap:
        if i < len(postings) and (not heap or postings[i].at <= heap[0]):
            posting = postings[i]
            i += 1
            at = posting.at
            walk.to(at)
            walk.post(posting)
            step = kind.after(posting, walk.view(at))
        else:
            at = heapq.heappop(heap)
            walk.to(at)
            step = kind.at(at, walk.view(at))
        if step is not None:
            walk.apply(step, at)
        later = kind.later()
        if later is not None and at < later <= end and later not in pending:
            pending.add(later)
            heapq.heappush(heap, later)


def _summary(walk: _Walk, days: tuple[DayBalance, ...]) -> Summary:
    moved_in = sum(m.amount for m in walk.moves if m.direction is Direction.DEPOSIT)
    moved_out = sum(m.amount for m in walk.moves if m.direction is Direction.WITHDRAW)
    lowest = min(days, key=lambda d: d.low)
    lowest_without = min(days, key=lambda d: d.low_without)
    return Summary(
        moved_in=moved_in,
        moved_out=moved_out,
        count=len(walk.moves),
        decisions=walk.decisions,
        lowest=Lowest(lowest.on, lowest.low),
        lowest_without=Lowest(lowest_without.on, lowest_without.low_without),
    )
