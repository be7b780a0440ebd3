"""Everyday spending: each day's habits drawn from the day's stream, and the holidays.

Every habit is one small function: whether it happens today, where, how much,
on which card. They draw from the day's random stream in a fixed order, so
the order of `DAILY_HABITS` is part of what makes a household reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from potwise.sandbox import catalogue as cat
from potwise.sandbox.household import Event, Household
from potwise.sandbox.model import MerchantSpec
from potwise.sandbox.moments import moment_at
from potwise.sandbox.plan import HouseholdPlan
from potwise.sandbox.pot_habits import pot_move
from potwise.sandbox.purchases import card_purchase, monzo_refund, settle_monzo_later
from potwise.sandbox.ukcalendar import is_working_day


class Spend(NamedTuple):
    hour: int
    spec: MerchantSpec
    amount: int
    card: str  # monzo | joint | amex | barclaycard | natwest


Habit = Callable[[random.Random, bool, bool], Spend | None]


def _pick_card(
    rng: random.Random, spec: MerchantSpec, amex: float, barclaycard: float = 0.0
) -> str:
    if not spec.amex_ok:
        return "monzo"
    r = rng.random()
    if r < amex:
        return "amex"
    if r < amex + barclaycard:
        return "barclaycard"
    return "monzo"


def _on_a_card(
    rng: random.Random,
    hour: int,
    spec: MerchantSpec,
    base: int,
    span: int,
    amex: float,
    barclaycard: float = 0.0,
) -> Spend:
    """The usual shape: an amount in [base, base + span), then the card it goes on."""
    amount = base + rng.randrange(span)
    return Spend(hour, spec, amount, _pick_card(rng, spec, amex, barclaycard))


def _groceries(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.32:
        return None
    spec = rng.choice(cat.GROCERIES)
    # At weekends the couple often shop together, from the joint account.
    card = "joint" if weekend and rng.random() < 0.5 else _pick_card(rng, spec, 0.7)
    return Spend(rng.randrange(9, 20), spec, 1800 + rng.randrange(7500), card)


def _coffee_or_lunch(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if not working or rng.random() >= 0.45:
        return None
    return _on_a_card(rng, 12, rng.choice(cat.COFFEE_LUNCH), 250, 650, 0.4)


def _commute(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if not working or rng.random() >= 0.55:
        return None
    spec = rng.choice(cat.TRANSPORT[:2])
    return Spend(7, spec, 280 + rng.randrange(530), "monzo")


def _late_taxi(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.06:
        return None
    return _on_a_card(rng, 22, cat.TRANSPORT[2], 900, 2200, 0.6)


def _train_trip(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.04:
        return None
    return Spend(10, cat.TRAINLINE, 2000 + rng.randrange(7000), "amex")


def _restaurant(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.11:
        return None
    return _on_a_card(rng, 19, rng.choice(cat.RESTAURANTS), 2500, 5500, 0.85)


def _takeaway(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.09:
        return None
    return _on_a_card(rng, 20, rng.choice(cat.TAKEAWAY), 1500, 2000, 0.6)


def _fuel(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.07:
        return None
    return Spend(17, rng.choice(cat.FUEL), 4000 + rng.randrange(3500), "barclaycard")


def _shopping(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.13:
        return None
    return _on_a_card(rng, 14, rng.choice(cat.SHOPPING), 600, 9000, 0.6, 0.15)


def _going_out(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.04:
        return None
    return _on_a_card(rng, 18, rng.choice(cat.ENTERTAINMENT), 1200, 6000, 0.7)


def _cash(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.025:
        return None
    return Spend(11, cat.ATM, rng.choice((2000, 3000, 5000)), "monzo")


def _large_purchase(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.005:
        return None
    return _on_a_card(rng, 13, rng.choice(cat.LARGE), 30000, 90000, 0.5, 0.5)


def _natwest_debit_card(rng: random.Random, working: bool, weekend: bool) -> Spend | None:
    if rng.random() >= 0.04:
        return None
    return Spend(13, rng.choice(cat.SHOPPING), 800 + rng.randrange(3000), "natwest")


DAILY_HABITS: tuple[Habit, ...] = (
    _groceries,
    _coffee_or_lunch,
    _commute,
    _late_taxi,
    _train_trip,
    _restaurant,
    _takeaway,
    _fuel,
    _shopping,
    _going_out,
    _cash,
    _large_purchase,
    _natwest_debit_card,
)


def spend_the_day(plan: HouseholdPlan, day: date, rng: random.Random) -> None:
    """Draw the day's habits, then schedule each spend (some refunded, a few declined)."""
    working, weekend = is_working_day(day), day.weekday() >= 5
    spends = [s for habit in DAILY_HABITS if (s := habit(rng, working, weekend)) is not None]
    for spend in spends:
        when = moment_at(day, spend.hour, rng)
        refund_after = (
            rng.randrange(3, 15)
            if (spend.spec.category == "shopping" and rng.random() < 0.06)
            else 0
        )
        declined = spend.card == "monzo" and rng.random() < 0.004
        plan.h.schedule(when, spend_event(plan, spend, day, rng.random(), refund_after, declined))


def spend_event(
    plan: HouseholdPlan, spend: Spend, day: date, draw: float, refund_after: int, declined: bool
) -> Event:
    def spend_it(t: datetime) -> None:
        rng = random.Random(draw)
        if spend.card in ("monzo", "joint"):
            _on_monzo(plan.h, spend, day, t, rng, refund_after, declined)
        else:
            _on_other_card(plan, spend, day, t, rng, refund_after)

    return spend_it


def _on_monzo(
    h: Household,
    spend: Spend,
    day: date,
    t: datetime,
    rng: random.Random,
    refund_after: int,
    declined: bool,
) -> None:
    spec, amount = spend.spec, spend.amount
    account_id = h.personal_id if spend.card == "monzo" else h.joint_id
    if declined or h.monzo_accounts[account_id].balance < amount - 50000:
        h.card_payment(account_id, spec, amount, t, declined="INSUFFICIENT_FUNDS")
        return
    tx = h.card_payment(account_id, spec, amount, t)
    final = None
    if spec.category == "eating_out" and rng.random() < 0.1:
        final = -(amount + amount // 10)
    settle_monzo_later(h, tx.id, day, t, final)
    if refund_after:
        back = datetime.combine(day + timedelta(days=refund_after), t.timetz())
        h.schedule(back, lambda w: monzo_refund(h, account_id, spec, amount, w))


def _on_other_card(
    plan: HouseholdPlan,
    spend: Spend,
    day: date,
    t: datetime,
    rng: random.Random,
    refund_after: int,
) -> None:
    h, spec, amount = plan.h, spend.spec, spend.amount
    banks = plan.banks
    target = {"amex": banks.amex, "barclaycard": banks.barclaycard, "natwest": banks.natwest}[
        spend.card
    ]
    card_purchase(h, target, spec, amount, t, day, rng=rng)
    if refund_after:
        back = datetime.combine(day + timedelta(days=refund_after), t.timetz())
        h.schedule(
            back,
            lambda w: card_purchase(
                h, target, spec, amount, w, w.date(), refund=True, vanish_ok=False
            ),
        )


# ------------------------------------------------------------------ holidays
def holiday_day(h: Household, year: int, month: int) -> int:
    """The day of the month the household leaves on: a different one each June and
    December, as people book holidays (a fixed day would make the flights look like
    a yearly bill)."""
    return random.Random(f"{h.seed}:{h.name}:holiday-day:{year}-{month}").randrange(1, 29)


def go_on_holiday(plan: HouseholdPlan, t: datetime) -> None:
    """Empty the holiday pot, then book flights and a hotel on the Amex."""
    h, amex = plan.h, plan.banks.amex
    rng = random.Random(f"{h.seed}:{h.name}:holiday:{t.date().toordinal()}")
    pot_move(h, plan.pots.holiday, "withdraw", plan.pots.holiday.balance, t)
    flights = 18000 + rng.randrange(40000)
    hotel = 30000 + rng.randrange(60000)
    card_purchase(h, amex, cat.HOLIDAY[0], flights, t + timedelta(minutes=30), t.date(), rng=rng)
    card_purchase(h, amex, cat.HOLIDAY[1], hotel, t + timedelta(minutes=50), t.date(), rng=rng)
