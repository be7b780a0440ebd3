"""Money-moving rules, their runs, the transfers they make, and the notices they leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, id_column, user_fk, utcnow


class Automation(Base):
    """A money-moving rule (kind `card_pot`, ...): its config, and the state it keeps
    between runs (cooldowns, last recorded card totals) so restarts lose nothing."""

    __tablename__ = "automations"
    __table_args__ = (
        CheckConstraint("kind IN ('card_pot', 'sweep', 'autosort', 'topup', 'goal')", name="kind"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
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

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
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
    # What a Monzo transaction that woke the run was (`triggers.CAUSES`): "pot_deposit",
    # "pot_withdrawal", "money_in", "card_purchase"; None for other triggers.
    cause: Mapped[str | None] = mapped_column(String(32))


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

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
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

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    kind: Mapped[str] = mapped_column(String(48))
    level: Mapped[str] = mapped_column(String(16), default="info")
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
