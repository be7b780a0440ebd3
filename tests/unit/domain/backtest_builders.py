"""Builders for the backtest tests: a week of March 2026 in London (GMT, so local times
equal UTC), postings on the current account and the rule configs of each kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from potwise.domain.backtest import CardHistory, Due, History, Note, Posting, PotStart
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.rules.autosort import AutosortConfig, Income, SortStep, StepKind
from potwise.domain.rules.cardpot import CardPotConfig
from potwise.domain.rules.goal import GoalConfig
from potwise.domain.rules.sweep import SweepConfig
from potwise.domain.rules.topup import TopupConfig

POT = "pot-savings"
BILLS = "pot-bills"
CARD = "card-amex"
BIG = 10_000_000  # limits nothing in a test reaches


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """``day`` March 2026 at ``hour``:``minute`` in London (GMT: the same in UTC)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def march(day: int) -> date:
    return date(2026, 3, day)


def spend(day: int, hour: int, pence: int, tid: str | None = None) -> Posting:
    return Posting(at(day, hour), -pence, tid or f"spend-{day}-{hour}", "Shop")


def credit(
    day: int, hour: int, pence: int, *, salary: bool = False, text: str = "ACME LTD SALARY"
) -> Posting:
    return Posting(at(day, hour), pence, f"credit-{day}-{hour}", text, salary=salary)


def into_pot(day: int, hour: int, pence: int, pot: str = POT) -> Posting:
    """The user's own deposit into ``pot`` (it leaves the current account)."""
    return Posting(at(day, hour), -pence, f"pot-{day}-{hour}", pot, pot_id=pot)


def history(
    *postings: Posting,
    opening: int = 100_000,
    pots: Sequence[tuple[str, int]] = ((POT, 0),),
    last_day: int = 7,
    paydays: Sequence[date] = (),
    dues: Sequence[Due] = (),
    cards: Sequence[CardHistory] = (),
    notes: Sequence[Note] = (),
) -> History:
    """From 1 March 2026 00:00 to ``last_day`` March at 23:00, the postings in order."""
    names = {POT: "Savings", BILLS: "Bills"}
    return History(
        start=at(1, 0),
        end=at(last_day, 23),
        opening=opening,
        postings=tuple(sorted(postings, key=lambda p: p.at)),
        pots=tuple(PotStart(pot_id, names[pot_id], balance) for pot_id, balance in pots),
        paydays=tuple(paydays),
        dues=tuple(dues),
        cards=tuple(cards),
        notes=tuple(notes),
    )


def sweep_config(**changes: Any) -> SweepConfig:
    """A daily 20:00 sweep above £500.00 into Savings, to the penny, roomy limits."""
    fields: dict[str, Any] = {
        "pot_id": POT,
        "threshold": 50_000,
        "schedule": "daily",
        "keep_for_bills": True,
        "round_to": 1,
        "max_transfer": BIG,
        "max_per_day": BIG,
    }
    return SweepConfig(**{**fields, **changes})


def topup_config(**changes: Any) -> TopupConfig:
    """Below £200.00, back to £400.00 from Savings; no cooldown unless given."""
    fields: dict[str, Any] = {
        "pot_id": POT,
        "floor": 20_000,
        "target": 40_000,
        "cooldown_hours": 0,
        "max_transfer": BIG,
        "max_per_day": BIG,
    }
    return TopupConfig(**{**fields, **changes})


def autosort_config(*steps: SortStep, **changes: Any) -> AutosortConfig:
    """The salary, 10% to Savings unless other steps are given."""
    fields: dict[str, Any] = {
        "income": Income.SALARY,
        "steps": steps or (SortStep(POT, StepKind.PERCENT, percent_bp=1_000),),
        "max_transfer": BIG,
        "max_per_day": BIG,
    }
    return AutosortConfig(**{**fields, **changes})


def goal_config(**changes: Any) -> GoalConfig:
    """£1,200.00 in Savings by 1 March 2027, a share each payday."""
    fields: dict[str, Any] = {
        "pot_id": POT,
        "target_amount": 120_000,
        "target_date": date(2027, 3, 1),
        "max_transfer": BIG,
        "max_per_day": BIG,
        "contribute_on_payday": True,
    }
    return GoalConfig(**{**fields, **changes})


def card_pot_config(**changes: Any) -> CardPotConfig:
    fields: dict[str, Any] = {
        "pot_id": POT,
        "card_account_ids": (CARD,),
        "cooldown_hours": 3,
        "max_transfer": BIG,
        "max_per_day": BIG,
    }
    return CardPotConfig(**{**fields, **changes})


def card_row(
    day: int, hour: int, pence: int, *, pending: bool = False, tid: str | None = None
) -> BankTransaction:
    """A card transaction in the user's signs: a purchase is negative, a repayment positive."""
    return BankTransaction(
        external_id=tid or f"card-{day}-{hour}",
        account_external_id="amex-1",
        created_at=at(day, hour),
        amount=pence,
        currency="GBP",
        status=TransactionStatus.PENDING if pending else TransactionStatus.SETTLED,
        description="PURCHASE" if pence < 0 else "PAYMENT RECEIVED",
    )


def card(*rows: BankTransaction, balance: int = 0) -> CardHistory:
    """The American Express card owing ``-balance`` at the start (owed is negative)."""
    return CardHistory(
        account_id=CARD,
        provider_id="ob-amex",
        name="Amex",
        currency="GBP",
        balance=balance,
        transactions=tuple(sorted(rows, key=lambda r: r.created_at)),
    )
