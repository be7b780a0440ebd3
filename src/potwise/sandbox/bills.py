"""The household's bills: what recurs each month, from which account, on which day.

The table says it once for every household; `household_bills` fills in who is
paid and from which account. `amount_on` applies the yearly price changes and
`due_date` moves a bill off weekends and bank holidays. The truth the control
API reports (`/truth`) starts here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from potwise.sandbox import catalogue as cat
from potwise.sandbox.card_bills import AMEX_STATEMENT_DAY, BARCLAYCARD_PAYMENT
from potwise.sandbox.household import Household
from potwise.sandbox.model import MerchantSpec, RecurringTruth
from potwise.sandbox.ukcalendar import next_working_day, previous_working_day

PAYDAY = 25


@dataclass(slots=True)
class Bill:
    """A recurring payment or income the generator schedules (and reports as truth)."""

    key: str
    payee: str
    bank: str
    account_id: str
    amount: int
    day: int
    method: str
    category: str
    direction: str = "out"
    adjust: str = "next"
    months: frozenset[int] | None = None
    change_month: int | None = None
    change_pct: int = 0
    active_until: date | None = None
    merchant: MerchantSpec | None = None
    history: list[tuple[date, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BillRow:
    """One line of the table: a bill as every household has it, before it is theirs.

    `payee` may name a person (`{employer}`, `{partner}`, `{main}`); `account` is a
    role (`personal`, `joint`, `natwest`, `amex`); `rise` is the yearly price change
    as (month, percent); `merchant` names a subscription merchant of the catalogue.
    """

    key: str
    payee: str
    account: str
    amount: int
    day: int
    method: str
    category: str
    direction: str = "out"
    adjust: str = "next"
    rise: tuple[int, int] | None = None
    months: frozenset[int] | None = None
    ends_midway: bool = False
    merchant: str | None = None


BANK_OF_ACCOUNT = {
    "personal": "monzo",
    "joint": "monzo",
    "natwest": "ob-natwest",
    "amex": "ob-amex",
}
# Council tax is paid in ten instalments, April to January.
TEN_FROM_APRIL = frozenset({4, 5, 6, 7, 8, 9, 10, 11, 12, 1})

BILLS: tuple[BillRow, ...] = (
    # Money in arrives on the previous working day when its day is not one; the
    # salary's amount is drawn per household.
    BillRow(
        "salary",
        "{employer}",
        "personal",
        0,
        PAYDAY,
        "salary",
        "income",
        direction="in",
        adjust="previous",
        rise=(4, 3),
    ),
    BillRow(
        "partner",
        "{partner}",
        "joint",
        100000,
        28,
        "partner",
        "transfers",
        direction="in",
        adjust="previous",
    ),
    # Between the household's own accounts.
    BillRow(
        "joint",
        "Joint account",
        "personal",
        105000,
        PAYDAY,
        "to_joint",
        "transfers",
        adjust="previous",
    ),
    BillRow("natwest", "{main}", "personal", 30000, 26, "to_natwest", "transfers"),
    BillRow("natwest_so", "{main}", "natwest", 5000, 5, "standing_order", "transfers"),
    # Direct debits.
    BillRow("mortgage", "Nationwide Building Society", "joint", 128000, 1, "direct_debit", "bills"),
    BillRow(
        "council_tax",
        "Leeds City Council",
        "joint",
        18600,
        1,
        "direct_debit",
        "bills",
        rise=(4, 5),
        months=TEN_FROM_APRIL,
    ),
    BillRow("energy", "Octopus Energy", "joint", 9600, 14, "direct_debit", "bills", rise=(10, 6)),
    BillRow("water", "Yorkshire Water", "joint", 3850, 20, "direct_debit", "bills", rise=(4, 7)),
    BillRow("broadband", "Virgin Media", "joint", 4200, 8, "direct_debit", "bills", rise=(4, 8)),
    BillRow("phone", "Vodafone Ltd", "personal", 1800, 12, "direct_debit", "bills", rise=(4, 8)),
    BillRow("gym", "PureGym Ltd", "personal", 2499, 1, "direct_debit", "bills"),
    # Card subscriptions; Disney+ is cancelled half-way through the history.
    BillRow(
        "netflix",
        "Netflix",
        "personal",
        1099,
        3,
        "card",
        "entertainment",
        rise=(1, 10),
        merchant="netflix",
    ),
    BillRow(
        "disney",
        "Disney+",
        "personal",
        799,
        9,
        "card",
        "entertainment",
        ends_midway=True,
        merchant="disney",
    ),
    BillRow(
        "spotify",
        "Spotify",
        "amex",
        1199,
        17,
        "card",
        "entertainment",
        rise=(7, 9),
        merchant="spotify",
    ),
    BillRow("prime", "Amazon Prime", "amex", 899, 22, "card", "shopping", merchant="prime"),
    BillRow(
        "tv_licence", "TV Licence MBP", "natwest", 1413, 1, "direct_debit", "bills", rise=(4, 3)
    ),
    # Card repayments: the Amex in full from Monzo, a fixed sum to the Barclaycard from NatWest.
    BillRow(
        "amex",
        "American Express",
        "personal",
        0,
        AMEX_STATEMENT_DAY + 20,
        "card_repayment",
        "bills",
    ),
    BillRow(
        "barclaycard", "Barclaycard", "natwest", BARCLAYCARD_PAYMENT, 18, "card_repayment", "bills"
    ),
)


def household_bills(
    accounts: dict[str, str], names: dict[str, str], salary: int, midway: date
) -> list[Bill]:
    """The table made this household's: account ids for roles, names for payees."""
    return [_bill(row, accounts, names, salary, midway) for row in BILLS]


def _bill(
    row: BillRow, accounts: dict[str, str], names: dict[str, str], salary: int, midway: date
) -> Bill:
    change_month, change_pct = row.rise if row.rise is not None else (None, 0)
    return Bill(
        row.key,
        row.payee.format(**names),
        BANK_OF_ACCOUNT[row.account],
        accounts[row.account],
        salary if row.method == "salary" else row.amount,
        row.day,
        row.method,
        row.category,
        direction=row.direction,
        adjust=row.adjust,
        months=row.months,
        change_month=change_month,
        change_pct=change_pct,
        active_until=midway if row.ends_midway else None,
        merchant=cat.SUBSCRIPTION_MERCHANTS[row.merchant] if row.merchant else None,
    )


def record_recurring_truth(h: Household, bills: list[Bill]) -> None:
    """What a recurring-payment detector should find, one entry per bill."""
    for bill in bills:
        h.recurring[bill.key] = RecurringTruth(
            key=bill.key,
            payee=bill.payee,
            amount=bill.amount,
            cadence="monthly" if bill.months is None else "monthly_10_from_april",
            direction="in" if bill.direction == "in" else "out",
            active=bill.active_until is None,
            bank=bill.bank,
            account=bill.account_id,
            method=bill.method,
            day_of_month=bill.day,
            category=bill.category,
        )


def payday_truth(employer: str, account_id: str, salary: int) -> dict[str, Any]:
    """The payday rule as the control API reports it; the dates are added as salaries land."""
    return {
        "payee": employer,
        "bank": "monzo",
        "account_id": account_id,
        "day_of_month": PAYDAY,
        "adjustment": "previous_working_day",
        "calendar": "england-and-wales",
        "rule": (
            f"monthly on day {PAYDAY}; on a weekend or an England and Wales bank holiday "
            "it is paid on the previous working day"
        ),
        "amount": salary,
        "dates": [],
    }


def due_date(bill: Bill, year: int, month: int) -> date | None:
    """When the bill is paid in that month (None if it skips the month)."""
    if bill.months is not None and month not in bill.months:
        return None
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    nominal = date(year, month, min(bill.day, last))
    return (previous_working_day if bill.adjust == "previous" else next_working_day)(nominal)


def amount_on(bill: Bill, day: date, start: date) -> int:
    """The bill's amount on `day`, after each yearly change since the history began."""
    amount = bill.amount
    if bill.change_month is None or bill.change_pct == 0:
        return amount
    for year in range(start.year, day.year + 1):
        change = date(year, bill.change_month, 1)
        if start < change <= day:
            amount = (amount * (100 + bill.change_pct) + 50) // 100
            if bill.method == "card":
                # Card subscriptions keep their .99 price points.
                amount += 99 - amount % 100
    return amount
