"""SQLAlchemy models: users and their sessions and tokens, and the bank mirror.

Money columns are integers of minor units next to a currency; every
timestamp is timezone-aware UTC (`UTCDateTime`). Every table holding a
user's data carries `user_id`, so queries can be scoped by construction
(see `db.scoping`).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, text

from potwise.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACCOUNT_KINDS = ("current", "joint", "savings", "credit_card")
TRANSACTION_STATUSES = ("pending", "settled", "declined")
PROVIDERS = ("monzo", "truelayer")


def new_id() -> str:
    """An opaque primary key: 32 hex digits, the time in milliseconds and then 80
    random bits (no counter to guess).

    Keys made close in time sort together, so a primary-key index grows at its end
    rather than everywhere at once: a bulk insert into SQLite did a quarter less
    work than with fully random keys.
    """
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """``count`` keys as :func:`new_id` makes them, in ascending order, at once."""
    prefix = f"{time.time_ns() // 1_000_000:012x}"
    noise = os.urandom(10 * count).hex()
    return sorted(prefix + noise[20 * i : 20 * i + 20] for i in range(count))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements built once and run with parameters."""
    return cast(Table, model.__table__)


def _id_column() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def _user_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = _id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The user's own switch: no automation of theirs moves money while it is on.
    automations_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UserSession(Base):
    """A browser session: only the SHA-256 of its random token is stored."""

    __tablename__ = "sessions"

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A personal API token: shown once, stored as a SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """A failed login, kept for the rate limiter's 15-minute window.

    `scope` is `account` (keyed by the e-mail) or `address` (the client
    address); `key_hash` is a keyed hash so the table holds no addresses.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_at", "scope", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Connection(Base):
    """A link to a bank: Monzo, or one TrueLayer provider. Tokens are encrypted."""

    __tablename__ = "connections"
    __table_args__ = (CheckConstraint("provider IN ('monzo', 'truelayer')", name="provider"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(32), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    external_user_id: Mapped[str | None] = mapped_column(String(128))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    consent_expires_at: Mapped[datetime | None]
    scopes: Mapped[str | None] = mapped_column(Text)
    # Until when the provider still serves full history (right after consent).
    full_history_until: Mapped[datetime | None]
    # Monzo webhooks: the receiver finds the connection by the hash of its URL secret.
    webhook_secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    webhook_external_id: Mapped[str | None] = mapped_column(String(128))
    # TrueLayer: unattended calls are refused until then (allowance spent).
    unattended_paused_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_synced_at: Mapped[datetime | None]


class Account(Base):
    """A mirrored bank account or card; `balance` uses the user's sign convention."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
        CheckConstraint("kind IN ('current', 'joint', 'savings', 'credit_card')", name="kind"),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(128))
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


class Pot(Base):
    """A Monzo pot, mirrored; deleted pots are kept and flagged."""

    __tablename__ = "pots"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    goal: Mapped[int | None] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    balance_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Transaction(Base):
    """A mirrored transaction: negative when money leaves, positive when it arrives."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
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
        # Rows never classified (services/insight/classify.py): after every sync the
        # classifier asks for them, and this small index answers without touching the
        # user's other rows, so a sync that brought nothing costs nothing.
        Index(
            "ix_transactions_user_unclassified",
            "user_id",
            sqlite_where=text("classification IS NULL"),
            postgresql_where=text("classification IS NULL"),
        ),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    pot_id: Mapped[str | None] = mapped_column(ForeignKey("pots.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    balance: Mapped[int] = mapped_column(BigInteger)
    available: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class StandingOrder(Base):
    __tablename__ = "standing_orders"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    payee: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    frequency: Mapped[str] = mapped_column(String(64))
    next_date: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DirectDebit(Base):
    __tablename__ = "direct_debits"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    payee: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    last_amount: Mapped[int | None] = mapped_column(BigInteger)
    last_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OAuthClient(Base):
    """A user's own OAuth client for a provider, saved in the UI. The secret is encrypted."""

    __tablename__ = "oauth_clients"
    __table_args__ = (UniqueConstraint("user_id", "provider"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    provider: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OAuthState(Base):
    """An OAuth `state` handed out: single use, short-lived, bound to a session."""

    __tablename__ = "oauth_states"

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    session_id: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(16))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Set when re-connecting an existing connection instead of adding one.
    connection_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class UnattendedCall(Base):
    """One call made to a provider without the user present (TrueLayer's daily cap)."""

    __tablename__ = "unattended_calls"
    __table_args__ = (Index("ix_unattended_calls_connection_at", "connection_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    endpoint: Mapped[str] = mapped_column(String(64))


class SyncRun(Base):
    """One sync of one connection: when, what it found, what it cost, what failed."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_connection_started", "connection_id", "started_at"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Lease(Base):
    """At most one holder per key at a time (one sync per connection), across processes.

    Taken with an insert (or a conditional update of an expired row), so it
    works the same on SQLite and PostgreSQL; an expiry frees it after a crash.
    """

    __tablename__ = "leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class Automation(Base):
    """A money-moving rule (kind `card_pot`, ...): its config, and the state it keeps
    between runs (cooldowns, last recorded card totals) so restarts lose nothing."""

    __tablename__ = "automations"
    __table_args__ = (
        CheckConstraint("kind IN ('card_pot', 'sweep', 'autosort', 'topup', 'goal')", name="kind"),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # ok, paused (with the reason), waiting_funds, cooldown, error
    status: Mapped[str] = mapped_column(String(24), default="ok")
    status_reason: Mapped[str | None] = mapped_column(Text)
    last_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AutomationRun(Base):
    """One evaluation of a rule: inputs, decision, explanation, and what moved."""

    __tablename__ = "automation_runs"
    __table_args__ = (
        Index("ix_automation_runs_automation_started", "automation_id", "started_at"),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    automation_id: Mapped[str] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(32))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # moved, nothing, skipped, failed, preview
    status: Mapped[str] = mapped_column(String(16), default="running")
    reason: Mapped[str | None] = mapped_column(String(64))
    explanation: Mapped[str] = mapped_column(Text, default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set when live balances were unavailable and synced values were used instead.
    data_as_of: Mapped[datetime | None]


class Transfer(Base):
    """A money move between the current account and a pot: the persisted intent and its
    outcome. `dedupe_id` is fixed when the intent is stored and reused on every retry,
    so the bank applies the move once however often it is sent."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("direction IN ('deposit', 'withdraw')", name="direction"),
        CheckConstraint(
            "status IN ('planned', 'sent', 'confirmed', 'failed', 'unknown')", name="status"
        ),
        CheckConstraint("amount > 0", name="positive_amount"),
        Index("ix_transfers_user_created", "user_id", "created_at"),
        Index("ix_transfers_status", "status"),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    automation_id: Mapped[str | None] = mapped_column(
        ForeignKey("automations.id", ondelete="SET NULL"), index=True
    )
    run_id: Mapped[str | None] = mapped_column(
        ForeignKey("automation_runs.id", ondelete="SET NULL")
    )
    pot_id: Mapped[str | None] = mapped_column(ForeignKey("pots.id", ondelete="SET NULL"))
    pot_external_id: Mapped[str] = mapped_column(String(128))
    account_external_id: Mapped[str] = mapped_column(String(128))
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    dedupe_id: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    reason: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The rule state to keep once this move is confirmed.
    state_after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class Notice(Base):
    """An in-app notification (transfers, failures, waiting for funds...)."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_created", "user_id", "created_at"),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    kind: Mapped[str] = mapped_column(String(48))
    level: Mapped[str] = mapped_column(String(16), default="info")
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class SystemFlag(Base):
    """Instance-wide switches (e.g. the global pause of every money move)."""

    __tablename__ = "system_flags"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


COMMITMENT_STATUSES = ("detected", "confirmed", "dismissed")
CARD_REPAYMENT_MODES = ("pay_in_full", "fixed", "minimum")


class Commitment(Base):
    """A user's decision about a recurring payment or income (see services/cashflow).

    `key` is the detection's stable key (`domain.recurring`), or `manual:<id>`
    for one the user added. A row exists once the user confirmed, edited or
    dismissed a detection (or added one by hand); detections nobody decided
    on are computed, not stored. The schedule fields (cadence, day_of_month,
    anchor) and the amount hold the user's edits, or what was detected.
    """

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("status IN ('detected', 'confirmed', 'dismissed')", name="status"),
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
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

    id: Mapped[str] = _id_column()
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

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _user_fk()
    commitment_id: Mapped[str | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    occurrence: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


USER_OWNED_MODELS: tuple[type[Base], ...] = (
    UserSession,
    ApiToken,
    Connection,
    Account,
    Pot,
    Transaction,
    BalanceSnapshot,
    StandingOrder,
    DirectDebit,
    OAuthClient,
    OAuthState,
    SyncRun,
    Automation,
    AutomationRun,
    Transfer,
    Notice,
    CategoryRule,
    InsightDismissal,
    Budget,
    BudgetAlert,
    Commitment,
    PlannedItem,
    CardModel,
    CashflowPreference,
    CommitmentAlert,
)
