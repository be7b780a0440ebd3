"""What a card-pot decision reads, taken from the (freshly refreshed) mirror in one read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, Pot, Transaction, Transfer
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.repayments import Repayment
from potwise.domain.rules import cardpot
from potwise.domain.transfers import OPEN_TRANSFER_STATUSES, TransferDirection, TransferStatus
from potwise.services.cards import card_figures, repayments_on_their_way
from potwise.services.errors import NotFound

# Synced values younger than this may stand in for live ones when a bank is unreachable.
MAX_FALLBACK_AGE = timedelta(hours=2)
# Cards are read by their refresh plan (`domain/refresh_plan.py`), a few times a
# day (at most `LONGEST_GAP` apart); a card not read for this long has missed more than
# a day of refreshes (a bank down for a day is waited out on the last read).
MAX_CARD_AGE = timedelta(hours=72)
# Deposits that count toward the rule's daily limit: every one not refused by the bank.
_COUNTED_TODAY = (*OPEN_TRANSFER_STATUSES, TransferStatus.CONFIRMED)


class Skip(Exception):
    """The rule cannot decide now; the message says why (and whether it pauses itself)."""

    def __init__(self, reason: str, message: str, *, pauses_rule: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.pauses_rule = pauses_rule


@dataclass(frozen=True)
class Scene:
    """Everything a card-pot decision reads, gathered from the (freshly synced) mirror."""

    user_id: str
    config: cardpot.CardPotConfig
    state: cardpot.CardPotState | None
    pot_row_id: str
    account_row_id: str
    cards: tuple[cardpot.CardSnapshot, ...]
    pot: cardpot.PotSnapshot
    current: cardpot.CurrentAccountSnapshot
    moved_today: int
    data_as_of: datetime | None
    timezone: str
    # When each card (in the rule's order) was last read from its bank, and the
    # repayments on their way to each card (by card id) its figures count.
    cards_read: tuple[CardRead, ...] = ()
    repaying: dict[str, tuple[Repayment, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CardRead:
    account_id: str
    name: str
    provider: str
    read_at: datetime | None


def read_scene(
    db: Session,
    rule: Automation,
    config: cardpot.CardPotConfig,
    *,
    timezone: str,
    now: datetime,
    stale: list[datetime],
) -> Scene:
    """The pot, its current account and the cards as the mirror holds them now.

    `stale` holds the times of synced balances standing in for live ones; when
    the oldest is older than MAX_FALLBACK_AGE nothing is decided.
    """
    pot = db.get(Pot, config.pot_id)
    if pot is None:
        raise NotFound("The rule or its pot disappeared.")
    account = db.get(Account, pot.account_id)
    if account is None or account.balance is None:
        raise Skip("no_data", "The Monzo current account has not been synced yet.")
    oldest_fallback = _oldest_fallback(stale, now)
    horizon = now - cardpot.SEEN_RETENTION
    rows = [_card_row(db, card_id) for card_id in config.card_account_ids]
    _check_card_age(rows, now)
    repaying = repayments_on_their_way(db, rows, now)
    cards = tuple(_card(db, row, horizon, repaying[row.id]) for row in rows)
    spendable = (
        account.balance if account.available is None else min(account.balance, account.available)
    )
    return Scene(
        user_id=rule.user_id,
        config=config,
        state=cardpot.CardPotState.from_dict(rule.state) if rule.state else None,
        pot_row_id=pot.id,
        account_row_id=account.id,
        cards=cards,
        pot=cardpot.PotSnapshot(
            pot_id=pot.id, balance=pot.balance, currency=pot.currency, deleted=pot.deleted
        ),
        current=cardpot.CurrentAccountSnapshot(
            available=max(0, spendable), currency=account.currency
        ),
        moved_today=_moved_today(db, rule.id, timezone, now),
        data_as_of=oldest_fallback,
        timezone=timezone,
        cards_read=tuple(CardRead(row.id, row.name, row.provider, read_at(row)) for row in rows),
        repaying={row.id: found for row, found in zip(rows, repaying.values(), strict=True)},
    )


def _oldest_fallback(stale: list[datetime], now: datetime) -> datetime | None:
    oldest = min(stale) if stale else None
    if oldest is not None and now - oldest > MAX_FALLBACK_AGE:
        raise Skip(
            "stale_data",
            "A bank could not be reached and its last synced balances are older than "
            f"{int(MAX_FALLBACK_AGE.total_seconds() // 3600)} hours; nothing was decided.",
        )
    return oldest


def _card_row(db: Session, card_id: str) -> Account:
    card = db.get(Account, card_id)
    if card is None or card.balance is None:
        raise Skip("no_data", "A card of this rule has not been synced yet.")
    return card


def read_at(card: Account) -> datetime | None:
    """When the card was last read from its bank: its balance's time, or the last full
    read of its transactions when later (a bank may date a balance by its own last
    change, long before we asked)."""
    times = [t for t in (card.balance_at, card.synced_until) if t is not None]
    return max(times) if times else None


def _check_card_age(cards: list[Account], now: datetime) -> None:
    """Cards are read a few times a day (their refresh plan); older than
    MAX_CARD_AGE (refreshes failing for days) and nothing is decided."""
    for card in cards:
        read = read_at(card)
        if read is not None and now - read > MAX_CARD_AGE:
            hours = int(MAX_CARD_AGE.total_seconds() // 3600)
            raise Skip(
                "stale_data",
                f"{card.name} was last read from the bank more than {hours} hours ago "
                "(its refreshes keep failing); nothing was decided.",
            )


def _card(
    db: Session, card: Account, horizon: datetime, repaying: tuple[Repayment, ...]
) -> cardpot.CardSnapshot:
    """One card: its balance (with repayments on their way to it counted) and its
    recent pending and posted transactions."""
    figures = card_figures(card, (), sum(r.amount for r in repaying))
    rows = list(
        db.scalars(
            select(Transaction).where(
                Transaction.account_id == card.id,
                Transaction.created_at >= horizon,
                Transaction.status != TransactionStatus.DECLINED,
            )
        )
    )
    return cardpot.CardSnapshot(
        account_id=card.id,
        provider_id=card.provider,
        currency=card.currency,
        balance=figures.balance,
        pending=tuple(
            _as_bank_transaction(r, card.external_id)
            for r in rows
            if r.status == TransactionStatus.PENDING
        ),
        posted=tuple(
            _as_bank_transaction(r, card.external_id)
            for r in rows
            if r.status == TransactionStatus.SETTLED
        ),
        name=card.name,
        credit_limit=card.credit_limit,
        available=figures.available,
    )


def _as_bank_transaction(row: Transaction, account_external_id: str) -> BankTransaction:
    return BankTransaction(
        external_id=row.external_id,
        account_external_id=account_external_id,
        created_at=row.created_at,
        amount=row.amount,
        currency=row.currency,
        status=TransactionStatus(row.status),
        description=row.description,
        settled_at=row.settled_at,
        merchant=row.merchant,
    )


def _moved_today(db: Session, automation_id: str, timezone: str, now: datetime) -> int:
    """What the rule has deposited since midnight in the user's time zone."""
    zone = ZoneInfo(timezone)
    local_midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    moved = db.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.automation_id == automation_id,
            Transfer.direction == TransferDirection.DEPOSIT,
            Transfer.status.in_(_COUNTED_TODAY),
            Transfer.created_at >= local_midnight.astimezone(UTC),
        )
    )
    return int(moved or 0)
