"""Properties of the card-pot decision, over random histories of card and pot events.

Each example simulates a few cards through a sequence of events (purchases,
pending items posting under new ids, purchases whose balance is read before
their transactions, payments, refunds, cancelled authorisations, the user
moving money in or out of the pot, time passing),
deciding after every event and applying the decided move, as the executor would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from potwise.domain.cards import owed_on_card
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.rules.cardpot import (
    CardPotConfig,
    CardPotDecision,
    CardPotState,
    CardSnapshot,
    CurrentAccountSnapshot,
    PotSnapshot,
    decide_card_pot,
)

from .cardpot_builders import POT, T0

PROVIDERS = ("ob-amex", "uk-ob-barclaycard", "uk-ob-hsbc")


@dataclass
class SimCard:
    account_id: str
    provider: str
    posted_owed: int
    pending: list[tuple[str, int]] = field(default_factory=list)  # (id, user-view amount)
    posted: list[BankTransaction] = field(default_factory=list)
    # Posted, in the balance already, but not read yet (a refresh of the balance alone).
    unread: list[BankTransaction] = field(default_factory=list)

    def snapshot(self) -> CardSnapshot:
        includes_pending = self.provider == "uk-ob-barclaycard"
        owed = self.posted_owed + (
            sum(-a for _, a in self.pending if a < 0) if includes_pending else 0
        )
        pending = tuple(
            BankTransaction(
                external_id=tx_id,
                account_external_id=self.account_id,
                created_at=T0,
                amount=amount,
                currency="GBP",
                status=TransactionStatus.PENDING,
                description="PENDING",
            )
            for tx_id, amount in self.pending
        )
        return CardSnapshot(
            account_id=self.account_id,
            provider_id=self.provider,
            currency="GBP",
            balance=-owed,
            pending=pending,
            posted=tuple(self.posted),
        )


@dataclass
class World:
    cards: list[SimCard]
    pot: int
    available: int
    moved_today: int = 0
    minutes: int = 0
    state: CardPotState | None = None
    serial: int = 0
    charged: int = 0  # every charge made on the cards, tips included
    spending_seen: int = 0  # the new spending the decisions reported

    def new_id(self) -> str:
        self.serial += 1
        return f"t{self.serial}"

    def post(self, card: SimCard, amount: int, *, read: bool = True) -> None:
        card.posted_owed -= amount
        (card.posted if read else card.unread).append(
            BankTransaction(
                external_id=self.new_id(),
                account_external_id=card.account_id,
                created_at=T0 + timedelta(minutes=self.minutes),
                amount=amount,
                currency="GBP",
                status=TransactionStatus.SETTLED,
                description="POSTED",
            )
        )


configs = st.builds(
    CardPotConfig,
    pot_id=st.just(POT),
    card_account_ids=st.just(("c0",)),
    cooldown_hours=st.integers(0, 72),
    override_cooldown_on_spending=st.booleans(),
    max_transfer=st.integers(1, 200_000),
    max_per_day=st.integers(1, 400_000),
)
pence = st.integers(1, 150_000)
events = st.one_of(
    st.tuples(st.just("purchase"), st.integers(0, 1), pence),
    st.tuples(st.just("unread_purchase"), st.integers(0, 1), pence),
    st.tuples(st.just("read_transactions"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("post_pending"), st.integers(0, 1), st.integers(-300, 300)),
    st.tuples(st.just("cancel_pending"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("payment"), st.integers(0, 1), pence),
    st.tuples(st.just("pending_refund"), st.integers(0, 1), pence),
    st.tuples(st.just("pot_out"), st.just(0), pence),
    st.tuples(st.just("pot_in"), st.just(0), pence),
    st.tuples(st.just("wait"), st.just(0), st.integers(1, 80 * 60)),
    st.tuples(st.just("new_day"), st.just(0), st.just(0)),
    st.tuples(st.just("nothing"), st.just(0), st.just(0)),
)


def _purchase(world: World, card: SimCard, amount: int) -> None:
    world.charged += amount
    if card.provider == "uk-ob-hsbc" or amount % 3 == 0:
        world.post(card, -amount)
    else:
        card.pending.append((world.new_id(), -amount))


def _post_pending(world: World, card: SimCard, amount: int) -> None:
    charges = [p for p in card.pending if p[1] < 0]
    if charges:
        card.pending.remove(charges[0])
        posted = min(-1, charges[0][1] + amount)  # new id, maybe a tip
        world.charged += max(0, charges[0][1] - posted)
        world.post(card, posted)


def _unread_purchase(world: World, card: SimCard, amount: int) -> None:
    world.charged += amount
    world.post(card, -amount, read=False)


def _read_transactions(world: World, card: SimCard, amount: int) -> None:
    card.posted += card.unread
    card.unread.clear()


def _cancel_pending(world: World, card: SimCard, amount: int) -> None:
    if card.pending:
        card.pending.pop(0)


def _pot_out(world: World, card: SimCard, amount: int) -> None:
    world.pot -= min(world.pot, amount)


def _pot_in(world: World, card: SimCard, amount: int) -> None:
    world.pot += amount


def _wait(world: World, card: SimCard, amount: int) -> None:
    world.minutes += amount


def _new_day(world: World, card: SimCard, amount: int) -> None:
    world.minutes += 24 * 60
    world.moved_today = 0


EVENTS: dict[str, Callable[[World, SimCard, int], None]] = {
    "purchase": _purchase,
    "unread_purchase": _unread_purchase,
    "read_transactions": _read_transactions,
    "post_pending": _post_pending,
    "cancel_pending": _cancel_pending,
    "payment": lambda world, card, amount: world.post(card, amount),
    "pending_refund": lambda world, card, amount: card.pending.append((world.new_id(), amount)),
    "pot_out": _pot_out,
    "pot_in": _pot_in,
    "wait": _wait,
    "new_day": _new_day,
}


def apply_event(world: World, event: tuple[str, int, int]) -> None:
    kind, index, amount = event
    card = world.cards[index % len(world.cards)]
    happen = EVENTS.get(kind)
    if happen is not None:  # "nothing" happens too
        happen(world, card, amount)


def decide(world: World, cfg: CardPotConfig) -> CardPotDecision:
    return decide_card_pot(
        cfg,
        cards=[c.snapshot() for c in world.cards],
        pot=PotSnapshot(POT, world.pot, "GBP"),
        current=CurrentAccountSnapshot(world.available, "GBP"),
        moved_today=world.moved_today,
        state=world.state,
        now=T0 + timedelta(minutes=world.minutes),
    )


def check_and_apply(world: World, cfg: CardPotConfig, decision: CardPotDecision) -> None:
    """The invariants every decision keeps; then the executor's move."""
    assert decision.amount >= 0
    assert (decision.action == "none") is (decision.amount == 0)
    assert decision.target >= 0
    assert decision.pot_balance == world.pot
    if decision.action == "withdraw":
        assert decision.amount <= world.pot  # never a negative pot
        assert world.pot - decision.amount == decision.target
        world.pot -= decision.amount
        world.available += decision.amount
    elif decision.action == "deposit":
        assert decision.amount <= cfg.max_transfer
        assert world.moved_today + decision.amount <= cfg.max_per_day
        assert decision.amount <= world.available  # never drains the current account
        assert world.pot + decision.amount <= decision.target  # never overshoots
        world.pot += decision.amount
        world.available -= decision.amount
        world.moved_today += decision.amount
    assert world.pot >= 0
    world.state = decision.new_state
    world.spending_seen += decision.new_spending


@st.composite
def worlds(draw: st.DrawFn) -> tuple[World, CardPotConfig]:
    n = draw(st.integers(1, 2))
    cards = [
        SimCard(f"c{i}", draw(st.sampled_from(PROVIDERS)), draw(st.integers(-5_000, 300_000)))
        for i in range(n)
    ]
    cfg = draw(configs)
    cfg = CardPotConfig(**{**cfg.to_dict(), "card_account_ids": tuple(c.account_id for c in cards)})
    world = World(cards, pot=draw(st.integers(0, 300_000)), available=draw(st.integers(0, 10**6)))
    return world, cfg


@settings(max_examples=150, deadline=None)
@given(worlds(), st.lists(events, max_size=12))
def test_every_decision_keeps_the_invariants(
    setup: tuple[World, CardPotConfig], history: list[tuple[str, int, int]]
) -> None:
    world, cfg = setup
    check_and_apply(world, cfg, decide(world, cfg))
    for event in history:
        apply_event(world, event)
        check_and_apply(world, cfg, decide(world, cfg))


@settings(max_examples=150, deadline=None)
@given(worlds(), st.lists(events, max_size=12))
# A purchase read first as a rise, then repaid, then read in the transactions.
@example(
    (
        World(cards=[SimCard("c0", "ob-amex", 0)], pot=0, available=0),
        CardPotConfig(
            pot_id="pot-1",
            card_account_ids=("c0",),
            cooldown_hours=0,
            override_cooldown_on_spending=False,
            max_transfer=1,
            max_per_day=1,
        ),
    ),
    [("unread_purchase", 0, 1), ("payment", 0, 1), ("read_transactions", 0, 0)],
)
def test_no_charge_is_counted_as_new_spending_twice(
    setup: tuple[World, CardPotConfig], history: list[tuple[str, int, int]]
) -> None:
    # A purchase read first in a balance, then in its transactions, is spending once.
    world, cfg = setup
    check_and_apply(world, cfg, decide(world, cfg))
    assert world.spending_seen == 0  # a first run: everything is in the target already
    for event in history:
        apply_event(world, event)
        check_and_apply(world, cfg, decide(world, cfg))
        assert world.spending_seen <= world.charged, world.state


@settings(max_examples=150, deadline=None)
@given(worlds(), st.lists(events, max_size=10))
def test_same_inputs_same_decision_and_a_second_run_moves_nothing(
    setup: tuple[World, CardPotConfig], history: list[tuple[str, int, int]]
) -> None:
    world, cfg = setup
    check_and_apply(world, cfg, decide(world, cfg))
    for event in history:
        apply_event(world, event)
        first = decide(world, cfg)
        assert decide(world, cfg) == first  # deterministic
        check_and_apply(world, cfg, first)
        again = decide(world, cfg)  # nothing changed but the move and the state
        if not first.capped:
            assert again.action == "none", (first.explanation, again.explanation)
        check_and_apply(world, cfg, again)


@settings(max_examples=100, deadline=None)
@given(worlds(), st.lists(events, max_size=10))
def test_the_pot_converges_on_what_is_owed_once_things_settle(
    setup: tuple[World, CardPotConfig], history: list[tuple[str, int, int]]
) -> None:
    world, cfg = setup
    for event in history:
        apply_event(world, event)
        check_and_apply(world, cfg, decide(world, cfg))
    world.available = 10**9
    owed = sum(owed_on_card(c.snapshot()) for c in world.cards)
    runs = 3 + (owed + world.pot) // min(cfg.max_transfer, cfg.max_per_day)
    for _ in range(runs):
        world.minutes += 73 * 60  # past any cooldown, and a new day
        world.moved_today = 0
        decision = decide(world, cfg)
        check_and_apply(world, cfg, decision)
        if decision.action == "none":
            break
    assert decision.action == "none", decision.explanation
    assert world.pot == decision.target == owed, decision.explanation


@settings(max_examples=100, deadline=None)
@given(worlds(), st.lists(events, max_size=10))
def test_state_survives_a_json_round_trip(
    setup: tuple[World, CardPotConfig], history: list[tuple[str, int, int]]
) -> None:
    world, cfg = setup
    for event in history:
        apply_event(world, event)
        check_and_apply(world, cfg, decide(world, cfg))
        assert world.state is not None
        assert CardPotState.from_dict(json.loads(json.dumps(world.state.to_dict()))) == (
            world.state
        )
