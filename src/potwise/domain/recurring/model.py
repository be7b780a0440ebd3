"""What detection works with: transaction facts, mandates, and what it finds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from operator import attrgetter

from potwise.domain.schedules import Cadence, Schedule

#: Classifications that only move money between the user's own pockets.
INTERNAL_CLASSIFICATIONS: frozenset[str] = frozenset(
    {"internal_transfer", "card_repayment", "pot_move"}
)


@dataclass(frozen=True, slots=True)
class TxnFact:
    """One settled or pending transaction, as detection needs it.

    ``on`` is the local date (user's time zone); ``amount`` is signed pence
    from the user's point of view; ``payee`` is the normalised payee key
    (see :func:`potwise.domain.merchants.merchant_key_for`).
    """

    id: str
    on: date
    amount: int
    payee: str
    account_id: str = ""
    description: str = ""
    classification: str | None = None
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class Mandate:
    """A direct debit or standing order the bank lists: extra evidence.

    ``payee`` is normalised like :attr:`TxnFact.payee`; ``amount`` is signed
    (negative: money leaves) when known; ``active`` False for a cancelled
    mandate.
    """

    id: str
    kind: str  # "direct_debit" or "standing_order"
    payee: str
    account_id: str = ""
    amount: int | None = None
    next_date: date | None = None
    last_date: date | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class AmountChange:
    """The amount of a series changed on ``on`` (the first payment at the new amount)."""

    on: date
    before: int
    after: int
    transaction_id: str

    @property
    def is_rise(self) -> bool:
        """True when more money moves than before (a price rise, or a pay rise)."""
        return abs(self.after) > abs(self.before)


@dataclass(frozen=True, slots=True)
class DetectedCommitment:
    """A recurring payment or income found in the history.

    ``amount`` is the latest amount, signed. ``next_date`` is the next
    expected date on or after ``today - tolerance`` (an overdue payment
    still counts as next), None once the series has stopped.
    """

    key: str
    payee: str
    direction: str  # "in" or "out"
    account_id: str
    amount: int
    currency: str
    schedule: Schedule
    first_date: date
    last_date: date
    next_date: date | None
    active: bool
    confidence: float
    evidence: tuple[str, ...]
    changes: tuple[AmountChange, ...] = ()
    missed: tuple[date, ...] = ()
    mandate_id: str | None = None
    description: str = ""
    #: Added by the user (its payee and description are their own words).
    typed: bool = False

    @property
    def cadence(self) -> Cadence:
        """The cadence of the schedule."""
        return self.schedule.cadence


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """Knobs of detection; the defaults are the product's."""

    min_occurrences: int = 3
    #: Neighbouring amounts further apart than this start a new band.
    amount_tolerance: Fraction = Fraction(1, 10)
    min_confidence: float = 0.5
    excluded_classifications: frozenset[str] = INTERNAL_CLASSIFICATIONS


@dataclass(frozen=True, slots=True)
class PaymentMatch:
    """A new payment matched to a commitment's expected date."""

    commitment_key: str
    expected_on: date
    working_days_off: int
    amount_difference: int


#: The order of a group's facts (and of every band and series cut from it).
BY_DATE = attrgetter("on", "id")
# Field readers for map(): C-level passes over the thousands of rows of a group.
AMOUNT_OF = attrgetter("amount")
DATE_OF = attrgetter("on")
ID_OF = attrgetter("id")
