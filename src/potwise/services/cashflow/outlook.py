"""Safe to spend and the forecast for one user, from the mirror and their choices.

What goes in (see `domain.cashflow` for the sums themselves):

* cash: the balances of open current and joint accounts; pots only when the
  user included them; an arranged overdraft (the account's limit) is a cushion;
* commitments that are not dismissed and still running (`commitments`);
* planned items and instalments from today on (`plans`);
* each open credit card's repayments of what it owes now, by its model
  (pay in full by default, from the first current account);
* what enabled credit-card pot rules' pots hold, as cover for the card
  repayments due before payday (so they are not subtracted twice), and in
  the forecast as money the pot gives back when the card is repaid;
* the user's set-asides; everyday spending from the last six months, without
  what was spent on cards paid down by fixed or minimum repayments (their
  repayments are the cash that leaves).

The next payday comes from the user's override, else the largest recurring
income; with neither, the same day next month stands in and `payday_source`
says ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Account, Automation, Pot
from potwise.db.scoping import owned
from potwise.domain import cardmodels
from potwise.domain.cashevents import CashEvent
from potwise.domain.cashflow import (
    MAX_FORECAST_DAYS,
    AccountBalance,
    CardCover,
    EverydaySpend,
    Forecast,
    PotBalance,
    SafeToSpend,
    SetAside,
    card_cover_events,
    commitment_events,
    forecast,
    safe_to_spend,
)
from potwise.domain.errors import DomainError
from potwise.domain.payday import PaydayRule, next_payday, payday_rule
from potwise.domain.schedules import add_months
from potwise.logs import get_logger
from potwise.services.cashflow import commitments, plans
from potwise.services.cashflow.history import History, history
from potwise.services.errors import InvalidInput

CURRENCY = "GBP"
log = get_logger(__name__)


@dataclass(frozen=True)
class Outlook:
    """Everything safe to spend and the forecast are computed from."""

    today: date
    next_payday: date
    payday_source: str  # override, detected or none
    payday: PaydayRule | None
    accounts: tuple[AccountBalance, ...]
    pots: tuple[PotBalance, ...]
    events: tuple[CashEvent, ...]
    set_asides: tuple[SetAside, ...]
    card_cover: int
    cards_owed: int
    everyday: EverydaySpend
    commitments: tuple[commitments.CommitmentView, ...]


def _same_day_next_month(today: date) -> date:
    year, month = add_months(today.year, today.month, 1)
    day = today.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def outlook(
    db: Session,
    user_id: str,
    *,
    now: datetime,
    zone: tzinfo,
    days: int = 0,
    what_if: list[plans.PlannedInput] | None = None,
) -> Outlook:
    """Gather the inputs for ``days`` ahead (at least up to the next payday)."""
    found = history(db, user_id, now=now, zone=zone)
    today = found.today
    views = commitments.views(db, user_id, now=now, zone=zone, found=found)
    counted = [v.model for v in views if v.counted]
    prefs = plans.preferences(db, user_id)
    rule = payday_rule(counted, today=today, override=prefs.payday_override)
    payday, source = _payday(rule, today)
    until = max(payday, today + timedelta(days=days))

    balances = _balances(db, user_id)
    included = set(prefs.included_pot_ids)
    pot_rows = _pot_rows(db, user_id)
    events: list[CashEvent] = commitment_events(counted, today, until)
    events.extend(_planned(db, user_id, today, what_if))
    default_from = balances[0].id if balances else ""
    cards = _card_repayments(db, user_id, found, default_from, today, until)
    events.extend(cards.events)
    covers = _covers(db, user_id, pot_rows, included)
    events.extend(card_cover_events(events, covers))
    return Outlook(
        today=today,
        next_payday=payday,
        payday_source=source,
        payday=rule,
        accounts=balances,
        pots=tuple(PotBalance(p.id, p.name, p.balance, p.id in included) for p in pot_rows),
        events=tuple(sorted(events, key=lambda e: (e.on, e.kind.value, e.label, e.ref))),
        set_asides=tuple(SetAside(label, amount) for label, amount in prefs.set_asides),
        card_cover=sum(max(c.balance, 0) for c in covers),
        cards_owed=cards.owed,
        everyday=found.everyday_without(cards.paid_down),
        commitments=tuple(views),
    )


def _payday(rule: PaydayRule | None, today: date) -> tuple[date, str]:
    """The next payday and where it comes from; with no rule, the same day next month
    stands in (source ``none``)."""
    if rule is None:
        return _same_day_next_month(today), "none"
    return next_payday(rule, today), rule.source


def _planned(
    db: Session, user_id: str, today: date, what_if: list[plans.PlannedInput] | None
) -> list[CashEvent]:
    """The planned items' and instalments' events from today on, the unsaved "what if"
    items after them."""
    events = plans.planned_events(plans.list_planned(db, user_id), today)
    if what_if:
        events.extend(
            plans.planned_events(what_if, today, [f"what-if-{i}" for i in range(len(what_if))])
        )
    return events


def _balances(db: Session, user_id: str) -> tuple[AccountBalance, ...]:
    """The open current and joint accounts with a balance, current accounts first."""
    accounts = [
        a
        for a in db.scalars(
            owned(Account, user_id).where(
                Account.kind.in_(plans.SPENDING_KINDS), Account.closed.is_(False)
            )
        )
        if a.balance is not None and a.currency == CURRENCY
    ]
    accounts.sort(key=lambda a: (a.kind != "current", a.name, a.id))
    return tuple(
        AccountBalance(a.id, a.name, a.balance or 0, max(a.credit_limit or 0, 0)) for a in accounts
    )


def _pot_rows(db: Session, user_id: str) -> list[Pot]:
    return [
        p
        for p in db.scalars(owned(Pot, user_id).where(Pot.deleted.is_(False)))
        if p.currency == CURRENCY
    ]


@dataclass(frozen=True)
class _CardRepayments:
    """The open cards' repayment events, what they owe now, and the cards paid down by
    fixed or minimum repayments (their spending is not everyday spending)."""

    events: list[CashEvent]
    owed: int
    paid_down: frozenset[str]


def _card_repayments(
    db: Session, user_id: str, found: History, default_from: str, today: date, until: date
) -> _CardRepayments:
    """Each open credit card's repayments of what it owes now, by its model; a model
    that names no account pays from ``default_from`` (the first current account)."""
    events: list[CashEvent] = []
    settings = plans.card_settings(db, user_id)
    # Shown beside safe to spend and repaid in the forecast: owed as the card-pot rule
    # and the dashboard count it (pending charges in; see plans.card_state for why the
    # everyday-spending estimate does not count them again).
    owed_total = sum(s.owed for s in settings)
    paid_down: set[str] = set()
    for setting in settings:
        card = setting.account
        model = plans.card_domain(setting)
        if model.mode is not cardmodels.RepaymentMode.PAY_IN_FULL:
            paid_down.add(card.id)
        if not model.pay_from_account_id:
            model = replace(model, pay_from_account_id=default_from)
        # With the provider's last statement and payment due where the card reports them.
        state = plans.card_state(card, setting.owed, found.card_repayment_dates(card.id))
        events.extend(cardmodels.repayment_events(model, state, today, until))
    return _CardRepayments(events, owed_total, frozenset(paid_down))


def _covers(db: Session, user_id: str, pot_rows: list[Pot], included: set[str]) -> list[CardCover]:
    """The pots of enabled credit-card pot rules (not counted as cash), with the cards
    each is kept for."""
    pots_by_id = {p.id: p for p in pot_rows}
    cover_cards: dict[str, set[str]] = {}
    for rule_row in db.scalars(
        owned(Automation, user_id).where(
            Automation.kind == "card_pot", Automation.enabled.is_(True)
        )
    ):
        cards_of_rule = cover_cards.setdefault(str(rule_row.config.get("pot_id", "")), set())
        cards_of_rule.update(str(c) for c in rule_row.config.get("card_account_ids", []))
    return [
        CardCover(
            p, pots_by_id[p].name, pots_by_id[p].balance, frozenset(cards), pots_by_id[p].account_id
        )
        for p, cards in sorted(cover_cards.items())
        if p in pots_by_id and p not in included
    ]


def safe_to_spend_now(
    db: Session, user_id: str, *, now: datetime, zone: tzinfo
) -> tuple[SafeToSpend, Outlook]:
    """How much is the user's to spend until the next payday, with its breakdown."""
    inputs = outlook(db, user_id, now=now, zone=zone)
    result = safe_to_spend(
        today=inputs.today,
        next_payday=inputs.next_payday,
        accounts=inputs.accounts,
        pots=inputs.pots,
        events=inputs.events,
        set_asides=inputs.set_asides,
        card_cover=inputs.card_cover,
        cards_owed=inputs.cards_owed,
        currency=CURRENCY,
    )
    return result, inputs


def forecast_days(
    db: Session,
    user_id: str,
    days: int,
    *,
    now: datetime,
    zone: tzinfo,
    what_if: list[plans.PlannedInput] | None = None,
) -> tuple[Forecast, Outlook]:
    """The daily projection for ``days`` (1-366) days; ``what_if`` adds unsaved items."""
    if isinstance(days, bool) or not 1 <= days <= MAX_FORECAST_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_FORECAST_DAYS}.")
    inputs = outlook(db, user_id, now=now, zone=zone, days=days, what_if=what_if)
    if not inputs.accounts:
        raise InvalidInput("A forecast needs a current account with a balance: connect one first.")
    result = forecast(
        today=inputs.today,
        days=days,
        accounts=inputs.accounts,
        events=inputs.events,
        everyday=inputs.everyday,
        spending_account_id=inputs.accounts[0].id,
    )
    return result, inputs


def dashboard_safe_to_spend(db: Session, user_id: str, zone: tzinfo) -> SafeToSpend | None:
    """The dashboard's figure now, or None before any current account has a balance
    (or when it cannot be worked out: logged, and the rest of the dashboard still shows)."""
    try:
        result, inputs = safe_to_spend_now(db, user_id, now=clock.now(), zone=zone)
    except DomainError as exc:
        log.warning("cashflow.dashboard_failed", user_id=user_id, code=exc.code, error=exc.message)
        return None
    return result if inputs.accounts else None
