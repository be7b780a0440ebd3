"""The history a backtest replays, read from the mirror (reads only).

* **Balances at the start**: today's balance of the current account less every
  pending and settled transaction since the period's start (declined ones never
  moved money); each pot's today's balance walked back through its moves (the
  current account's transactions naming the pot: a deposit left the current
  account, so the pot had that much less before it). A pot whose moves do not add
  up (interest, a history that starts late) starts at zero, and a note says so.
* **Paydays**: the payday rule as safe to spend has it today (the user's own
  payday, else the largest recurring income's schedule), applied to the period.
* **Salary**: the credits of the user's salary commitment: the largest confirmed
  income, or when none is confirmed the largest recurring income detected. The safe
  reading is taken: a credit is salary when detection tied it to that income (its
  evidence), so a bonus from the same payer is not sorted as pay; a commitment added
  by hand, which has no evidence, matches credits from its payer within 7.5% of its
  amount.
* **Bills due**: the payments detection tied to a bill (any not dismissed) and the
  card repayments that left the current account in the period, at the time they
  left; after today, the bills expected before the next payday.
* **Cards** (a card pot): each card's posted balance walked back the same way, and
  its transactions in the period. A card whose mirrored history does not reach the
  period's start cannot be replayed: that is refused, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Pot, Transaction, Transfer
from potwise.domain import backtest
from potwise.domain.cashflow import commitment_events
from potwise.domain.commitments import CommitmentStatus
from potwise.domain.merchants import merchant_key, merchant_key_for
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.payday import PaydayRule, next_payday, payday_rule, paydays_between
from potwise.domain.schedules import PER_YEAR
from potwise.domain.transfers import TransferDirection, TransferStatus
from potwise.services.cashflow import commitments, plans
from potwise.services.cashflow.commitments import CommitmentView
from potwise.services.errors import InvalidInput

__all__ = ["Period", "card_histories", "read_history"]

#: A history that starts this long after the period's start is said to start late.
SLACK = timedelta(days=7)
#: A credit from a hand-added salary's payer matches within this share of its amount.
_SALARY_TOLERANCE = (3, 40)


@dataclass(frozen=True)
class Period:
    """The period replayed: from local midnight ``first`` (``start``, UTC) to ``now``."""

    first: date
    start: datetime
    now: datetime
    zone: ZoneInfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


@dataclass(frozen=True)
class _Row:
    id: str
    at: datetime
    amount: int
    description: str
    pot_external_id: str | None
    classification: str | None
    payee: str | None


def _rows(db: Session, account_id: str, period: Period) -> list[_Row]:
    """The account's pending and settled transactions in the period, in time order."""
    found = db.execute(
        select(
            Transaction.id,
            Transaction.created_at,
            Transaction.amount,
            Transaction.description,
            Transaction.pot_external_id,
            Transaction.classification,
            Transaction.merchant_key,
            Transaction.merchant,
            Transaction.counterparty,
        )
        .where(
            Transaction.account_id == account_id,
            Transaction.status != TransactionStatus.DECLINED,
            Transaction.created_at >= period.start,
        )
        .order_by(Transaction.created_at, Transaction.id)
    )
    now = period.now
    return [
        _Row(
            tid,
            min(_aware(at), now),
            amount,
            text or "",
            pot,
            kind,
            key or merchant_key_for(merchant, party, text),
        )
        for tid, at, amount, text, pot, kind, key, merchant, party in found
    ]


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive UTC times; PostgreSQL aware ones."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _yearly(view: CommitmentView) -> int:
    num, den = PER_YEAR[view.model.cadence]
    return abs(view.amount) * num // den


def _salary(views: Sequence[CommitmentView]) -> CommitmentView | None:
    """The salary commitment: the largest confirmed income, else the largest active one."""
    incomes = [
        v for v in views if v.direction == "in" and v.status is not CommitmentStatus.DISMISSED
    ]
    confirmed = [v for v in incomes if v.status is CommitmentStatus.CONFIRMED]
    pool = confirmed or [v for v in incomes if v.active]
    if not pool:
        return None
    return max(pool, key=lambda v: (_yearly(v), v.confidence or 0.0, v.key))


def _salary_ids(salary: CommitmentView | None, rows: Sequence[_Row]) -> set[str]:
    if salary is None:
        return set()
    if salary.evidence:
        return set(salary.evidence)
    payee = merchant_key(salary.payee)
    num, den = _SALARY_TOLERANCE
    return {
        r.id
        for r in rows
        if r.amount > 0
        and r.payee == payee
        and abs(r.amount - salary.amount) * den <= salary.amount * num
    }


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _dues(
    rows: Sequence[_Row],
    views: Sequence[CommitmentView],
    account_id: str,
    period: Period,
    horizon: date,
) -> list[backtest.Due]:
    """Bills and card repayments that left in the period, then those expected after now."""
    bills = {
        tid
        for v in views
        if v.direction == "out" and v.status is not CommitmentStatus.DISMISSED
        for tid in v.evidence
    }
    dues = [
        backtest.Due(r.at, -r.amount)
        for r in rows
        if r.amount < 0 and (r.id in bills or r.classification == "card_repayment")
    ]
    expected = [
        v.model
        for v in views
        if v.counted and v.direction == "out" and v.account_id in (None, account_id)
    ]
    after = period.now + timedelta(seconds=1)
    for event in commitment_events(expected, period.today, horizon):
        if event.amount < 0:
            at = max(_local_midnight(event.on, period.zone), after)
            dues.append(backtest.Due(at, -event.amount))
    return dues


def _paydays(rule: PaydayRule | None, period: Period) -> tuple[tuple[date, ...], date]:
    """The paydays from the period's start until a year after today, and the horizon of
    the bills expected after today (the next payday, else a month on)."""
    today = period.today
    if rule is None:
        return (), backtest.shift_months(today, 1)
    days = paydays_between(rule, period.first - timedelta(days=7), today + timedelta(days=400))
    return tuple(days), next_payday(rule, today)


def _pots(
    db: Session, account: Account, rule_pots: Sequence[Pot], rows: Sequence[_Row]
) -> tuple[dict[str, str], list[backtest.PotStart], list[backtest.Note]]:
    """The account's pots by their bank id, the rule's pots at the start, and notes."""
    by_external = {
        p.external_id: p.id for p in db.scalars(select(Pot).where(Pot.account_id == account.id))
    }
    starts, notes = [], []
    for pot in rule_pots:
        moved = sum(r.amount for r in rows if r.pot_external_id == pot.external_id)
        balance = pot.balance + moved
        if balance < 0:
            notes.append(
                backtest.Note(
                    "pot_history",
                    f"The moves of the pot \u201c{pot.name}\u201d do not add up to its balance "
                    "today (interest, or moves older than the history): it starts at zero.",
                )
            )
        starts.append(backtest.PotStart(pot.id, pot.name, max(0, balance)))
    return by_external, starts, notes


# A pot move the bank reports this close to one of the rule's transfers (same pot,
# amount and direction) is that transfer.
OWN_MOVE_WITHIN = timedelta(minutes=10)


def _without_own_moves(db: Session, rows: Sequence[_Row], automation_id: str) -> list[_Row]:
    """``rows`` less the pot moves that were this rule's confirmed transfers."""
    transfers = db.execute(
        select(Transfer.pot_external_id, Transfer.direction, Transfer.amount, Transfer.created_at)
        .where(
            Transfer.automation_id == automation_id,
            Transfer.status == TransferStatus.CONFIRMED,
        )
        .order_by(Transfer.created_at)
    ).all()
    taken: set[str] = set()
    for pot, direction, amount, at in transfers:
        signed = -amount if direction == TransferDirection.DEPOSIT else amount
        when = _aware(at)
        match = min(
            (
                r
                for r in rows
                if r.id not in taken
                and r.pot_external_id == pot
                and r.amount == signed
                and abs(r.at - when) <= OWN_MOVE_WITHIN
            ),
            key=lambda r: abs(r.at - when),
            default=None,
        )
        if match is not None:
            taken.add(match.id)
    return [r for r in rows if r.id not in taken]


def _starts_late(db: Session, account: Account, period: Period) -> list[backtest.Note]:
    """A note when the mirror's history of the account starts after the period does."""
    oldest = _oldest(db, account.id)
    if oldest is not None and _aware(oldest) <= period.start + SLACK:
        return []
    return [
        backtest.Note(
            "history_starts",
            f"potwise holds {_held(oldest, period.zone)} for {account.name}: "
            "before that its balance is shown flat.",
        )
    ]


def read_history(
    db: Session,
    user_id: str,
    account: Account,
    rule_pots: Sequence[Pot],
    period: Period,
    cards: Sequence[backtest.CardHistory] = (),
    without: str | None = None,
) -> backtest.History:
    """The current account's history over ``period`` for a rule on ``rule_pots``.

    ``without`` is a saved rule being backtested: its own past moves are taken out of
    the history (the balances before them stay as they were), so the replay shows the
    account as it would have been with this rule's decisions alone, not with them twice.
    """
    rows = _rows(db, account.id, period)
    kept = _without_own_moves(db, rows, without) if without else rows
    views = commitments.views(db, user_id, now=period.now, zone=period.zone)
    counted = [v.model for v in views if v.counted]
    rule = payday_rule(
        counted, today=period.today, override=plans.preferences(db, user_id).payday_override
    )
    paydays, horizon = _paydays(rule, period)
    salary = _salary_ids(_salary(views), rows)
    by_external, starts, notes = _pots(db, account, rule_pots, rows)
    postings = tuple(
        backtest.Posting(
            r.at,
            r.amount,
            r.id,
            r.description,
            by_external.get(r.pot_external_id or ""),
            r.id in salary,
        )
        for r in kept
    )
    return backtest.History(
        start=period.start,
        end=period.now,
        opening=(account.balance or 0) - sum(r.amount for r in rows),
        postings=postings,
        pots=tuple(starts),
        paydays=paydays,
        dues=tuple(_dues(rows, views, account.id, period, horizon)),
        cards=tuple(cards),
        notes=(*_starts_late(db, account, period), *notes),
        tz=period.zone.key,
        currency=account.currency,
    )


def _held(oldest: datetime | None, zone: ZoneInfo) -> str:
    if oldest is None:
        return "no transactions"
    return f"transactions from {_aware(oldest).astimezone(zone).date().isoformat()} only"


def _oldest(db: Session, account_id: str) -> datetime | None:
    return db.scalar(
        select(func.min(Transaction.created_at)).where(Transaction.account_id == account_id)
    )


def card_histories(
    db: Session, cards: Sequence[Account], period: Period
) -> list[backtest.CardHistory]:
    """Each card's posted balance at the start and its transactions in the period;
    ``InvalidInput`` when a card's history does not reach back that far."""
    return [_card_history(db, card, period) for card in cards]


def _card_history(db: Session, card: Account, period: Period) -> backtest.CardHistory:
    if card.balance is None:
        raise InvalidInput(
            f"{card.name} has not been synced yet: a card-pot backtest needs its history."
        )
    oldest = _oldest(db, card.id)
    if oldest is None or _aware(oldest) > period.start + SLACK:
        raise InvalidInput(
            f"A card-pot backtest needs the card history from {period.first.isoformat()}, "
            f"and potwise holds {_held(oldest, period.zone)} for {card.name}. "
            "Try fewer months."
        )
    found = db.scalars(
        select(Transaction)
        .where(
            Transaction.account_id == card.id,
            Transaction.status != TransactionStatus.DECLINED,
            Transaction.created_at >= period.start,
        )
        .order_by(Transaction.created_at, Transaction.id)
    )
    rows = [
        BankTransaction(
            external_id=t.external_id,
            account_external_id=card.external_id,
            created_at=min(_aware(t.created_at), period.now),
            amount=t.amount,
            currency=t.currency,
            status=TransactionStatus(t.status),
            description=t.description,
            settled_at=t.settled_at,
            merchant=t.merchant,
        )
        for t in found
    ]
    posted = sum(r.amount for r in rows if r.status is TransactionStatus.SETTLED)
    return backtest.CardHistory(
        account_id=card.id,
        provider_id=card.provider,
        name=card.name,
        currency=card.currency,
        balance=card.balance - posted,
        transactions=tuple(rows),
        credit_limit=card.credit_limit,
    )
