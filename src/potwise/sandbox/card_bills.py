"""The cards' bills: monthly statements and their repayments.

The Amex is paid in full from Monzo by direct debit (the credit-card pot pays
what it holds first); the Barclaycard gets a fixed sum from NatWest. Each
repayment shows on the card as a credit the next working day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from potwise.sandbox.plan import HouseholdPlan
from potwise.sandbox.pot_habits import pot_move
from potwise.sandbox.ukcalendar import next_working_day

AMEX_STATEMENT_DAY = 3
BARCLAYCARD_STATEMENT_DAY = 28
BARCLAYCARD_PAYMENT = 20000


def amex_statement(plan: HouseholdPlan, t: datetime) -> None:
    amex = plan.banks.amex
    amex.last_statement_balance = amex.settled_balance
    amex.last_statement_date = t.date()
    plan.amex_statement_days.append(t.date())


def pay_amex(plan: HouseholdPlan, t: datetime) -> list[str]:
    h, amex, card_pot = plan.h, plan.banks.amex, plan.pots.card
    owed = amex.last_statement_balance
    if owed <= 0 or amex.last_statement_date is None:
        return []
    # The credit-card pot pays what it holds towards the bill first.
    if card_pot.balance > 0:
        pot_move(h, card_pot, "withdraw", min(card_pot.balance, owed), t - timedelta(minutes=5))
    tx = h.direct_debit(h.personal_id, "American Express", owed, t, "bills")
    truth = h.recurring["amex"]
    truth.amount = owed
    truth.amounts.append({"from": t.date().isoformat(), "amount": owed})
    posted = next_working_day(t.date() + timedelta(days=1))
    credit_time = datetime.combine(posted, t.timetz())

    def credit(w: datetime) -> None:
        row = h.tl_post(
            amex,
            h.tl_new_row(
                amex,
                w,
                -owed,
                "PAYMENT RECEIVED - THANK YOU",
                "CREDIT",
                meta={"transaction_type": "CREDIT"},
            ),
        )
        h.card_repayments.append(row.transaction_id)

    h.schedule(credit_time, credit)
    h.card_repayments.append(tx.id)
    return [tx.id]


def barclaycard_statement(plan: HouseholdPlan, t: datetime) -> None:
    card = plan.banks.barclaycard
    card.last_statement_balance = card.settled_balance
    card.last_statement_date = t.date()
    if card.settled_balance > 0:
        card.payment_due = min(card.settled_balance, max(2500, card.settled_balance * 3 // 100))
        card.payment_due_date = next_working_day(
            date(t.year + (t.month == 12), t.month % 12 + 1, 18)
        )
    else:
        card.payment_due = 0


def pay_barclaycard(plan: HouseholdPlan, t: datetime) -> list[str]:
    h, card, nw = plan.h, plan.banks.barclaycard, plan.banks.natwest
    owed = card.last_statement_balance
    if owed <= 0:
        return []
    amount = min(BARCLAYCARD_PAYMENT, owed)
    row = h.tl_post(
        nw,
        h.tl_new_row(
            nw,
            t,
            -amount,
            "BARCLAYCARD",
            "DIRECT_DEBIT",
            meta={"provider_transaction_category": "DD"},
        ),
    )
    plan.banks.dd_barclaycard.previous_payment_time = t
    plan.banks.dd_barclaycard.previous_payment_amount = amount
    truth = h.recurring["barclaycard"]
    truth.amount = amount
    if not truth.amounts or truth.amounts[-1]["amount"] != amount:
        truth.amounts.append({"from": t.date().isoformat(), "amount": amount})
    posted = datetime.combine(next_working_day(t.date() + timedelta(days=1)), t.timetz())

    def credit(w: datetime) -> None:
        paid = h.tl_post(
            card,
            h.tl_new_row(
                card,
                w,
                -amount,
                "PAYMENT, THANK YOU",
                "CREDIT",
                meta={"provider_transaction_category": "PAY"},
            ),
        )
        h.card_repayments.append(paid.transaction_id)

    h.schedule(posted, credit)
    h.card_repayments.append(row.transaction_id)
    return [row.transaction_id]
