"""Paying a bill on its day: one function per way a bill is paid.

Each returns the ids of the transactions the recurring truth points at (the
side of a transfer a detector should find).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from potwise.sandbox.bills import Bill, amount_on
from potwise.sandbox.card_bills import pay_amex, pay_barclaycard
from potwise.sandbox.moments import moment_at
from potwise.sandbox.plan import HouseholdPlan
from potwise.sandbox.pot_habits import payday_bills_deposit, payday_holiday_deposit
from potwise.sandbox.purchases import card_purchase, settle_monzo_later
from potwise.sandbox.ukcalendar import add_working_days

Payment = Callable[[HouseholdPlan, Bill, int, datetime, date], list[str]]

# The hour of the day each kind of payment lands in (others: 8 o'clock).
PAYMENT_HOURS = {"salary": 5, "to_joint": 9, "partner": 8, "direct_debit": 4}


def run_bill(plan: HouseholdPlan, bill: Bill, day: date, rng: random.Random) -> None:
    """Schedule the bill's payment for its hour on `day`, noting a new amount in the truth."""
    h = plan.h
    amount = amount_on(bill, day, plan.start)
    truth = h.recurring[bill.key]
    if bill.method != "card_repayment" and (not bill.history or bill.history[-1][1] != amount):
        bill.history.append((day, amount))
        truth.amount = amount
        truth.amounts.append({"from": day.isoformat(), "amount": amount})
    when = moment_at(day, PAYMENT_HOURS.get(bill.method, 8), rng)

    def run(t: datetime) -> None:
        ids = pay(plan, bill, amount, t, day)
        truth.transaction_ids.extend(ids)

    h.schedule(when, run)


def pay(plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
    payment = PAYMENTS.get(bill.method)
    return payment(plan, bill, amount, t, day) if payment is not None else []


def _salary(plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
    h = plan.h
    h.payday["dates"].append(day.isoformat())
    h.payday["amount"] = amount
    tx = h.faster_payment(
        bill.account_id,
        bill.payee,
        amount,
        t,
        reference=f"{bill.payee} SALARY {day.strftime('%b').upper()}",
        category="income",
        account_number=h.ids.digits(8),
        sort_code="200000",
    )
    # Payday also funds the pots (after the salary lands).
    h.schedule(t + timedelta(hours=2), lambda w: payday_bills_deposit(plan, w))
    h.schedule(t + timedelta(hours=2, minutes=1), lambda w: payday_holiday_deposit(plan, w))
    return [tx.id]


def _partner(plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
    h = plan.h
    tx = h.faster_payment(
        bill.account_id,
        bill.payee,
        amount,
        t,
        reference="JOINT ACCOUNT",
        category="transfers",
        account_number=h.ids.digits(8),
        sort_code="309634",
    )
    return [tx.id]


def _to_joint(plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
    h = plan.h
    out, into = h.monzo_transfer(h.personal_id, h.joint_id, amount, t, "Joint bills")
    h.internal_transfers.extend([out.id, into.id])
    return [out.id]


def _to_natwest(plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
    h, nw = plan.h, plan.banks.natwest
    out = h.faster_payment(
        h.personal_id,
        bill.payee,
        -amount,
        t,
        reference="SAVINGS",
        category="transfers",
        account_number=nw.number,
        sort_code=nw.sort_code.replace("-", ""),
    )
    row = h.tl_post(
        nw,
        h.tl_new_row(
            nw,
            t,
            amount,
            f"{bill.payee} SAVINGS",
            "TRANSFER",
            meta={
                "provider_transaction_category": "FPI",
                "counter_party_preferred_name": bill.payee,
            },
        ),
    )
    h.internal_transfers.extend([out.id, row.transaction_id])
    return [out.id]


def _standing_order(
    plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date
) -> list[str]:
    h, nw = plan.h, plan.banks.natwest
    row = h.tl_post(
        nw,
        h.tl_new_row(
            nw,
            t,
            -amount,
            f"{bill.payee} TOP UP MONZO",
            "STANDING_ORDER",
            meta={"provider_transaction_category": "SO"},
        ),
    )
    into = h.faster_payment(
        h.personal_id,
        bill.payee,
        amount,
        t,
        reference="TOP UP MONZO",
        category="transfers",
        account_number=nw.number,
        sort_code=nw.sort_code.replace("-", ""),
    )
    plan.banks.standing_order.next_payment_date = add_working_days(day, 20)
    h.internal_transfers.extend([row.transaction_id, into.id])
    return [row.transaction_id]


def _direct_debit(
    plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date
) -> list[str]:
    h = plan.h
    if bill.bank == "monzo":
        return [h.direct_debit(bill.account_id, bill.payee, amount, t, bill.category).id]
    # NatWest's one direct debit besides the Barclaycard: the TV licence.
    nw = plan.banks.natwest
    row = h.tl_post(
        nw,
        h.tl_new_row(
            nw,
            t,
            -amount,
            bill.payee.upper(),
            "DIRECT_DEBIT",
            meta={"provider_transaction_category": "DD"},
        ),
    )
    plan.banks.dd_tv.previous_payment_time = t
    plan.banks.dd_tv.previous_payment_amount = amount
    return [row.transaction_id]


def _card(plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
    h = plan.h
    if bill.merchant is None:
        return []
    if bill.bank == "monzo":
        tx = h.card_payment(bill.account_id, bill.merchant, amount, t)
        settle_monzo_later(h, tx.id, day, t, settle_amount=None)
        return [tx.id]
    # On the Amex the truth learns the settled row's id when it settles.
    card_purchase(
        h, plan.banks.amex, bill.merchant, amount, t, day, vanish_ok=False, truth_key=bill.key
    )
    return []


def _card_repayment(
    plan: HouseholdPlan, bill: Bill, amount: int, t: datetime, day: date
) -> list[str]:
    repay = {"barclaycard": pay_barclaycard, "amex": pay_amex}.get(bill.key)
    return repay(plan, t) if repay is not None else []


PAYMENTS: dict[str, Payment] = {
    "salary": _salary,
    "partner": _partner,
    "to_joint": _to_joint,
    "to_natwest": _to_natwest,
    "standing_order": _standing_order,
    "direct_debit": _direct_debit,
    "card": _card,
    "card_repayment": _card_repayment,
}
