"""A third card, for households asked for it: Capital One, whose purchases post without a
pending stage, repaid in full by direct debit from Monzo.

Only households created with `cards` naming `ob-capital-one` have it (the default
households are generated exactly as before). Everything here draws from streams
of its own (seed, household, day, "capital-one"), so the card never shifts the
draws of the household's other habits, and the same seed gives the same card.
Such a household also, now and then, takes a little out of its credit-card pot
by hand.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from potwise.sandbox import catalogue as cat
from potwise.sandbox.household import Household, Person
from potwise.sandbox.model import MerchantSpec, RecurringTruth, TLAccount
from potwise.sandbox.moments import moment_at
from potwise.sandbox.plan import HouseholdPlan
from potwise.sandbox.pot_habits import pot_move
from potwise.sandbox.ukcalendar import add_working_days, next_working_day

CAPITAL_ONE = "ob-capital-one"
DEFAULT_CARDS: tuple[str, ...] = ("ob-amex", "uk-ob-barclaycard")
KNOWN_CARDS: tuple[str, ...] = (*DEFAULT_CARDS, CAPITAL_ONE)
STATEMENT_DAY = 12
DUE_DAY = 7  # of the month after the statement, moved to the next working day
PAYEE = "Capital One"


def check_cards(cards: object) -> tuple[str, ...]:
    """The cards a new household asks for; ValueError with a plain message otherwise."""
    if not isinstance(cards, list) or not all(isinstance(c, str) for c in cards):
        raise ValueError("cards must be a list of provider ids")
    unknown = [c for c in cards if c not in KNOWN_CARDS]
    if unknown or not set(DEFAULT_CARDS) <= set(cards):
        raise ValueError(
            f"cards must list {' and '.join(DEFAULT_CARDS)}, and may add {CAPITAL_ONE}"
        )
    return tuple(c for c in KNOWN_CARDS if c in cards)


def open_card(h: Household, main: Person, opened: datetime) -> TLAccount:
    card = TLAccount(
        account_id=h.ids.hex32(),
        provider_id=CAPITAL_ONE,
        kind="card",
        display_name="Capital One Classic",
        created=opened,
        card_network="MASTERCARD",
        partial_card_number=h.ids.digits(4),
        name_on_card=main.full.upper(),
        credit_limit=150000,
    )
    h.tl_accounts[card.account_id] = card
    return card


class CapitalOneLife:
    """The card's days: purchases (some refunded), the statement and its direct debit."""

    def __init__(self, plan: HouseholdPlan, main: Person, opened: datetime) -> None:
        self.plan = plan
        self.h = plan.h
        self.card = open_card(self.h, main, opened)
        self.h.recurring["capital_one"] = RecurringTruth(
            key="capital_one",
            payee=PAYEE,
            amount=0,
            cadence="monthly",
            direction="out",
            active=True,
            bank="monzo",
            account=self.h.personal_id,
            method="card_repayment",
            day_of_month=DUE_DAY,
            category="bills",
        )

    def day(self, day: date) -> None:
        h = self.h
        rng = random.Random(f"{h.seed}:{h.name}:{day.toordinal()}:capital-one")
        if day.day == STATEMENT_DAY:
            h.schedule(moment_at(day, 2, rng), self.statement)
        if day == next_working_day(date(day.year, day.month, DUE_DAY)):
            # Days are written before their events run, so what is owed is read then.
            h.schedule(moment_at(day, 9, rng), self.repay)
        if rng.random() < 0.45:
            spec = rng.choice(rng.choice((cat.GROCERIES, cat.SHOPPING, cat.TAKEAWAY)))
            amount = 500 + rng.randrange(6000)
            refund_after = rng.randrange(1, 5) if rng.random() < 0.12 else 0
            when = moment_at(day, rng.randrange(9, 21), rng)
            h.schedule(when, lambda t: self.purchase(spec, amount, t, refund_after))
        if rng.random() < 0.1:
            taken = 500 + rng.randrange(6) * 500
            h.schedule(moment_at(day, rng.randrange(8, 22), rng), lambda t: self.by_hand(taken, t))

    def purchase(self, spec: MerchantSpec, amount: int, t: datetime, refund_after: int) -> None:
        self.post_later(spec, amount, t, refund=False)
        if refund_after:
            back = t + timedelta(days=refund_after)
            self.h.schedule(back, lambda w: self.post_later(spec, amount, w, refund=True))

    def post_later(self, spec: MerchantSpec, amount: int, t: datetime, *, refund: bool) -> None:
        """No pending row: the settled row appears on the next working day, back-dated."""
        h, card = self.h, self.card
        posted = datetime.combine(add_working_days(t.date(), 1), t.timetz()).replace(hour=4)
        row = h.tl_new_row(
            card,
            t,
            -amount if refund else amount,
            spec.acquirer_text,
            "CREDIT" if refund else "PURCHASE",
            merchant_name=spec.name,
            classification=spec.tl_classification,
            meta={"provider_transaction_category": "REF" if refund else "PUR"},
        )
        row.timestamp = t.replace(hour=0, minute=0, second=0, microsecond=0)

        def post(_: datetime) -> None:
            h.tl_post(card, row)

        h.schedule(posted, post)

    def statement(self, t: datetime) -> None:
        card = self.card
        card.last_statement_balance = card.settled_balance
        card.last_statement_date = t.date()
        card.payment_due = max(card.settled_balance, 0)
        following = date(t.year + (t.month == 12), t.month % 12 + 1, DUE_DAY)
        card.payment_due_date = next_working_day(following)

    def repay(self, t: datetime) -> None:
        """The statement in full by direct debit from Monzo; the card shows it a day later."""
        h, card = self.h, self.card
        owed = card.payment_due
        if owed <= 0:
            return
        tx = h.direct_debit(h.personal_id, PAYEE, owed, t, "bills")
        h.card_repayments.append(tx.id)
        truth = h.recurring["capital_one"]
        truth.amount = owed
        truth.amounts.append({"from": t.date().isoformat(), "amount": owed})
        truth.transaction_ids.append(tx.id)
        card.payment_due = 0
        credit_at = datetime.combine(next_working_day(t.date() + timedelta(days=1)), t.timetz())
        h.schedule(credit_at, lambda w: self.credit(owed, w))

    def credit(self, amount: int, t: datetime) -> None:
        h, card = self.h, self.card
        meta = {"provider_transaction_category": "PAY"}
        row = h.tl_new_row(card, t, -amount, "PAYMENT RECEIVED", "CREDIT", meta=meta)
        h.card_repayments.append(h.tl_post(card, row).transaction_id)

    def by_hand(self, amount: int, t: datetime) -> None:
        """The user takes a little out of the credit-card pot themselves."""
        pot = self.plan.pots.card
        if pot.balance >= amount:
            pot_move(self.h, pot, "withdraw", amount, t)


__all__ = ["CAPITAL_ONE", "DEFAULT_CARDS", "CapitalOneLife", "check_cards"]
