"""What every move-making rule kind reads: its current account, its pots, what it
moved today, and whether the balances are live or stand-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, Pot, Transfer
from potwise.domain.rules.moves import RuleDecision
from potwise.domain.transfers import OPEN_TRANSFER_STATUSES, TransferStatus
from potwise.services.automations import configs
from potwise.services.automations.scene import MAX_FALLBACK_AGE, Skip

# Moves that count toward a rule's daily limit: every one not refused by the bank.
_COUNTED_TODAY = (*OPEN_TRANSFER_STATUSES, TransferStatus.CONFIRMED)


@dataclass(frozen=True)
class KindContext:
    """A rule with what its decision reads, gathered in one session."""

    db: Session
    rule: Automation
    config: configs.RuleConfig
    account: Account
    pots: dict[str, Pot]
    now: datetime
    timezone: str
    moved_today: int
    data_as_of: datetime | None

    @property
    def available(self) -> int:
        """The current account's spendable balance (below zero when overdrawn)."""
        balance = self.account.balance or 0
        if self.account.available is None:
            return balance
        return min(balance, self.account.available)

    @property
    def today(self) -> date:
        """The user's local date."""
        return self.now.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class KindScene:
    """A decision with the context it was made in."""

    ctx: KindContext
    decision: RuleDecision

    @property
    def explanation(self) -> str:
        """The decision's words, then which balances it used: read live, or (Monzo not
        answering) the last synced ones, and from when."""
        said = self.decision.explanation
        said = said if said.endswith(".") else f"{said}."
        zone = ZoneInfo(self.ctx.timezone)
        if self.ctx.data_as_of is not None:
            local = self.ctx.data_as_of.astimezone(zone)
            return (
                f"{said} Based on balances from {local:%H:%M}: Monzo could not be reached just now."
            )
        return (
            f"{said} Current account and pots read live at {self.ctx.now.astimezone(zone):%H:%M}."
        )

    @property
    def inputs(self) -> dict[str, object]:
        """What the run record keeps of the inputs."""
        return {
            "current_account_available": self.ctx.available,
            "pots": {pot_id: pot.balance for pot_id, pot in self.ctx.pots.items()},
            "moved_today": self.ctx.moved_today,
            "currency": self.ctx.account.currency,
        }


def read_context(
    db: Session, rule: Automation, *, now: datetime, timezone: str, stale: list[datetime]
) -> KindContext:
    """The rule's account and pots as the mirror holds them now (`Skip` when they
    cannot be decided on: a pot gone, no balance yet, stand-ins too old)."""
    config = configs.parse(rule.kind, rule.config)
    pots: dict[str, Pot] = {}
    for pot_id in configs.pot_ids(rule.kind, rule.config):
        pot = db.get(Pot, pot_id)
        if pot is None or pot.user_id != rule.user_id:
            raise Skip("pot_missing", "A pot of this rule no longer exists.", pauses_rule=True)
        pots[pot_id] = pot
    first = next(iter(pots.values()))
    account = db.get(Account, first.account_id)
    if account is None or account.balance is None:
        raise Skip("no_data", "The Monzo current account has not been synced yet.")
    oldest = min(stale) if stale else None
    if oldest is not None and now - oldest > MAX_FALLBACK_AGE:
        raise Skip(
            "stale_data",
            "Monzo could not be reached and its last synced balances are older than "
            f"{int(MAX_FALLBACK_AGE.total_seconds() // 3600)} hours; nothing was decided.",
        )
    return KindContext(
        db=db,
        rule=rule,
        config=config,
        account=account,
        pots=pots,
        now=now,
        timezone=timezone,
        moved_today=_moved_today(db, rule.id, timezone, now),
        data_as_of=oldest,
    )


def _moved_today(db: Session, automation_id: str, timezone: str, now: datetime) -> int:
    """What the rule has moved (either way) since midnight in the user's time zone."""
    zone = ZoneInfo(timezone)
    local_midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    moved = db.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.automation_id == automation_id,
            Transfer.status.in_(_COUNTED_TODAY),
            Transfer.created_at >= local_midnight.astimezone(UTC),
        )
    )
    return int(moved or 0)
