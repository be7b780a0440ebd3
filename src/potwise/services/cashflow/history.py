"""The user's history as detection needs it, and the detection itself, kept per user.

Facts are read from the mirror (settled transactions, local dates in the
user's zone, the normalised payee); detection runs over them as of a day.
Both are kept in memory per user and recomputed only when the user's
transactions or mandates change (see `_stamp`) or the day changes, so pages
and the API answer from the kept result.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, DirectDebit, StandingOrder, Transaction
from potwise.db.scoping import for_user
from potwise.domain.cashflow import EverydaySpend, everyday_spend
from potwise.domain.merchants import merchant_key, merchant_key_for
from potwise.domain.recurring import DetectedCommitment, Mandate, TxnFact, detect_commitments

#: Users whose detection is kept in memory at once (least recently used go first).
CACHE_SIZE = 256
#: Payments this recent may have paid a commitment's next occurrence (its tolerance
#: and the widest match the user may set, ten working days, are well within it).
RECENT_DAYS = 35


@dataclass(frozen=True)
class History:
    """What detection found for one user as of ``today``, and the facts it used."""

    today: date
    facts: tuple[TxnFact, ...]
    detected: tuple[DetectedCommitment, ...]
    everyday: EverydaySpend
    #: Per card account, the dates it was repaid (money in, classified a card repayment).
    repaid_on: dict[str, tuple[date, ...]] = field(default_factory=dict)
    #: The user's pending transactions (not detection's facts: they may still change).
    pending: tuple[TxnFact, ...] = ()
    _by_key: dict[str, dict[str, DetectedCommitment]] = field(
        default_factory=dict, repr=False, compare=False
    )
    #: Set once the stored commitments were brought in line with this detection.
    synced: set[str] = field(default_factory=set, repr=False, compare=False)
    _everyday: dict[str, EverydaySpend] = field(default_factory=dict, repr=False, compare=False)
    _recent: dict[str, tuple[TxnFact, ...]] = field(default_factory=dict, repr=False, compare=False)

    def detected_by_key(self) -> dict[str, DetectedCommitment]:
        """The detections by key (built once, then kept with the history)."""
        cached = self._by_key.get("")
        if cached is None:
            cached = {c.key: c for c in self.detected}
            self._by_key[""] = cached
        return cached

    def recent_payments(self) -> tuple[TxnFact, ...]:
        """Settled and pending payments of the last :data:`RECENT_DAYS` days: what may
        already have paid a commitment's next occurrence (built once, then kept)."""
        cached = self._recent.get("")
        if cached is None:
            since = self.today - timedelta(days=RECENT_DAYS)
            cached = tuple(f for f in (*self.facts, *self.pending) if f.on >= since)
            self._recent[""] = cached
        return cached

    def card_repayment_dates(self, account_id: str) -> tuple[date, ...]:
        """Dates the card ``account_id`` was repaid."""
        return self.repaid_on.get(account_id, ())

    def everyday_without(self, accounts: frozenset[str]) -> EverydaySpend:
        """Everyday spending leaving out what was spent on ``accounts`` (cards paid down by
        fixed or minimum repayments); worked out once per set of accounts, then kept."""
        if not accounts:
            return self.everyday
        key = ",".join(sorted(accounts))
        with _lock:
            kept = self._everyday.get(key)
        if kept is None:
            evidence = {tid for c in self.detected for tid in c.evidence}
            kept = everyday_spend(
                self.facts, self.today, exclude_ids=evidence, exclude_accounts=accounts
            )
            with _lock:
                self._everyday[key] = kept
        return kept


_lock = threading.Lock()
_cache: OrderedDict[str, tuple[tuple[Any, ...], History]] = OrderedDict()


def _stamp(db: Session, user_id: str) -> tuple[Any, ...]:
    """Changes whenever a transaction or mandate of the user is added or changed.

    A transaction added or changed moves the latest ``updated_at`` (one index seek
    on ``ix_transactions_user_updated``; counting 100,000 rows would cost more than
    the answer it protects). Settled transactions only disappear with their account
    or connection, which the count of accounts catches; a pending one that vanishes
    was never a fact.
    """
    parts: list[Any] = [
        db.scalar(for_user(select(func.max(Transaction.updated_at)), Transaction, user_id)),
        db.scalar(for_user(select(func.count()).select_from(Account), Account, user_id)),
    ]
    for model in (DirectDebit, StandingOrder):
        column: Any = model.updated_at
        row = db.execute(for_user(select(func.count(), func.max(column)), model, user_id)).one()
        parts.extend((int(row[0]), row[1]))
    return tuple(parts)


def facts(db: Session, user_id: str, zone: tzinfo, status: str = "settled") -> list[TxnFact]:
    """The user's settled transactions (or those of another `status`) as detection
    facts (ids are ours)."""
    rows = db.execute(
        for_user(
            select(
                Transaction.id,
                Transaction.created_at,
                Transaction.amount,
                Transaction.merchant_key,
                Transaction.merchant,
                Transaction.counterparty,
                Transaction.description,
                Transaction.account_id,
                Transaction.classification,
                Transaction.currency,
            ),
            Transaction,
            user_id,
        ).where(Transaction.status == status)
    )
    out = []
    for tid, created, amount, key, merchant, counterparty, description, account, kind, cur in rows:
        payee = key or merchant_key_for(merchant, counterparty, description) or ""
        out.append(
            TxnFact(
                id=tid,
                on=created.astimezone(zone).date(),
                amount=amount,
                payee=payee,
                account_id=account,
                description=description or "",
                classification=kind,
                currency=cur,
            )
        )
    return out


def mandates(db: Session, user_id: str) -> list[Mandate]:
    """Direct debits and standing orders the banks list, as extra evidence."""
    out = [
        Mandate(
            d.id,
            "direct_debit",
            merchant_key(d.payee) or "",
            d.account_id,
            None,
            None,
            d.last_date,
            (d.status or "active").lower() == "active",
        )
        for d in db.scalars(for_user(select(DirectDebit), DirectDebit, user_id))
    ]
    out.extend(
        Mandate(
            s.id,
            "standing_order",
            merchant_key(s.payee) or "",
            s.account_id,
            -abs(s.amount),
            s.next_date,
        )
        for s in db.scalars(for_user(select(StandingOrder), StandingOrder, user_id))
    )
    return out


def history(db: Session, user_id: str, *, now: datetime, zone: tzinfo) -> History:
    """Detection for the user as of ``now`` (kept in memory until their data changes)."""
    today = now.astimezone(zone).date()
    stamp = (today, str(zone), *_stamp(db, user_id))
    kept = _kept(user_id, stamp)
    if kept is not None:
        return kept
    # One detection per user at a time: what follows a sync (storing the commitments,
    # the alert check) may run in two threads at once, and the second waits for the
    # first's answer instead of working it out again.
    with _DETECT_LOCKS[zlib.crc32(user_id.encode()) % len(_DETECT_LOCKS)]:
        kept = _kept(user_id, stamp)
        if kept is not None:
            return kept
        result = _detect(db, user_id, today, zone)
        with _lock:
            _cache[user_id] = (stamp, result)
            _cache.move_to_end(user_id)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return result


_DETECT_LOCKS = tuple(threading.Lock() for _ in range(64))


def _kept(user_id: str, stamp: tuple[Any, ...]) -> History | None:
    with _lock:
        kept = _cache.get(user_id)
        if kept is not None and kept[0] == stamp:
            _cache.move_to_end(user_id)
            return kept[1]
    return None


def _detect(db: Session, user_id: str, today: date, zone: tzinfo) -> History:
    found_facts = facts(db, user_id, zone)
    detected = detect_commitments(found_facts, today, mandates=mandates(db, user_id))
    evidence = {tid for c in detected for tid in c.evidence}
    everyday = everyday_spend(found_facts, today, exclude_ids=evidence)
    repaid: dict[str, list[date]] = {}
    for f in found_facts:
        if f.amount > 0 and f.classification == "card_repayment":
            repaid.setdefault(f.account_id, []).append(f.on)
    return History(
        today,
        tuple(found_facts),
        tuple(detected),
        everyday,
        {account: tuple(sorted(dates)) for account, dates in repaid.items()},
        tuple(facts(db, user_id, zone, "pending")),
    )


def forget(user_id: str) -> None:
    """Drop what is kept for the user (tests, or after deleting their data)."""
    with _lock:
        _cache.pop(user_id, None)
