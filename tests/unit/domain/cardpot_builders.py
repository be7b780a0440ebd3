"""Builders for the card-pot decision tests: cards, transactions, pots and runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

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

# 3 March is GMT in London, so local times in explanations equal these.
T0 = datetime(2025, 3, 3, 14, 2, tzinfo=UTC)
POT = "pot-1"
AMEX = "card-amex"
BARCLAYCARD = "card-barclaycard"
RICH = 10_000_000  # £100,000.00 available in the current account

_ids = count(1)


def tx(
    amount: int,
    *,
    card: str = AMEX,
    pending: bool = False,
    at: datetime | None = None,
    tx_id: str | None = None,
    currency: str = "GBP",
) -> BankTransaction:
    """A card transaction in the user's signs (a charge is negative)."""
    return BankTransaction(
        external_id=tx_id or f"tx-{next(_ids)}",
        account_external_id=card,
        created_at=at or T0 - timedelta(hours=1),
        amount=amount,
        currency=currency,
        status=TransactionStatus.PENDING if pending else TransactionStatus.SETTLED,
        description="CARD PAYMENT" if amount > 0 else "SHOP",
    )


def card(
    owed: int,
    *,
    account_id: str = AMEX,
    provider: str = "ob-amex",
    pending: tuple[BankTransaction, ...] = (),
    posted: tuple[BankTransaction, ...] = (),
    currency: str = "GBP",
    credit_limit: int | None = None,
    available: int | None = None,
) -> CardSnapshot:
    """A card on which `owed` pence are owed on the posted balance (negative: in credit)."""
    return CardSnapshot(
        account_id=account_id,
        provider_id=provider,
        currency=currency,
        balance=-owed,
        pending=pending,
        posted=posted,
        credit_limit=credit_limit,
        available=available,
    )


def barclaycard(owed: int, **kwargs: object) -> CardSnapshot:
    return card(owed, account_id=BARCLAYCARD, provider="uk-ob-barclaycard", **kwargs)  # type: ignore[arg-type]


def config(cards: tuple[str, ...] = (AMEX,), pot_id: str = POT, **kwargs: object) -> CardPotConfig:
    return CardPotConfig(pot_id=pot_id, card_account_ids=cards, **kwargs)  # type: ignore[arg-type]


def run(
    cards: list[CardSnapshot] | CardSnapshot,
    pot: int,
    state: CardPotState | None,
    *,
    now: datetime = T0,
    available: int = RICH,
    moved_today: int = 0,
    cfg: CardPotConfig | None = None,
    deleted: bool = False,
    pot_id: str = POT,
) -> CardPotDecision:
    """One decision; the config defaults to the cards given, on pot `pot_id`."""
    cards = [cards] if isinstance(cards, CardSnapshot) else cards
    if cfg is None:
        cfg = config(tuple(c.account_id for c in cards), pot_id=pot_id)
    return decide_card_pot(
        cfg,
        cards=cards,
        pot=PotSnapshot(pot_id=cfg.pot_id, balance=pot, currency="GBP", deleted=deleted),
        current=CurrentAccountSnapshot(available=available, currency="GBP"),
        moved_today=moved_today,
        state=state,
        now=now,
    )


def settled(
    cards: list[CardSnapshot] | CardSnapshot,
    *,
    at: datetime = T0,
    cfg: CardPotConfig | None = None,
) -> CardPotState:
    """The state after a first run on `cards` with the pot already matching them."""
    first = run(cards, 0, None, now=at, cfg=cfg)
    pot = first.target
    decision = run(cards, pot, None, now=at, cfg=cfg)
    assert decision.new_state is not None
    return decision.new_state


def after(decision: CardPotDecision, pot: int) -> int:
    """The pot balance once `decision`'s move is applied."""
    if decision.action == "deposit":
        return pot + decision.amount
    if decision.action == "withdraw":
        return pot - decision.amount
    return pot


def state_of(decision: CardPotDecision) -> CardPotState:
    assert decision.new_state is not None
    return decision.new_state


def with_cfg(cfg: CardPotConfig, **changes: object) -> CardPotConfig:
    return replace(cfg, **changes)  # type: ignore[arg-type]
