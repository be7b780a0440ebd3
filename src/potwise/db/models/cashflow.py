"""Cash flow: commitments, planned items, how cards are repaid, preferences and alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, id_column, user_fk, utcnow

COMMITMENT_STATUSES = ("detected", "confirmed", "dismissed")
CARD_REPAYMENT_MODES = ("pay_in_full", "fixed", "minimum")


class Commitment(Base):
    """A user's decision about a recurring payment or income (see services/cashflow).

    `key` is the detection's stable key (`domain.recurring`), or `manual:<id>`
    for one the user added. Detections are stored after a sync (and before any
    change the user makes), under an id derived from the user and the key, so
    a page that shows a detection not stored yet already shows the id it will
    have; reading never stores. The schedule fields (cadence, day_of_month,
    anchor) and the amount hold the user's edits, or what was detected.
    """

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("status IN ('detected', 'confirmed', 'dismissed')", name="status"),
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="detected")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    payee: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    cadence: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(3))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    day_of_month: Mapped[int | None] = mapped_column(Integer)
    anchor: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PlannedItem(Base):
    """A planned expense (negative `amount`) or income on `due_on`; with `months`, a
    purchase paid in that many monthly instalments from `due_on` at `annual_rate`
    (nominal percent, a decimal string so it stays exact)."""

    __tablename__ = "planned_items"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_nonzero"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    due_on: Mapped[date] = mapped_column(Date)
    months: Mapped[int | None] = mapped_column(Integer)
    annual_rate: Mapped[str] = mapped_column(String(16), default="0")
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CardModel(Base):
    """How the user repays one credit card (`mode`: pay_in_full, fixed, minimum), on
    which day of the month (else the provider's or the history's) and from which
    current account."""

    __tablename__ = "card_models"
    __table_args__ = (
        UniqueConstraint("account_id"),
        CheckConstraint("mode IN ('pay_in_full', 'fixed', 'minimum')", name="mode"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16), default="pay_in_full")
    fixed_amount: Mapped[int | None] = mapped_column(BigInteger)
    annual_rate: Mapped[str] = mapped_column(String(16), default="0")
    due_day: Mapped[int | None] = mapped_column(Integer)
    pay_from_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CashflowPreference(Base):
    """A user's cash-flow choices: their own payday (a day of the month or the last
    working day; none: detected), the pots counted as spendable cash, and what they
    set aside until payday (`[{"label", "amount"}]`)."""

    __tablename__ = "cashflow_preferences"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    payday_day: Mapped[int | None] = mapped_column(Integer)
    payday_last_working_day: Mapped[bool] = mapped_column(Boolean, default=False)
    included_pot_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    set_asides: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: How close a payment must land to a commitment's expected date and amount.
    match_working_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    match_amount_percent: Mapped[str] = mapped_column(
        String(16), default="7.5", server_default="7.5"
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CommitmentAlert(Base):
    """An alert already sent about a commitment: once per payee and direction
    (`subject`, stable while detection re-fits the series), kind (`missed`, `rise`)
    and occurrence (the expected date, or the transaction at the higher amount)."""

    __tablename__ = "commitment_alerts"
    __table_args__ = (UniqueConstraint("user_id", "subject", "kind", "occurrence"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    commitment_id: Mapped[str | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    occurrence: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
