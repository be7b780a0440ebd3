"""The sandbox's state: one household's accounts, pots, cards and transactions.

Money is integer pence everywhere. Monzo amounts carry Monzo's sign
(negative = money leaves the account). TrueLayer card amounts carry the
issuer's sign (a purchase is positive, a payment negative); TrueLayer bank
account amounts carry the bank's sign (negative = money out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class MerchantSpec:
    """A merchant of the catalogue, as the generator and the control API spend with it."""

    key: str
    name: str
    acquirer_text: str
    category: str  # Monzo category
    mcc: str
    emoji: str
    city: str
    postcode: str
    online: bool
    tl_classification: tuple[str, ...]
    amex_ok: bool = True


@dataclass(slots=True)
class Merchant:
    id: str
    group_id: str
    name: str
    category: str
    emoji: str
    online: bool
    created: datetime
    mcc: str
    address: dict[str, Any]


@dataclass(slots=True)
class MonzoTx:
    id: str
    account_id: str
    created: datetime
    amount: int
    description: str
    category: str
    scheme: str
    dedupe_id: str
    user_id: str
    updated: datetime
    merchant: Merchant | None = None
    settled: datetime | None = None
    notes: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    counterparty: dict[str, str] = field(default_factory=dict)
    is_load: bool = False
    include_in_spending: bool = True
    originator: bool = False
    decline_reason: str | None = None
    # Rendering a 40-field object is most of the cost of a page; keep it until the tx changes.
    cached_json: str | None = None
    cached_json_expanded: str | None = None

    def touch(self, when: datetime) -> None:
        self.updated = when
        self.cached_json = None
        self.cached_json_expanded = None


@dataclass(slots=True)
class MonzoAccount:
    id: str
    type: str
    description: str
    created: datetime
    closed: bool
    owners: list[dict[str, str]]
    account_number: str | None
    sort_code: str | None
    user_id: str
    # Kept in `created` order; `times` holds the epoch seconds for bisecting.
    txs: list[MonzoTx] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    balance: int = 0
    is_pot_ledger: bool = False


@dataclass(slots=True)
class Pot:
    id: str
    name: str
    style: str
    current_account_id: str
    pot_account_id: str
    created: datetime
    updated: datetime
    balance: int = 0
    deleted: bool = False
    locked: bool = False
    goal_amount: int | None = None
    round_up: bool = False
    available_for_bills: bool = False


@dataclass(slots=True)
class PotMove:
    pot_id: str
    account_id: str
    direction: Literal["deposit", "withdraw"]
    amount: int
    dedupe_id: str
    time: datetime
    repeat: bool
    transaction_id: str | None
    source: str


@dataclass(slots=True)
class TLTx:
    transaction_id: str
    timestamp: datetime
    description: str
    amount: int
    transaction_type: Literal["DEBIT", "CREDIT"]
    category: str
    classification: list[str]
    merchant_name: str | None = None
    normalised_id: str | None = None
    provider_tx_id: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    running_balance: int | None = None
    pending: bool = False
    # Internal: ties a pending row to the settled row it becomes (never shown).
    key: str = ""


@dataclass(slots=True)
class StandingOrder:
    frequency: str
    payee: str
    reference: str
    amount: int
    first_payment_date: date
    next_payment_date: date
    status: str = "Active"


@dataclass(slots=True)
class DirectDebit:
    direct_debit_id: str
    name: str
    mandate: str
    status: str = "Active"
    previous_payment_time: datetime | None = None
    previous_payment_amount: int | None = None


@dataclass(slots=True)
class TLAccount:
    """A TrueLayer account or card; cards use the issuer's signs throughout."""

    account_id: str
    provider_id: str
    kind: Literal["account", "card"]
    display_name: str
    created: datetime
    settled: list[TLTx] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    pending: list[TLTx] = field(default_factory=list)
    settled_balance: int = 0
    # account fields
    account_type: str = "TRANSACTION"
    number: str = ""
    sort_code: str = ""
    overdraft: int = 0
    standing_orders: list[StandingOrder] = field(default_factory=list)
    direct_debits: list[DirectDebit] = field(default_factory=list)
    # card fields
    card_network: str = ""
    card_type: str = "CREDIT"
    partial_card_number: str = ""
    name_on_card: str = ""
    valid_from: str = ""
    valid_to: str = ""
    credit_limit: int = 0
    pending_in_current: bool = False
    reports_available: bool = True
    reports_payment_due: bool = True
    last_statement_balance: int = 0
    last_statement_date: date | None = None
    payment_due: int = 0
    payment_due_date: date | None = None

    @property
    def pending_total(self) -> int:
        return sum(t.amount for t in self.pending)


@dataclass(frozen=True, slots=True)
class Provider:
    provider_id: str
    display_name: str
    logo_uri: str
    cards_only: bool
    has_cards: bool


@dataclass(slots=True)
class RecurringTruth:
    key: str
    payee: str
    amount: int
    cadence: str
    direction: Direction
    active: bool
    bank: str
    account: str
    method: str
    day_of_month: int
    category: str
    amounts: list[dict[str, Any]] = field(default_factory=list)
    transaction_ids: list[str] = field(default_factory=list)
