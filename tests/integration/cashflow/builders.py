"""A household with a year of pay, bills and everyday spending, stored in the mirror."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Pot, Transaction

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    return datetime.now(UTC).astimezone(LONDON).date()


def months_back(day: int, count: int, until: date) -> list[date]:
    """The ``day`` of each of the last ``count`` months up to ``until`` (clamped)."""
    out = []
    year, month = until.year, until.month
    while len(out) < count:
        last = calendar.monthrange(year, month)[1]
        d = date(year, month, min(day, last))
        if d <= until:
            out.append(d)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


@dataclass
class Household:
    db: Session
    user_id: str
    connection_id: str = ""
    accounts: dict[str, Account] = field(default_factory=dict)

    @classmethod
    def of(cls, db: Session, user_id: str, *, balance: int = 250_000) -> Household:
        connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        h = cls(db, user_id, connection.id)
        for name, kind, bal, limit in (
            ("Current", "current", balance, 50_000),
            ("Amex", "credit_card", -42_000, None),
            ("Savings", "savings", 1_000_000, None),
        ):
            account = Account(
                user_id=user_id,
                connection_id=connection.id,
                external_id=f"acc_{uuid.uuid4().hex[:8]}",
                provider="monzo",
                kind=kind,
                name=name,
                currency="GBP",
                balance=bal,
                credit_limit=limit,
            )
            db.add(account)
            h.accounts[name] = account
        db.commit()
        return h

    def pot(self, name: str, balance: int) -> Pot:
        pot = Pot(
            user_id=self.user_id,
            connection_id=self.connection_id,
            account_id=self.accounts["Current"].id,
            external_id=f"pot_{uuid.uuid4().hex[:8]}",
            name=name,
            currency="GBP",
            balance=balance,
        )
        self.db.add(pot)
        self.db.commit()
        return pot

    def add(
        self,
        on: date,
        amount: int,
        payee: str,
        *,
        account: str = "Current",
        classification: str = "spending",
    ) -> Transaction:
        tx = Transaction(
            user_id=self.user_id,
            connection_id=self.connection_id,
            account_id=self.accounts[account].id,
            external_id=f"tx_{uuid.uuid4().hex}",
            created_at=datetime.combine(on, time(12, 0), LONDON).astimezone(UTC),
            amount=amount,
            currency="GBP",
            status="settled",
            description=payee.upper(),
            merchant=payee,
            merchant_key=payee.lower(),
            classification=classification,
        )
        self.db.add(tx)
        return tx

    def year_of_history(self) -> None:
        """Pay on the 25th, rent on the 1st, Netflix on the 10th, everyday spending."""
        end = today() - timedelta(days=1)
        for d in months_back(25, 12, end):
            self.add(d, 320_000, "Acme", classification="income")
        for d in months_back(1, 12, end):
            self.add(d, -95_000, "Landlord", classification="spending")
        for d in months_back(10, 12, end):
            self.add(d, -1_599, "Netflix")
        for k in range(1, 180, 2):
            self.add(end - timedelta(days=k), -(1_500 + (k * 37) % 2_000), f"Shop{k}")
        self.db.commit()
