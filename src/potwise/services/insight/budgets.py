"""Budgets: create, change, list with progress, and alert once per period.

Progress is worked out on read, from the mirror (see ``domain.budgets`` for the
rules): the spending of the budget's category in the current period, and with
rollover the periods before it, in one grouped query per budget. Alerts are
checked after every sync and webhook (:func:`install` subscribes to
``SyncFinished`` and ``TransactionsChanged``) and after the user re-categorises
(:func:`check_after_recategorisation`); a row in ``budget_alerts`` per budget,
period and threshold makes each alert go out once, even when two workers check
at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import Budget, BudgetAlert, Notice
from potwise.db.scoping import get_owned, owned
from potwise.domain import budgets as rules
from potwise.domain.budgets import PeriodKind, Progress
from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.money import Money
from potwise.domain.spending import Window
from potwise.logs import get_logger
from potwise.services import dashboard, zones
from potwise.services.errors import Conflict, InvalidInput, NotFound
from potwise.services.events import EventBus, Submit, after_user_changes
from potwise.services.insight import cells, own_categories
from potwise.services.notify import notify

log = get_logger(__name__)

#: £100,000: a larger monthly cap is a typo.
MAX_AMOUNT = 10_000_000
MAX_CATEGORY_LENGTH = 64
ALERT_KIND = "budget_alert"


@dataclass(frozen=True)
class BudgetInput:
    category: str
    amount: int
    currency: str = "GBP"
    period: str = "month"
    pay_day: str | None = None
    rollover: bool = False


@dataclass(frozen=True)
class BudgetChanges:
    """What a PATCH changes; None leaves a field as it is (``pay_day`` is cleared by
    switching to ``month``)."""

    category: str | None = None
    amount: int | None = None
    period: str | None = None
    pay_day: str | None = None
    rollover: bool | None = None


@dataclass(frozen=True)
class BudgetView:
    budget: Budget
    progress: Progress
    pay_day_label: str | None


# -- validation ------------------------------------------------------------------------


def _category(value: str) -> str:
    category = value.strip()
    if not category:
        raise InvalidInput("category: name the category to cap, for example groceries.")
    if len(category) > MAX_CATEGORY_LENGTH:
        raise InvalidInput(f"category: at most {MAX_CATEGORY_LENGTH} characters.")
    return category


def _amount(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("amount: a whole number of pence.")
    if value <= 0:
        raise InvalidInput("amount: a budget must be more than zero (pence).")
    if value > MAX_AMOUNT:
        raise InvalidInput(f"amount: at most {MAX_AMOUNT} pence (£100,000).")
    return value


def _period(period: str, pay_day: str | None) -> tuple[str, str | None]:
    try:
        kind = PeriodKind(period)
    except ValueError:
        raise InvalidInput('period: "month" or "pay_period".') from None
    if kind is PeriodKind.MONTH:
        if pay_day is not None:
            raise InvalidInput("pay_day: only a pay-period budget has a payday.")
        return kind.value, None
    if pay_day is None:
        raise InvalidInput(
            'pay_day: a pay-period budget needs the payday, "1".."31" or "last_working_day".'
        )
    try:
        rules.parse_pay_day(pay_day)
    except rules.InvalidBudget as exc:
        raise InvalidInput(f"pay_day: {exc.message}") from None
    return kind.value, pay_day


def _currency(value: str) -> str:
    if len(value) != 3 or not value.isascii() or not value.isupper() or not value.isalpha():
        raise InvalidInput("currency: three capital letters, for example GBP.")
    return value


def _unique(db: Session, user_id: str, category: str, budget_id: str | None) -> None:
    statement = owned(Budget, user_id).where(Budget.category == category)
    if budget_id is not None:
        statement = statement.where(Budget.id != budget_id)
    if db.scalars(statement).first() is not None:
        raise Conflict(f"There is already a budget for {category}; change that one instead.")


# -- commands --------------------------------------------------------------------------


def create(db: Session, user_id: str, data: BudgetInput) -> Budget:
    """A new budget for one of the user's categories (one budget per category); a
    category that holds no spending (income, transfers, savings) has none."""
    category = _category(data.category)
    period, pay_day = _period(data.period, data.pay_day)
    budget = Budget(
        user_id=user_id,
        category=category,
        amount=_amount(data.amount),
        currency=_currency(data.currency),
        period=period,
        pay_day=pay_day,
        rollover=bool(data.rollover),
        created_at=clock.now(),
    )
    own_categories.check_budgetable(db, user_id, category)
    _unique(db, user_id, category, None)
    db.add(budget)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"There is already a budget for {category}.") from None
    log.info("budget.created", user_id=user_id, budget_id=budget.id, category=category)
    return budget


def get(db: Session, user_id: str, budget_id: str) -> Budget:
    budget = get_owned(db, Budget, budget_id, user_id)
    if budget is None:
        raise NotFound("No such budget.")
    return budget


def update(db: Session, user_id: str, budget_id: str, changes: BudgetChanges) -> Budget:
    """Change a budget. Alerts already sent this period stay sent."""
    budget = get(db, user_id, budget_id)
    if changes.category is not None:
        category = _category(changes.category)
        if category != budget.category:  # a budget made before the checks may stay as it is
            own_categories.check_budgetable(db, user_id, category)
        _unique(db, user_id, category, budget.id)
        budget.category = category
    if changes.amount is not None:
        budget.amount = _amount(changes.amount)
    if changes.period is not None or changes.pay_day is not None:
        period = changes.period if changes.period is not None else budget.period
        pay_day = changes.pay_day
        if pay_day is None and period == PeriodKind.PAY_PERIOD.value:
            pay_day = budget.pay_day
        budget.period, budget.pay_day = _period(period, pay_day)
    if changes.rollover is not None:
        budget.rollover = bool(changes.rollover)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict("There is already a budget for that category.") from None
    log.info("budget.updated", user_id=user_id, budget_id=budget.id)
    return budget


def delete(db: Session, user_id: str, budget_id: str) -> None:
    budget = get(db, user_id, budget_id)
    db.delete(budget)
    db.commit()
    log.info("budget.deleted", user_id=user_id, budget_id=budget_id)


# -- progress --------------------------------------------------------------------------


def _pay_day(budget: Budget) -> rules.PayDay | None:
    if budget.period != PeriodKind.PAY_PERIOD.value:
        return None
    return rules.parse_pay_day(budget.pay_day)


def progress_of(
    db: Session,
    budget: Budget,
    *,
    today: date,
    zone: tzinfo,
    cal: UKCalendar = DEFAULT_CALENDAR,
) -> Progress:
    """Where the budget stands on ``today`` (a local date), rollover included."""
    kind = PeriodKind(budget.period)
    pay_day = _pay_day(budget)
    current = rules.period_containing(today, kind, pay_day, cal)
    periods = [current]
    if budget.rollover:
        created = budget.created_at.astimezone(zone).date()
        candidates = rules.periods_ending(current, rules.ROLLOVER_PERIODS + 1, kind, pay_day, cal)
        periods = [p for p in candidates if p.end > created] or [current]
    found = cells.spending_per_window(
        db,
        budget.user_id,
        windows=[Window(p.start, p.end) for p in periods],
        zone=zone,
        currency=budget.currency,
        category=budget.category,
    )
    carried = rules.carried_over(budget.amount, [spent for spent, _ in found[:-1]])
    spent, payments = found[-1]
    return rules.progress(budget.amount, carried, spent, current, today, payments=payments)


def _view(db: Session, budget: Budget, today: date, zone: tzinfo) -> BudgetView:
    pay_day = _pay_day(budget)
    return BudgetView(
        budget=budget,
        progress=progress_of(db, budget, today=today, zone=zone),
        pay_day_label=rules.pay_day_label(pay_day) if pay_day is not None else None,
    )


def list_with_progress(
    db: Session, user_id: str, *, now: datetime, zone: tzinfo
) -> list[BudgetView]:
    """The user's budgets, by category, each with its progress at ``now``."""
    today = now.astimezone(zone).date()
    budgets = db.scalars(owned(Budget, user_id).order_by(Budget.category, Budget.id)).all()
    return [_view(db, b, today, zone) for b in budgets]


def view(db: Session, user_id: str, budget_id: str, *, now: datetime, zone: tzinfo) -> BudgetView:
    return _view(db, get(db, user_id, budget_id), now.astimezone(zone).date(), zone)


# -- alerts ----------------------------------------------------------------------------


def _record(db: Session, budget: Budget, period_start: date, threshold: int) -> bool:
    """Remember an alert as sent; False when it already was (perhaps just now, by
    another worker: the unique constraint decides)."""
    try:
        with db.begin_nested():
            db.add(
                BudgetAlert(
                    user_id=budget.user_id,
                    budget_id=budget.id,
                    period_start=period_start,
                    threshold=threshold,
                    created_at=clock.now(),
                )
            )
    except IntegrityError:
        return False
    return True


def check_alerts(db: Session, user_id: str, *, now: datetime, zone: tzinfo) -> list[Notice]:
    """Send the budget alerts due at ``now`` (80 % and 100 %, once per budget and
    period) and commit. Returns the notices sent."""
    sent: list[Notice] = []
    # The user's own categories are called by the names they gave them.
    own_names = {c.key: c.name for c in own_categories.own(db, user_id)}
    for item in list_with_progress(db, user_id, now=now, zone=zone):
        budget, state = item.budget, item.progress
        already = set(
            db.scalars(
                select(BudgetAlert.threshold).where(
                    BudgetAlert.budget_id == budget.id,
                    BudgetAlert.period_start == state.period.start,
                )
            )
        )
        due = rules.alert_due(state, already)
        if due is None:
            continue
        recorded = [t for t in due.record if _record(db, budget, state.period.start, t)]
        if due.announce not in recorded:
            continue
        name = own_names.get(budget.category, budget.category)
        message = rules.alert_message(name, budget.currency, due.announce, state)
        level = "error" if due.announce >= rules.THRESHOLDS[-1] else "warning"
        sent.append(notify(db, user_id, ALERT_KIND, message, level=level))
        log.info(
            "budget.alert",
            user_id=user_id,
            budget_id=budget.id,
            threshold=due.announce,
            spent=Money(state.spent, budget.currency).format(),
            period_start=state.period.start.isoformat(),
        )
    db.commit()
    return sent


def check_user(
    session_factory: sessionmaker[Session],
    user_id: str,
    *,
    fallback_timezone: str,
    now: datetime | None = None,
) -> list[Notice]:
    """Check one user's budgets in a unit of work of its own."""
    return dashboard.check_user_alerts(
        session_factory, check_alerts, user_id, fallback_timezone=fallback_timezone, now=now
    )


def check_after_recategorisation(
    db: Session, user_id: str, *, fallback_timezone: str
) -> list[Notice]:
    """Call after the user changed categories or classifications (and committed):
    spending moved between budgets, so an alert may now be due."""
    zone = zones.user_zone(db, user_id, fallback_timezone)
    return check_alerts(db, user_id, now=clock.now(), zone=zone)


def install(
    events: EventBus,
    session_factory: sessionmaker[Session],
    *,
    fallback_timezone: str,
    submit: Submit | None = None,
) -> None:
    """Check a user's budgets after each of their syncs and after a webhook brings new
    transactions; ``submit`` decides where (a thread pool in the web app, inline in
    the worker). The classifier subscribed first, so the rows are classified by then."""

    after_user_changes(
        events,
        lambda user_id: check_user(session_factory, user_id, fallback_timezone=fallback_timezone),
        name="budget.check",
        submit=submit,
    )
