"""Planned items (one-off costs and instalment plans), card repayment models and the
user's cash-flow preferences: stored choices, turned into the domain's cash events.

A planned item's `amount` is signed (negative: money leaves). With `months` it is
an instalment plan: `abs(amount)` borrowed, repaid monthly from `due_on` at
`annual_rate` (nominal percent), the schedule derived by
`domain.instalments.instalment_plan` so the instalments sum to the total
exactly. The forecast counts what is still to come: a new one-off item dated
before today is refused (it would count nowhere), and so is a plan whose every
instalment is already past; a plan that started before today counts the instalments
still to come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from potwise.db.models import Account, CardModel, CashflowPreference, PlannedItem, Pot
from potwise.db.scoping import get_owned, owned
from potwise.domain import cardmodels, cashevents, instalments
from potwise.domain.cashevents import CashEvent
from potwise.domain.payday import PaydayOverride
from potwise.services import cards as cards_owed
from potwise.services.cashflow import window
from potwise.services.errors import InvalidInput, NotFound

MAX_AMOUNT = 100_000_000
MAX_SET_ASIDES = 20
MAX_MATCH_WORKING_DAYS = 10
SPENDING_KINDS = ("current", "joint")

# ------------------------------------------------------------------ planned items


@dataclass(frozen=True)
class PlannedInput:
    label: str
    amount: int
    due_on: date
    months: int | None = None
    annual_rate: str = "0"
    account_id: str | None = None


def _rate(text: str) -> Decimal:
    try:
        rate = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise InvalidInput("annual_rate must be a number of percent, like 0 or 25.9.") from None
    if not rate.is_finite() or not 0 <= rate <= 1000:
        raise InvalidInput("annual_rate must be between 0 and 1000 percent.")
    return rate


def _spending_account(db: Session, user_id: str, account_id: str | None, field: str) -> None:
    if account_id is None:
        return
    account = get_owned(db, Account, account_id, user_id)
    if account is None or account.kind not in SPENDING_KINDS:
        raise InvalidInput(f"{field} must be one of your current accounts.")


def check_planned(db: Session, user_id: str, item: PlannedInput) -> None:
    """Refuse what cannot be planned, with a message people can act on."""
    if not item.label.strip() or len(item.label) > 200:
        raise InvalidInput("label must be 1-200 characters.")
    if item.amount == 0 or abs(item.amount) > MAX_AMOUNT:
        raise InvalidInput("amount must be a non-zero number of pence, at most £1,000,000.")
    if item.months is not None:
        if not 1 <= item.months <= instalments.MAX_MONTHS:
            raise InvalidInput(f"months must be 1-{instalments.MAX_MONTHS}.")
        if item.amount > 0:
            raise InvalidInput("an instalment plan is money you pay: give a negative amount.")
    _rate(item.annual_rate)
    _spending_account(db, user_id, item.account_id, "account_id")


def check_still_to_come(item: PlannedInput, today: date) -> None:
    """Refuse a new item the forecast would not count: a one-off dated before `today`
    (today is fine), or a plan whose last instalment is before `today`."""
    plan = plan_of(item)
    if plan is None and item.due_on < today:
        raise InvalidInput(
            f"The date {item.due_on.isoformat()} is in the past: a planned cost must be "
            f"today ({today.isoformat()}) or later for the forecast to count it."
        )
    if plan is not None and plan.instalments[-1].on < today:
        raise InvalidInput(
            f"Every instalment of a plan starting {item.due_on.isoformat()} is in the past: "
            "give the date of the first payment still to come."
        )


def create_planned(db: Session, user_id: str, item: PlannedInput, *, today: date) -> PlannedItem:
    """Store a planned item dated within the window around `today` (window.py) that the
    forecast counts (:func:`check_still_to_come`); `today` is the user's local date."""
    check_planned(db, user_id, item)
    window.check_date(item.due_on, today, "The date")
    check_still_to_come(item, today)
    row = PlannedItem(
        user_id=user_id,
        label=item.label.strip(),
        amount=item.amount,
        currency="GBP",
        due_on=item.due_on,
        months=item.months,
        annual_rate=str(_rate(item.annual_rate)),
        account_id=item.account_id,
    )
    db.add(row)
    db.commit()
    return row


def list_planned(db: Session, user_id: str) -> list[PlannedItem]:
    return list(
        db.scalars(owned(PlannedItem, user_id).order_by(PlannedItem.due_on, PlannedItem.id))
    )


def delete_planned(db: Session, user_id: str, item_id: str) -> None:
    row = get_owned(db, PlannedItem, item_id, user_id)
    if row is None:
        raise NotFound("No such planned item.")
    db.delete(row)
    db.commit()


def plan_of(item: PlannedItem | PlannedInput) -> instalments.InstalmentPlan | None:
    """The derived instalment schedule of an instalment plan (None for a one-off)."""
    if item.months is None:
        return None
    return instalments.instalment_plan(
        abs(item.amount), item.months, Fraction(_rate(item.annual_rate)), item.due_on
    )


def planned_events(
    items: Sequence[PlannedItem | PlannedInput], today: date, ids: Sequence[str] = ()
) -> list[CashEvent]:
    """Cash events of planned items from ``today`` on (``ids`` name unsaved ones)."""
    events: list[CashEvent] = []
    for index, item in enumerate(items):
        item_id = item.id if isinstance(item, PlannedItem) else ids[index]
        plan = plan_of(item)
        if plan is None:
            if item.due_on >= today:
                events.extend(
                    cashevents.planned_events(
                        [
                            cashevents.PlannedItem(
                                item_id, item.label, item.due_on, item.amount, item.account_id or ""
                            )
                        ]
                    )
                )
            continue
        events.extend(
            e
            for e in instalments.instalment_events(
                plan, label=item.label, plan_id=item_id, account_id=item.account_id or ""
            )
            if e.on >= today
        )
    return events


# ------------------------------------------------------------------ card models


@dataclass(frozen=True)
class CardSetting:
    """A card with its repayment model (stored, or the default: pay in full)."""

    account: Account
    mode: str
    fixed_amount: int | None
    annual_rate: str
    due_day: int | None
    pay_from_account_id: str | None
    stored: bool
    #: What the card owes now, as every screen and the card-pot rule count it
    #: (`services.cards.owed_now`: pending charges the issuer leaves out of the
    #: balance included, repayments on their way taken off).
    owed: int = 0


def cards(db: Session, user_id: str) -> list[Account]:
    return list(
        db.scalars(
            owned(Account, user_id)
            .where(Account.kind == "credit_card", Account.closed.is_(False))
            .order_by(Account.name, Account.id)
        )
    )


def card_settings(db: Session, user_id: str) -> list[CardSetting]:
    stored = {m.account_id: m for m in db.scalars(owned(CardModel, user_id))}
    open_cards = cards(db, user_id)
    owed = cards_owed.owed_now(db, open_cards)
    out = []
    for card in open_cards:
        m = stored.get(card.id)
        out.append(
            CardSetting(
                card,
                m.mode if m else "pay_in_full",
                m.fixed_amount if m else None,
                m.annual_rate if m else "0",
                m.due_day if m else None,
                m.pay_from_account_id if m else None,
                m is not None,
                owed.get(card.id, 0),
            )
        )
    return out


@dataclass(frozen=True)
class CardInput:
    mode: str = "pay_in_full"
    fixed_amount: int | None = None
    annual_rate: str = "0"
    due_day: int | None = None
    pay_from_account_id: str | None = None


def set_card_model(db: Session, user_id: str, account_id: str, item: CardInput) -> CardSetting:
    card = get_owned(db, Account, account_id, user_id)
    if card is None or card.kind != "credit_card":
        raise NotFound("No such card.")
    if item.mode not in ("pay_in_full", "fixed", "minimum"):
        raise InvalidInput("mode must be pay_in_full, fixed or minimum.")
    if item.mode == "fixed" and (
        item.fixed_amount is None or not 0 < item.fixed_amount <= MAX_AMOUNT
    ):
        raise InvalidInput("a fixed repayment needs fixed_amount, a positive number of pence.")
    if item.due_day is not None and not 1 <= item.due_day <= 31:
        raise InvalidInput("due_day must be 1-31.")
    _rate(item.annual_rate)
    _spending_account(db, user_id, item.pay_from_account_id, "pay_from_account_id")
    row = db.scalars(owned(CardModel, user_id).where(CardModel.account_id == card.id)).first()
    if row is None:
        row = CardModel(user_id=user_id, account_id=card.id)
        db.add(row)
    row.mode = item.mode
    row.fixed_amount = item.fixed_amount if item.mode == "fixed" else None
    row.annual_rate = str(_rate(item.annual_rate))
    row.due_day = item.due_day
    row.pay_from_account_id = item.pay_from_account_id
    db.commit()
    return next(s for s in card_settings(db, user_id) if s.account.id == card.id)


def card_state(
    card: Account, owed: int, repayment_dates: Sequence[date] = ()
) -> cardmodels.CardState:
    """What the card owes now (``owed``: :attr:`CardSetting.owed`, the one reading), with
    its provider's last statement and payment due where it reports them (TrueLayer
    cards; Amex has no payment due): the card models prefer those to the due day found
    in ``repayment_dates`` (the card's repayments seen).

    Pending charges are in ``owed`` and so in the repayments, and not counted twice:
    the everyday-spending estimate counts spending from tomorrow on (learnt from
    settled history), the repayments what was spent up to now. A pay-in-full card pays
    its last statement (posted before the pending charges) on the next due date and
    the rest of ``owed``, pending charges included, on the one after."""
    return cardmodels.CardState(
        card_id=card.id,
        owed=owed,
        statement_balance=None
        if card.statement_balance is None
        else max(-card.statement_balance, 0),
        statement_date=card.statement_date,
        due_date=card.payment_due_date,
        minimum_due=card.payment_due,
        repayment_dates=tuple(repayment_dates),
    )


def card_domain(setting: CardSetting) -> cardmodels.CardModel:
    return cardmodels.CardModel(
        card_id=setting.account.id,
        label=setting.account.name,
        mode=cardmodels.RepaymentMode(setting.mode),
        pay_from_account_id=setting.pay_from_account_id or "",
        fixed_amount=setting.fixed_amount,
        annual_rate=Fraction(_rate(setting.annual_rate)),
        due_day=setting.due_day,
    )


# ------------------------------------------------------------------ preferences


@dataclass(frozen=True)
class Preferences:
    payday_day: int | None = None
    payday_last_working_day: bool = False
    included_pot_ids: tuple[str, ...] = ()
    set_asides: tuple[tuple[str, int], ...] = ()
    #: A payment matches a commitment within this many working days of its date...
    match_working_days: int = 2
    #: ...and this percentage of its amount (a decimal string, e.g. "7.5").
    match_amount_percent: str = "7.5"

    @property
    def match_amount_tolerance(self) -> Fraction:
        """The amount tolerance as a fraction (7.5 % is 3/40)."""
        return Fraction(Decimal(self.match_amount_percent)) / 100

    @property
    def payday_override(self) -> PaydayOverride | None:
        if self.payday_last_working_day:
            return PaydayOverride(last_working_day=True)
        if self.payday_day is not None:
            return PaydayOverride(day_of_month=self.payday_day)
        return None


def preferences(db: Session, user_id: str) -> Preferences:
    row = db.scalars(owned(CashflowPreference, user_id)).first()
    if row is None:
        return Preferences()
    asides = tuple(
        (str(a.get("label", "")), int(a.get("amount", 0)))
        for a in row.set_asides or []
        if isinstance(a, dict)
    )
    return Preferences(
        row.payday_day,
        row.payday_last_working_day,
        tuple(row.included_pot_ids or ()),
        asides,
        row.match_working_days if row.match_working_days is not None else 2,
        row.match_amount_percent or "7.5",
    )


def _percent(text: str) -> str:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput("match_amount_percent must be a number of percent, like 7.5.") from None
    if not value.is_finite() or not 0 <= value <= 50:
        raise InvalidInput("match_amount_percent must be between 0 and 50.")
    return str(value.normalize()) if value != value.to_integral() else str(int(value))


def set_preferences(db: Session, user_id: str, prefs: Preferences) -> Preferences:
    if prefs.payday_day is not None and not 1 <= prefs.payday_day <= 31:
        raise InvalidInput("payday_day must be 1-31.")
    for pot_id in prefs.included_pot_ids:
        if get_owned(db, Pot, pot_id, user_id) is None:
            raise InvalidInput("included_pot_ids must list your own pots.")
    if not 0 <= prefs.match_working_days <= MAX_MATCH_WORKING_DAYS:
        raise InvalidInput(f"match_working_days must be 0-{MAX_MATCH_WORKING_DAYS}.")
    percent = _percent(prefs.match_amount_percent)
    if len(prefs.set_asides) > MAX_SET_ASIDES:
        raise InvalidInput(f"at most {MAX_SET_ASIDES} set-asides.")
    for label, amount in prefs.set_asides:
        if not label.strip() or len(label) > 100 or not 0 < amount <= MAX_AMOUNT:
            raise InvalidInput("each set-aside needs a label and a positive amount in pence.")
    row = db.scalars(owned(CashflowPreference, user_id)).first()
    if row is None:
        row = CashflowPreference(user_id=user_id)
        db.add(row)
    row.payday_day = None if prefs.payday_last_working_day else prefs.payday_day
    row.payday_last_working_day = prefs.payday_last_working_day
    row.included_pot_ids = list(dict.fromkeys(prefs.included_pot_ids))
    asides: list[dict[str, Any]] = [
        {"label": label.strip(), "amount": amount} for label, amount in prefs.set_asides
    ]
    row.set_asides = asides
    row.match_working_days = prefs.match_working_days
    row.match_amount_percent = percent
    db.commit()
    return preferences(db, user_id)
