"""Backtest a rule before switching it on: what it would have done over the last 3, 6
or 12 months, replayed on the mirror (`domain/backtest`).

It is a what-if: nothing is stored and no bank is asked. The rule's config is
checked as a new rule's is (`configs.parse`, the pots and cards the user's own and
live, every pot on one current account), but not against the user's other rules:
two rules that would fight may each be backtested. The session is only read, and
rolled back at the end.

The period runs from local midnight, ``months`` calendar months before today, to
now; days are the user's (`services/zones.py`). What the history is made of, and
what it cannot tell, is in `backtest_history`. Pot moves a live rule really made are
part of that history, like the user's own: a rule backtested while it is already on
counts its effect twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from potwise.db.models import Account, Pot
from potwise.db.scoping import get_owned
from potwise.domain import backtest
from potwise.domain.mirror import AccountKind
from potwise.domain.rules import autosort, cardpot, goal, sweep, topup
from potwise.services.automations import configs, rules
from potwise.services.automations.backtest_history import Period, card_histories, read_history
from potwise.services.automations.rules import own_pot
from potwise.services.errors import InvalidInput

__all__ = ["MONTHS", "run_backtest"]

#: The periods a backtest may cover, in months.
MONTHS: Final = (3, 6, 12)


def run_backtest(
    db: Session,
    user_id: str,
    kind: str,
    config: dict[str, Any],
    months: int,
    *,
    now: datetime,
    zone: ZoneInfo,
    automation_id: str | None = None,
) -> backtest.Backtest:
    """What the rule ``kind``/``config`` would have done over the last ``months`` months
    of the user's own data. Writes nothing. With ``automation_id`` (one of the user's
    rules, already running) that rule's own past moves are left out of the history,
    so they are not counted twice."""
    if isinstance(months, bool) or months not in MONTHS:
        raise InvalidInput("months must be 3, 6 or 12.")
    parsed = configs.parse(kind, config)
    rule = domain_config(parsed)
    try:
        period = _period(months, now, zone)
        pots = _pots(db, user_id, kind, parsed)
        account = db.get(Account, pots[0].account_id)
        if account is None or account.balance is None:
            raise InvalidInput("The current account has not been synced yet: sync it first.")
        cards: list[backtest.CardHistory] = []
        if isinstance(parsed, configs.CardPotConfig):
            owned = [_own_card(db, user_id, card_id) for card_id in parsed.card_account_ids]
            cards = card_histories(db, owned, period)
        if automation_id is not None:
            rules.get(db, user_id, automation_id)  # the user's own, or NotFound
        history = read_history(db, user_id, account, pots, period, cards, automation_id)
        return backtest.backtest(history, rule)
    finally:
        db.rollback()


def _period(months: int, now: datetime, zone: ZoneInfo) -> Period:
    today = now.astimezone(zone).date()
    first = backtest.shift_months(today, -months)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    return Period(first=first, start=start, now=now.astimezone(UTC), zone=zone)


def _pots(db: Session, user_id: str, kind: str, parsed: configs.RuleConfig) -> list[Pot]:
    """The rule's pots: the user's own, live, in pounds, all on one current account."""
    pot_ids = configs.pot_ids(kind, configs.stored(parsed))
    pots = [
        own_pot(
            db,
            user_id,
            pot_id,
            f"config.steps.{i}.pot_id" if kind == "autosort" else "config.pot_id",
        )
        for i, pot_id in enumerate(pot_ids)
    ]
    if len({p.account_id for p in pots}) > 1:
        raise InvalidInput("Every pot of one rule must belong to the same current account.")
    for pot in pots:
        if pot.currency != "GBP":
            raise InvalidInput(f"The pot \u201c{pot.name}\u201d is not in pounds.")
    return pots


def _own_card(db: Session, user_id: str, card_id: str) -> Account:
    card = get_owned(db, Account, card_id, user_id)
    if card is None:
        raise InvalidInput(f"config.card_account_ids: {card_id} is not one of your accounts.")
    if card.kind != AccountKind.CREDIT_CARD:
        raise InvalidInput(f"config.card_account_ids: {card.name} is not a credit card.")
    if card.currency != "GBP":
        raise InvalidInput(f"{card.name} is not in pounds; a card pot needs one currency.")
    return card


def domain_config(parsed: configs.RuleConfig) -> backtest.RuleConfig:
    """The rule kind's own config, as its decision takes it."""
    if isinstance(parsed, configs.AutosortConfig):
        return autosort.AutosortConfig(
            income=autosort.Income(parsed.income),
            steps=_steps(parsed.steps),
            max_transfer=parsed.max_transfer,
            max_per_day=parsed.max_per_day,
            payer=parsed.payer,
            min_amount=parsed.min_amount,
        )
    if isinstance(parsed, configs.GoalConfig):
        return goal.GoalConfig(
            pot_id=parsed.pot_id,
            target_amount=parsed.target_amount,
            target_date=parsed.target_date,
            max_transfer=parsed.max_transfer,
            max_per_day=parsed.max_per_day,
            contribute_on_payday=parsed.contribute_on_payday,
        )
    stored = configs.stored(parsed)
    if isinstance(parsed, configs.SweepConfig):
        return sweep.SweepConfig.from_dict(stored)
    if isinstance(parsed, configs.TopupConfig):
        return topup.TopupConfig.from_dict(stored)
    return cardpot.CardPotConfig.from_dict(stored)


def _steps(steps: Sequence[configs.SortStep]) -> tuple[autosort.SortStep, ...]:
    return tuple(
        autosort.SortStep(
            pot_id=s.pot_id,
            kind=autosort.StepKind(s.kind),
            amount=s.amount,
            percent_bp=s.percent_bp,
        )
        for s in steps
    )
