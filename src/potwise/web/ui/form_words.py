"""What a form says back when something typed cannot be used: words for people, not
for programs ("Enter an amount like 12.50", never "GBP amounts have at most 2
decimal places: '12.345'"), shared by the cash-flow forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from potwise.domain.errors import DomainError
from potwise.domain.instalments import MAX_MONTHS
from potwise.domain.money import Money
from potwise.services.cashflow.plans import MAX_MATCH_WORKING_DAYS
from potwise.services.errors import InvalidInput

AMOUNT_HINT = "like 12.50"
MONTHS_REFUSED = (
    f"Monthly instalments is a whole number from 1 to {MAX_MONTHS}; leave it empty for one payment."
)
MATCH_DAYS_REFUSED = (
    f"How many working days apart is a whole number from 0 to {MAX_MATCH_WORKING_DAYS}."
)
DUE_DAY_REFUSED = "The due day is a day of the month, from 1 to 31."
PAYDAY_REFUSED = "Choose a payday from the list."

# What the cash-flow services answer (for the API, in its field names) → the same in
# the words of the form's own labels.
_SERVICE_WORDS = (
    ("annual_rate must be a number", "Enter the interest as a percentage a year, like 0 or 25.9."),
    ("annual_rate must be between", "The interest is from 0 to 1,000 % a year."),
    ("label must be", "Say what the cost is for, in up to 200 characters."),
    ("amount must be a non-zero", "Enter a cost from £0.01 to £1,000,000, like 12.50."),
    (
        "months must be",
        "Monthly instalments is a whole number from 1 to 120; leave it empty for one payment.",
    ),
    ("mode must be", "Choose how the card is repaid."),
    ("a fixed repayment needs", "Enter the fixed amount you repay each month, like 150.00."),
    ("due_day must be", "The due day is a day of the month, from 1 to 31."),
    ("pay_from_account_id must be", "Choose one of your current accounts to pay from."),
    ("account_id must be", "Choose one of your current accounts."),
    (
        "match_amount_percent must be a number",
        "Enter the amount match as a percentage of the amount, like 7.5.",
    ),
    ("match_amount_percent must be between", "The amount match is a percentage from 0 to 50."),
    ("payday_day must be", "Choose a payday from the list."),
    ("included_pot_ids", "Choose pots from the list."),
    ("match_working_days must be", "How many working days apart is a whole number from 0 to 10."),
    ("each set-aside needs", "Give the set-aside a name and an amount, like 250.00."),
)


def say(exc: DomainError | ValueError) -> str:
    """The message for the person at the form: a service's refusal in the form's
    words; a message already written for people as it is."""
    message = exc.message if isinstance(exc, DomainError) else ""
    for start, words in _SERVICE_WORDS:
        if message.startswith(start):
            return words
    if message.startswith("at most ") and "set-aside" in message:
        return f"You can keep {message.removeprefix('at most ').rstrip('.')}: remove one first."
    return message or "Check what you typed: something could not be read."


def read_pounds(text: str, what: str) -> int:
    """A positive amount typed in pounds ("12.50", "£1,000"), in pence; else a refusal
    naming the field: "Enter the cost as an amount like 12.50"."""
    value = text.strip()
    try:
        minor = Money.parse(value, "GBP").minor if value else 0
    except DomainError:
        minor = -1
    if minor <= 0:
        raise InvalidInput(f"Enter {what} as an amount {AMOUNT_HINT}.")
    return minor


def read_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"Choose {what} from the calendar.") from None


def read_whole(text: str, low: int, high: int, refusal: str) -> int | None:
    """A whole number typed in `[low, high]`, None when left empty; else `refusal`."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidInput(refusal)
    return int(value)


@dataclass(frozen=True)
class PlannedTyped:
    """The "plan a cost" form as typed, shown again after a refusal."""

    label: str = ""
    amount: str = ""
    date: str = ""
    months: str = ""
    annual_rate: str = "0"


@dataclass(frozen=True)
class CardTyped:
    """One card's repayment form as typed (`account_id` says which card)."""

    account_id: str
    mode: str
    fixed_amount: str
    due_day: str
    annual_rate: str


@dataclass(frozen=True)
class SettingsTyped:
    """The cash-flow settings form as typed."""

    payday: str
    pot_ids: tuple[str, ...]
    aside_label: str
    aside_amount: str
    match_working_days: str
    match_amount_percent: str
