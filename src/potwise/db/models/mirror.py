"""The bank mirror: accounts, pots, transactions, balances, standing orders, direct debits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.sql.expression import false, text

from potwise.db.models.base import Base, id_column, user_fk, utcnow

ACCOUNT_KINDS = ("current", "joint", "savings", "credit_card")
TRANSACTION_STATUSES = ("pending", "settled", "declined")

#: Where a mirrored table's own `account_id` sits: between the connection and the
#: provider's id, where those tables have always had it (see `MirroredRow`).
ACCOUNT_ID_ORDER = -20


class MirroredRow:
    """The columns every row mirrored from a bank shares: our own id, the owning user,
    the connection it came through, and the provider's id for it (`external_id`,
    unique per connection: see `unique_per_connection`).

    They open the table, in that order, as they always have (a mixin's columns would
    otherwise come after the table's own); a table whose rows also belong to an
    account puts its `account_id` between the connection and the provider's id with
    `sort_order=ACCOUNT_ID_ORDER`.
    """

    id: Mapped[str] = id_column(sort_order=-50)

    @declared_attr
    def user_id(cls) -> Mapped[str]:
        return user_fk(sort_order=-40)

    @declared_attr
    def connection_id(cls) -> Mapped[str]:
        return mapped_column(
            ForeignKey("connections.id", ondelete="CASCADE"), index=True, sort_order=-30
        )

    external_id: Mapped[str] = mapped_column(String(128), sort_order=-10)


def unique_per_connection() -> UniqueConstraint:
    """A provider's id names one row per connection: the upserts find rows by it."""
    return UniqueConstraint("connection_id", "external_id")


class Account(MirroredRow, Base):
    """A mirrored bank account or card; `balance` uses the user's sign convention."""

    __tablename__ = "accounts"
    __table_args__ = (
        unique_per_connection(),
        # The target of a transaction's owner key (see `Transaction`): an account
        # with its connection and user, as one.
        UniqueConstraint("id", "connection_id", "user_id"),
        CheckConstraint("kind IN ('current', 'joint', 'savings', 'credit_card')", name="kind"),
    )

    provider: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int | None] = mapped_column(BigInteger)
    available: Mapped[int | None] = mapped_column(BigInteger)
    balance_at: Mapped[datetime | None]
    credit_limit: Mapped[int | None] = mapped_column(BigInteger)
    # A card's last statement from its provider (TrueLayer card balances): the
    # balance then (our signs), its date, the payment due (positive) and its date.
    statement_balance: Mapped[int | None] = mapped_column(BigInteger)
    statement_date: Mapped[date | None] = mapped_column(Date)
    payment_due: Mapped[int | None] = mapped_column(BigInteger)
    payment_due_date: Mapped[date | None] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_type: Mapped[str | None] = mapped_column(String(64))
    display_suffix: Mapped[str | None] = mapped_column(String(16))
    # Incremental sync: settled transactions are complete up to this time.
    synced_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Pot(MirroredRow, Base):
    """A Monzo pot, mirrored; deleted pots are kept and flagged."""

    __tablename__ = "pots"
    __table_args__ = (unique_per_connection(),)

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, sort_order=ACCOUNT_ID_ORDER
    )
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    goal: Mapped[int | None] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    balance_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Transaction(MirroredRow, Base):
    """A mirrored transaction: negative when money leaves, positive when it arrives."""

    __tablename__ = "transactions"
    __table_args__ = (
        unique_per_connection(),
        # A transaction's account, connection and user are checked as one key: the
        # account's own. A row cannot name an account of another connection or user,
        # and PostgreSQL checks one key per written row where three separate keys
        # cost 40 % of a large ingest. Rows go with their account, as before.
        ForeignKeyConstraint(
            ["account_id", "connection_id", "user_id"],
            ["accounts.id", "accounts.connection_id", "accounts.user_id"],
            ondelete="CASCADE",
            name="fk_transactions_account_owner",
        ),
        CheckConstraint("status IN ('pending', 'settled', 'declined')", name="status"),
        # Covers the spending breakdowns (services/insight/spending.py): every column
        # they read is in the index, so a year of spending is read from the index
        # alone. Its first two columns serve every query by user and time, as the
        # (user_id, created_at) index it replaced did.
        Index(
            "ix_transactions_user_created_spending",
            "user_id",
            "created_at",
            "status",
            "classification",
            "pot_external_id",
            "currency",
            "amount",
            "account_id",
            "category",
            "merchant_key",
            "merchant",
        ),
        Index("ix_transactions_account_created", "account_id", "created_at"),
        # Cash flow keeps a user's detection until their transactions change; this
        # answers "how many, and when did one last change" without reading the rows.
        Index("ix_transactions_user_updated", "user_id", "updated_at"),
        Index("ix_transactions_user_merchant", "user_id", "merchant_key"),
        # Rows never classified (services/insight/classify/): after every sync the
        # classifier asks for them, and this small index answers without touching the
        # user's other rows, so a sync that brought nothing costs nothing.
        Index(
            "ix_transactions_user_unclassified",
            "user_id",
            sqlite_where=text("classification IS NULL"),
            postgresql_where=text("classification IS NULL"),
        ),
    )

    # The owner key above checks these three; each alone is found through a wider
    # index (user_id: the `(user_id, …)` ones; connection_id: the unique key).
    user_id: Mapped[str] = mapped_column(String(32), sort_order=-40)
    connection_id: Mapped[str] = mapped_column(String(32), sort_order=-30)
    account_id: Mapped[str] = mapped_column(String(32), sort_order=ACCOUNT_ID_ORDER)
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    local_amount: Mapped[int | None] = mapped_column(BigInteger)
    local_currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    merchant: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(64))
    provider_category: Mapped[str | None] = mapped_column(String(64))
    classification: Mapped[str | None] = mapped_column(String(32))
    # Spending insight (see services/insight): the normalised merchant that
    # groups "TESCO STORES 2345 LONDON" with "Tesco"; where the category came
    # from (provider, rule, user); whether the classification is the
    # classifier's or the user's own (a user's choice survives re-syncs and
    # re-classification); why it was made; and the other half of an internal
    # movement (pot move, own transfer, card repayment).
    merchant_key: Mapped[str | None] = mapped_column(String(120))
    category_source: Mapped[str | None] = mapped_column(String(16))
    classification_source: Mapped[str | None] = mapped_column(String(16))
    classification_reason: Mapped[str | None] = mapped_column(Text)
    linked_transaction_id: Mapped[str | None] = mapped_column(String(32))
    counterparty: Mapped[str | None] = mapped_column(String(200))
    pot_external_id: Mapped[str | None] = mapped_column(String(128))
    decline_reason: Mapped[str | None] = mapped_column(String(64))
    # The bank gave a date, not a moment (TrueLayer's midnight `timestamp`): shown
    # by its date alone, `created_at` being that day's midnight UTC.
    date_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BalanceSnapshot(Base):
    """One observed balance of an account or a pot, at a time: a time series."""

    __tablename__ = "balance_snapshots"
    __table_args__ = (
        CheckConstraint(
            "(account_id IS NOT NULL AND pot_id IS NULL) OR "
            "(account_id IS NULL AND pot_id IS NOT NULL)",
            name="one_owner",
        ),
        Index("ix_balance_snapshots_account_at", "account_id", "at"),
        Index("ix_balance_snapshots_pot_at", "pot_id", "at"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    pot_id: Mapped[str | None] = mapped_column(ForeignKey("pots.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    balance: Mapped[int] = mapped_column(BigInteger)
    available: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class StandingOrder(MirroredRow, Base):
    __tablename__ = "standing_orders"
    __table_args__ = (unique_per_connection(),)

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), sort_order=ACCOUNT_ID_ORDER
    )
    payee: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    frequency: Mapped[str] = mapped_column(String(64))
    next_date: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DirectDebit(MirroredRow, Base):
    __tablename__ = "direct_debits"
    __table_args__ = (unique_per_connection(),)

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), sort_order=ACCOUNT_ID_ORDER
    )
    payee: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    last_amount: Mapped[int | None] = mapped_column(BigInteger)
    last_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
