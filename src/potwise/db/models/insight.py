"""Spending insight: the user's own categories, category rules, dismissed suggestions,
budgets and their alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, id_column, user_fk, utcnow


class Category(Base):
    """One of the user's own categories: `key` is what transactions, rules and budgets
    carry (never changes); `name` is what the user sees (renamed freely).

    `name_folded` is the name case-folded: a user cannot have two categories whose
    names differ only in case, even when two requests race.
    """

    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        UniqueConstraint("user_id", "name_folded"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    name_folded: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CategoryRule(Base):
    """A user's rule: transactions matching it get `category`.

    Every condition that is set must hold: merchant (normalised key) equals,
    description contains or equals (case-insensitive), amount within
    [min_amount, max_amount] (signed minor units), on one account. Lower
    `priority` wins; `source` says whether the user wrote it or accepted a
    learned suggestion.
    """

    __tablename__ = "category_rules"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    category: Mapped[str] = mapped_column(String(64))
    merchant_key: Mapped[str | None] = mapped_column(String(120))
    description_contains: Mapped[str | None] = mapped_column(String(200))
    description_equals: Mapped[str | None] = mapped_column(String(200))
    min_amount: Mapped[int | None] = mapped_column(BigInteger)
    max_amount: Mapped[int | None] = mapped_column(BigInteger)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    source: Mapped[str] = mapped_column(String(16), default="user")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InsightDismissal(Base):
    """Something the user said no to, remembered so it is never offered again.

    `kind` is `transfer_pair` (key: the two transaction ids, sorted, joined
    by ":") or `category_suggestion` (key: "<merchant_key>:<category>").
    """

    __tablename__ = "insight_dismissals"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


BUDGET_PERIODS = ("month", "pay_period")


class Budget(Base):
    """A cap on one category's spending per calendar month or pay period.

    `pay_day` anchors a pay period: "1".."31" (that day, or the working day
    before it when it falls on a weekend or bank holiday) or
    "last_working_day". With `rollover`, unspent budget carries into the
    next period.
    """

    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("user_id", "category"),
        CheckConstraint("period IN ('month', 'pay_period')", name="period"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    category: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    period: Mapped[str] = mapped_column(String(16), default="month")
    pay_day: Mapped[str | None] = mapped_column(String(24))
    rollover: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BudgetAlert(Base):
    """An alert already sent: once per budget, period and threshold (80, 100)."""

    __tablename__ = "budget_alerts"
    __table_args__ = (UniqueConstraint("budget_id", "period_start", "threshold"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
