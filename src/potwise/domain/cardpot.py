"""The credit-card pot rule: keep a Monzo pot equal to what is owed on some cards.

This module is the rule's whole decision policy, as a pure function:
:func:`decide_card_pot` takes snapshots of the cards, the pot and the
current account, the rule's persisted :class:`CardPotState`, the amount
already deposited today, the config and ``now``, and returns a
:class:`CardPotDecision` (what to move, why, in plain English, and the state
to persist). It reads no clock and does no I/O; the same inputs always give
the same decision. Money is ``int`` pence in the user's signs: a card balance
that is owed is negative, a charge is negative, a payment or refund positive.

The policy
----------
* **Target** = what is owed over the rule's cards (:func:`owed_on_card`), each
  card floored at zero on its own: a card in credit cannot pay another card's
  bill. American Express: posted balance + pending charges (its balance leaves
  them out); Barclaycard: posted balance only (pending already included);
  Halifax / Lloyds group: ``credit_limit - available`` when both are known;
  everyone else: the posted balance. Pending credits (refunds, payments)
  never lower the target until they post.
* **First run** (no state): bring the pot to the target at once, within the
  limits, and record the card total.
* **Pot above target**: withdraw the surplus at once, also during a cooldown,
  which then ends. A withdrawal is at most the pot, so a pot never goes below
  zero.
* **Pot below target**: the part of the shortfall explained by *new card
  spending* is deposited at once; an unexplained rest (a bill paid from the
  pot, money taken out of it, a payment not yet visible on the card) starts a
  cooldown (``cooldown_hours``) and nothing moves for it.
* **During a cooldown**: with ``override_cooldown_on_spending`` new spending is
  still deposited at once; once pot >= target the cooldown ends early; at or
  after ``until`` (half-open: ``now >= until``) the shortfall computed from the
  *live* inputs is deposited and the cooldown cleared.
* **Limits**: every deposit is capped by ``max_transfer`` and by what is left
  of ``max_per_day`` after ``moved_today``; a capped decision has
  ``capped=True`` and reason ``capped_by_limit``, and the rest is carried to
  the next run (no new cooldown for it). Withdrawals are not capped: they only
  return the user's own money to the current account, and capping them would
  leave a surplus locked in the pot.
* **Not enough in the current account** for the (capped) deposit: nothing
  moves (the current account is never drained, not even partly), ``notify``
  carries a message the first time, and every later run retries; the state
  remembers the notice until a deposit is possible again or nothing is owed.
* **Pot deleted**: nothing moves, reason ``pot_deleted``, state unchanged.

New spending
------------
New spending is read from the cards' transactions, not from balance moves, so
a purchase and a payment landing in the same poll are told apart. The state
remembers every transaction id it has seen (for ``SEEN_RETENTION``) and, for
issuers whose owed figure includes pending charges (Amex, Barclaycard), the
pending charges it counted. A card's new spending is::

    max(0, unseen charges - counted pending charges that vanished)

where a vanished pending charge is one no longer listed as pending nor posted
under the same id. A pending charge that posts under a new id (possibly for a
slightly different amount, e.g. a tip) therefore nets out, and is not counted
twice; a cancelled authorisation nets out too. Pending charges of other
issuers are not counted (their owed figure leaves them out) and not marked
seen, so they count once, when they post. Transactions created more than
``SEEN_RETENTION`` before ``now`` are never new. Spending that could not be
deposited yet (limits, funds) is carried in the state as ``unfunded``.

Whatever the detection concludes, a deposit is never more than the live
shortfall (target - pot): a mistake in detecting spending can only change
*when* money moves (at once or after the cooldown), never how much.

State format (``CardPotState.to_dict()``, JSON-safe, version 1)::

    {"version": 1, "pot_id": "...", "recorded_at": "<ISO 8601 UTC>",
     "recorded_owed": 51899, "unfunded": 0, "funds_notified": false,
     "cooldown": null | {"started_at": "...", "until": "...",
                         "owed_at_start": 50000, "pot_at_start": 0},
     "cards": {"<card account id>": {"seen": {"<tx id>": "<created_at ISO>"},
                                     "pending_charges": {"<tx id>": 1899}}}}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.errors import CurrencyMismatch, DomainError
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.money import Money

__all__ = [
    "CARD_POT_STATE_VERSION",
    "MAX_COOLDOWN_HOURS",
    "SEEN_RETENTION",
    "Action",
    "CardIssuer",
    "CardMemory",
    "CardPotConfig",
    "CardPotDecision",
    "CardPotState",
    "CardSnapshot",
    "Cooldown",
    "CurrentAccountSnapshot",
    "InvalidCardPotConfig",
    "InvalidCardPotInput",
    "InvalidCardPotState",
    "PotSnapshot",
    "Reason",
    "card_issuer",
    "decide_card_pot",
    "owed_on_card",
]

CARD_POT_STATE_VERSION: Final = 1
MAX_COOLDOWN_HOURS: Final = 72
#: How long a seen transaction id is remembered. Longer than any pending →
#: posted delay we know of (days), so a posting is never mistaken for new.
SEEN_RETENTION: Final = timedelta(days=45)


# -- errors ---------------------------------------------------------------------------


class InvalidCardPotConfig(DomainError):
    """A card-pot rule's config is invalid (limits, cooldown, ids)."""

    code = "invalid_card_pot_config"


class InvalidCardPotInput(DomainError):
    """The snapshots given to the decision do not match the rule (wrong pot or cards)."""

    code = "invalid_card_pot_input"


class InvalidCardPotState(DomainError):
    """A persisted card-pot state cannot be read (unknown version, bad fields)."""

    code = "invalid_card_pot_state"


# -- enums ----------------------------------------------------------------------------


class Action(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"
    NONE = "none"


class Reason(StrEnum):
    """Stable reason codes: stored in run history and shown in the UI. Never rename."""

    FIRST_RUN = "first_run"
    IN_SYNC = "in_sync"
    NEW_SPENDING = "new_spending"
    SURPLUS = "surplus"
    COOLDOWN_STARTED = "cooldown_started"
    COOLDOWN_WAITING = "cooldown_waiting"
    COOLDOWN_ENDED = "cooldown_ended"
    COOLDOWN_EXPIRED = "cooldown_expired"
    NO_COOLDOWN = "no_cooldown"
    CARRIED_OVER = "carried_over"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    CAPPED_BY_LIMIT = "capped_by_limit"
    DAILY_LIMIT_REACHED = "daily_limit_reached"
    POT_DELETED = "pot_deleted"


class CardIssuer(StrEnum):
    """Issuers whose balances need their own reading (reference §8)."""

    AMEX = "amex"
    BARCLAYCARD = "barclaycard"
    LLOYDS_GROUP = "lloyds_group"
    OTHER = "other"


_AMEX_BRANDS: Final = frozenset({"amex", "american-express", "americanexpress"})
_BARCLAYCARD_BRANDS: Final = frozenset({"barclaycard"})
_LLOYDS_BRANDS: Final = frozenset({"halifax", "lloyds", "bankofscotland", "bank-of-scotland"})
_DISPLAY_NAMES: Final = {
    CardIssuer.AMEX: "Amex",
    CardIssuer.BARCLAYCARD: "Barclaycard",
    CardIssuer.LLOYDS_GROUP: "Card",
    CardIssuer.OTHER: "Card",
}


@lru_cache(maxsize=256)
def card_issuer(provider_id: str) -> CardIssuer:
    """Which issuer a TrueLayer provider id (``ob-amex``, ``uk-ob-barclaycard``) or
    display name (``AMEX``) belongs to; anything unknown is ``OTHER``."""
    brand = provider_id.strip().lower()
    for prefix in ("uk-", "ob-", "oauth-", "cs-"):
        brand = brand.removeprefix(prefix)
    if brand in _AMEX_BRANDS:
        return CardIssuer.AMEX
    if brand in _BARCLAYCARD_BRANDS:
        return CardIssuer.BARCLAYCARD
    if brand in _LLOYDS_BRANDS:
        return CardIssuer.LLOYDS_GROUP
    return CardIssuer.OTHER


#: Issuers whose owed figure includes pending charges (so pending charges are spending).
_PENDING_COUNTS: Final = frozenset({CardIssuer.AMEX, CardIssuer.BARCLAYCARD})

# The members a decision uses, as module names: Python 3.11 reads an enum member
# through its class (``Reason.IN_SYNC``) several times slower than a global, and
# a decision reads several.
_DEPOSIT: Final = Action.DEPOSIT
_NO_MOVE: Final = Action.NONE
_WITHDRAW: Final = Action.WITHDRAW
_CAPPED_BY_LIMIT: Final = Reason.CAPPED_BY_LIMIT
_CARRIED_OVER: Final = Reason.CARRIED_OVER
_COOLDOWN_ENDED: Final = Reason.COOLDOWN_ENDED
_COOLDOWN_EXPIRED: Final = Reason.COOLDOWN_EXPIRED
_COOLDOWN_STARTED: Final = Reason.COOLDOWN_STARTED
_COOLDOWN_WAITING: Final = Reason.COOLDOWN_WAITING
_DAILY_LIMIT_REACHED: Final = Reason.DAILY_LIMIT_REACHED
_FIRST_RUN: Final = Reason.FIRST_RUN
_INSUFFICIENT_FUNDS: Final = Reason.INSUFFICIENT_FUNDS
_IN_SYNC: Final = Reason.IN_SYNC
_NEW_SPENDING: Final = Reason.NEW_SPENDING
_NO_COOLDOWN: Final = Reason.NO_COOLDOWN
_POT_DELETED: Final = Reason.POT_DELETED
_SURPLUS: Final = Reason.SURPLUS
_AMEX: Final = CardIssuer.AMEX
_LLOYDS: Final = CardIssuer.LLOYDS_GROUP


def _check_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int of minor units, not {type(value).__name__}")
    return value


def _check_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value


# -- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardSnapshot:
    """One card as seen now. ``balance`` is the posted balance in the user's view
    (owed is negative). ``pending`` are the card's pending transactions;
    ``posted`` its settled ones, at least those since the previous decision
    (a few weeks is right). ``credit_limit``/``available`` are used for Lloyds
    group cards only. ``name`` is shown in explanations (default: the issuer)."""

    account_id: str
    provider_id: str
    currency: str
    balance: int
    pending: tuple[BankTransaction, ...] = ()
    posted: tuple[BankTransaction, ...] = ()
    name: str | None = None
    credit_limit: int | None = None
    available: int | None = None

    def __post_init__(self) -> None:
        _check_int(self.balance, "card balance")


@dataclass(frozen=True, slots=True)
class PotSnapshot:
    """The rule's pot: ``balance`` is never negative."""

    pot_id: str
    balance: int
    currency: str
    deleted: bool = False

    def __post_init__(self) -> None:
        if _check_int(self.balance, "pot balance") < 0:
            raise InvalidCardPotInput(f"a pot balance cannot be negative, got {self.balance}")


@dataclass(frozen=True, slots=True)
class CurrentAccountSnapshot:
    """The current account deposits come from: its available balance now."""

    available: int
    currency: str

    def __post_init__(self) -> None:
        _check_int(self.available, "available balance")


@dataclass(frozen=True, slots=True)
class CardPotConfig:
    """A ``card_pot`` rule's config; amounts in pence. Validated on construction."""

    pot_id: str
    card_account_ids: tuple[str, ...]
    cooldown_hours: int = 3
    override_cooldown_on_spending: bool = True
    max_transfer: int = 100_000
    max_per_day: int = 300_000

    def __post_init__(self) -> None:
        if not isinstance(self.pot_id, str) or not self.pot_id:
            raise InvalidCardPotConfig("pot_id is required")
        ids = self.card_account_ids
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise InvalidCardPotConfig("card_account_ids must be a list of account ids")
        ids = tuple(ids)
        if not ids:
            raise InvalidCardPotConfig("choose at least one card")
        if any(not isinstance(i, str) or not i for i in ids):
            raise InvalidCardPotConfig("card_account_ids must be non-empty strings")
        if len(set(ids)) != len(ids):
            raise InvalidCardPotConfig("a card is listed twice")
        object.__setattr__(self, "card_account_ids", ids)
        hours = self.cooldown_hours
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise InvalidCardPotConfig("cooldown_hours must be a whole number of hours")
        if not 0 <= hours <= MAX_COOLDOWN_HOURS:
            raise InvalidCardPotConfig(
                f"cooldown_hours must be between 0 and {MAX_COOLDOWN_HOURS}, got {hours}"
            )
        if not isinstance(self.override_cooldown_on_spending, bool):
            raise InvalidCardPotConfig("override_cooldown_on_spending must be true or false")
        for name in ("max_transfer", "max_per_day"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidCardPotConfig(f"{name} must be a positive amount in pence")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CardPotConfig:
        """Build from the API's ``config`` object; unknown keys are refused."""
        known = {
            "pot_id",
            "card_account_ids",
            "cooldown_hours",
            "override_cooldown_on_spending",
            "max_transfer",
            "max_per_day",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidCardPotConfig(f"unknown config field(s): {', '.join(unknown)}")
        if "pot_id" not in data or "card_account_ids" not in data:
            raise InvalidCardPotConfig("pot_id and card_account_ids are required")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``config`` object."""
        return {
            "pot_id": self.pot_id,
            "card_account_ids": list(self.card_account_ids),
            "cooldown_hours": self.cooldown_hours,
            "override_cooldown_on_spending": self.override_cooldown_on_spending,
            "max_transfer": self.max_transfer,
            "max_per_day": self.max_per_day,
        }


# -- state ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cooldown:
    """A wait before refilling an unexplained shortfall. ``owed_at_start`` and
    ``pot_at_start`` are recorded for explanations only: at expiry the live
    figures decide."""

    started_at: datetime
    until: datetime
    owed_at_start: int
    pot_at_start: int


#: "No time yet": the `oldest` of a memory that has seen nothing (or was built
#: without :meth:`CardMemory.of`, so its oldest time is not known).
_NEVER: Final = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CardMemory:
    """What the rule remembers of one card: transaction ids seen (with their
    ``created_at``, for pruning) and the pending charges it counted."""

    seen: Mapping[str, datetime] = field(default_factory=dict)
    pending_charges: Mapping[str, int] = field(default_factory=dict)
    # The earliest time in `seen` (derived, not persisted): prune only when due.
    oldest: datetime = field(default=_NEVER, compare=False)

    @classmethod
    def of(cls, seen: Mapping[str, datetime], pending_charges: Mapping[str, int]) -> CardMemory:
        """A memory with `oldest` worked out."""
        oldest = min(seen.values(), default=_NEVER)
        return cls(seen=seen, pending_charges=pending_charges, oldest=oldest)


def _remember(
    prior: CardMemory | None,
    fresh: Iterable[BankTransaction],
    pending_charges: Mapping[str, int],
    horizon: datetime,
) -> CardMemory:
    """The prior ids still within the retention window, plus the fresh ones."""
    if prior is None:
        seen: dict[str, datetime] = {}
        oldest = _NEVER
    elif prior.oldest is not _NEVER and prior.oldest >= horizon:
        seen = dict(prior.seen)  # nothing has expired: no need to look at each time
        oldest = prior.oldest
    else:
        seen = {k: v for k, v in prior.seen.items() if v >= horizon}
        oldest = min(seen.values(), default=_NEVER)
    replaced = False
    for tx in fresh:
        at = tx.created_at
        if at >= horizon:
            tx_id = tx.external_id
            if tx_id in seen:
                replaced = True
            seen[tx_id] = at
            oldest = min(oldest, at)
    if replaced:  # an id listed twice: its earlier time may be gone
        oldest = min(seen.values(), default=_NEVER)
    return _new_memory(seen, pending_charges, oldest)


@dataclass(frozen=True, slots=True)
class CardPotState:
    """The rule's persisted state, written after every run (see the module docs)."""

    pot_id: str
    recorded_at: datetime
    recorded_owed: int
    cards: Mapping[str, CardMemory]
    unfunded: int = 0
    cooldown: Cooldown | None = None
    funds_notified: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (version :data:`CARD_POT_STATE_VERSION`)."""
        cooldown = self.cooldown
        return {
            "version": CARD_POT_STATE_VERSION,
            "pot_id": self.pot_id,
            "recorded_at": self.recorded_at.isoformat(),
            "recorded_owed": self.recorded_owed,
            "unfunded": self.unfunded,
            "funds_notified": self.funds_notified,
            "cooldown": None
            if cooldown is None
            else {
                "started_at": cooldown.started_at.isoformat(),
                "until": cooldown.until.isoformat(),
                "owed_at_start": cooldown.owed_at_start,
                "pot_at_start": cooldown.pot_at_start,
            },
            "cards": {
                card_id: {
                    "seen": {tx_id: at.isoformat() for tx_id, at in memory.seen.items()},
                    "pending_charges": dict(memory.pending_charges),
                }
                for card_id, memory in self.cards.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CardPotState:
        """Read what :meth:`to_dict` wrote; raises ``InvalidCardPotState`` otherwise."""
        try:
            version = data["version"]
            if version != CARD_POT_STATE_VERSION:
                raise InvalidCardPotState(f"unknown card-pot state version {version!r}")
            raw_cooldown = data["cooldown"]
            cooldown = (
                None
                if raw_cooldown is None
                else Cooldown(
                    started_at=_parse_time(raw_cooldown["started_at"]),
                    until=_parse_time(raw_cooldown["until"]),
                    owed_at_start=_state_int(raw_cooldown["owed_at_start"]),
                    pot_at_start=_state_int(raw_cooldown["pot_at_start"]),
                )
            )
            cards = {
                str(card_id): CardMemory.of(
                    seen={str(k): _parse_time(v) for k, v in raw["seen"].items()},
                    pending_charges={
                        str(k): _state_int(v) for k, v in raw["pending_charges"].items()
                    },
                )
                for card_id, raw in data["cards"].items()
            }
            funds_notified = data["funds_notified"]
            if not isinstance(funds_notified, bool):
                raise InvalidCardPotState("funds_notified must be a boolean")
            pot_id = data["pot_id"]
            if not isinstance(pot_id, str):
                raise InvalidCardPotState("pot_id must be a string")
            return cls(
                pot_id=pot_id,
                recorded_at=_parse_time(data["recorded_at"]),
                recorded_owed=_state_int(data["recorded_owed"]),
                cards=cards,
                unfunded=_state_int(data["unfunded"]),
                cooldown=cooldown,
                funds_notified=funds_notified,
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InvalidCardPotState(f"unreadable card-pot state: {exc!r}") from None


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidCardPotState("times must be ISO 8601 strings")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise InvalidCardPotState(f"time without a timezone: {value!r}")
    return parsed.astimezone(UTC)


def _state_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidCardPotState(f"expected whole pence, got {value!r}")
    return value


# -- decision -------------------------------------------------------------------------


#: One card's figures for the explanation (internal): display name, issuer, owed,
#: posted balance as owed (negative: in credit), pending charges, pending credits.
_View = tuple[str, CardIssuer, int, int, int, int]


class _Story(NamedTuple):
    """What a decision's explanation is written from (internal).

    ``clause`` names the branch of the policy the decision took and ``limit``
    what the limits or the current account then did (``""``: nothing); the
    rest are the figures those sentences quote. ``wait_from``/``wait_until``
    are the cooldown the clause speaks of (``now`` when none). Everything here
    is immutable, so a text rendered later is the text the decision would
    have written at once."""

    clause: str
    limit: str
    views: tuple[_View, ...]
    target: int
    pot_balance: int
    currency: str
    now: datetime
    tz: str
    first_run: bool
    had_cooldown: bool
    wait_from: datetime
    wait_until: datetime
    since: datetime | None
    gap: int
    spending: int
    fresh: int
    carried: int
    want: int
    amount: int
    moved_today: int
    available: int
    config: CardPotConfig


#: Builds a _Story from a tuple of its figures in field order, without the
#: argument handling of a named tuple's ``__new__`` (a decision builds one).
_new_tuple: Final = tuple.__new__


@dataclass(frozen=True, slots=True, repr=False)
class CardPotDecision:
    """What to do now. ``amount`` > 0 unless ``action`` is ``none``; ``target`` is
    what is owed (>= 0), ``pot_balance`` the pot before the move. ``notify`` is a
    message to send now (once). ``new_state`` is what to persist after the move
    is confirmed (None only when a rule whose pot was deleted has never run).

    :attr:`explanation` says why in plain English. It is written when first
    read, from figures the decision keeps, so deciding stays cheap for callers
    that do not show it; the text is the same either way."""

    action: Action
    amount: int
    target: int
    pot_balance: int
    reason: Reason
    capped: bool
    notify: str | None
    new_state: CardPotState | None
    currency: str
    new_spending: int = 0
    _story: _Story | None = None
    _explanation: str | None = field(default=None, init=False, compare=False)

    @property
    def explanation(self) -> str:
        """Why, in plain English (rendered on first read, then kept)."""
        text = self._explanation
        if text is None:
            text = "" if self._story is None else _render(self._story)
            object.__setattr__(self, "_explanation", text)
        return text

    @property
    def cooldown_until(self) -> datetime | None:
        """When the cooldown in force after this decision ends, if one is."""
        state = self.new_state
        if state is None or state.cooldown is None:
            return None
        return state.cooldown.until

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(action={self.action!r}, amount={self.amount!r}, "
            f"target={self.target!r}, pot_balance={self.pot_balance!r}, "
            f"reason={self.reason!r}, capped={self.capped!r}, notify={self.notify!r}, "
            f"explanation={self.explanation!r}, new_state={self.new_state!r}, "
            f"currency={self.currency!r}, new_spending={self.new_spending!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for run history (the state included)."""
        return {
            "action": str(self.action),
            "amount": self.amount,
            "currency": self.currency,
            "target": self.target,
            "pot_balance": self.pot_balance,
            "reason": str(self.reason),
            "capped": self.capped,
            "notify": self.notify,
            "explanation": self.explanation,
            "new_spending": self.new_spending,
            "new_state": None if self.new_state is None else self.new_state.to_dict(),
        }


# -- building results -------------------------------------------------------------------

_Setter = Callable[[object, object], None]


def _slot_setters(cls: type[Any], names: tuple[str, ...]) -> tuple[_Setter, ...]:
    """The slot setters of the frozen slots dataclass `cls`, one per field, in order.

    A decision builds its results through them (:func:`_new_state`,
    :func:`_new_decision`, :func:`_new_memory`): the ``__init__`` a frozen
    dataclass generates calls ``object.__setattr__`` once per field, and that
    was a quarter of a decision's time. The objects built are the same; none of
    these classes has a ``__post_init__`` to skip. Fails at import if a class's
    fields change without its builder."""
    if tuple(f.name for f in fields(cls)) != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} changed: update its builder")
    return tuple(cls.__dict__[name].__set__ for name in names)


_MEMORY_SLOTS: Final = _slot_setters(CardMemory, ("seen", "pending_charges", "oldest"))
_STATE_SLOTS: Final = _slot_setters(
    CardPotState,
    (
        "pot_id",
        "recorded_at",
        "recorded_owed",
        "cards",
        "unfunded",
        "cooldown",
        "funds_notified",
    ),
)
_DECISION_SLOTS: Final = _slot_setters(
    CardPotDecision,
    (
        "action",
        "amount",
        "target",
        "pot_balance",
        "reason",
        "capped",
        "notify",
        "new_state",
        "currency",
        "new_spending",
        "_story",
        "_explanation",
    ),
)


def _new_memory(
    seen: Mapping[str, datetime], pending_charges: Mapping[str, int], oldest: datetime
) -> CardMemory:
    """``CardMemory(seen, pending_charges, oldest)``, built faster."""
    memory = object.__new__(CardMemory)
    set_seen, set_pending_charges, set_oldest = _MEMORY_SLOTS
    set_seen(memory, seen)
    set_pending_charges(memory, pending_charges)
    set_oldest(memory, oldest)
    return memory


def _new_state(
    pot_id: str,
    recorded_at: datetime,
    recorded_owed: int,
    cards: Mapping[str, CardMemory],
    unfunded: int,
    cooldown: Cooldown | None,
    funds_notified: bool,
) -> CardPotState:
    """``CardPotState(...)`` (the same arguments, in order), built faster."""
    state = object.__new__(CardPotState)
    s_pot_id, s_recorded_at, s_recorded_owed, s_cards, s_unfunded, s_cooldown, s_notified = (
        _STATE_SLOTS
    )
    s_pot_id(state, pot_id)
    s_recorded_at(state, recorded_at)
    s_recorded_owed(state, recorded_owed)
    s_cards(state, cards)
    s_unfunded(state, unfunded)
    s_cooldown(state, cooldown)
    s_notified(state, funds_notified)
    return state


def _new_decision(
    action: Action,
    amount: int,
    target: int,
    pot_balance: int,
    reason: Reason,
    capped: bool,
    notify: str | None,
    new_state: CardPotState | None,
    currency: str,
    new_spending: int,
    story: _Story,
) -> CardPotDecision:
    """``CardPotDecision(...)`` (the same arguments, in order), built faster."""
    decision = object.__new__(CardPotDecision)
    (
        s_action,
        s_amount,
        s_target,
        s_pot_balance,
        s_reason,
        s_capped,
        s_notify,
        s_new_state,
        s_currency,
        s_new_spending,
        s_story,
        s_explanation,
    ) = _DECISION_SLOTS
    s_action(decision, action)
    s_amount(decision, amount)
    s_target(decision, target)
    s_pot_balance(decision, pot_balance)
    s_reason(decision, reason)
    s_capped(decision, capped)
    s_notify(decision, notify)
    s_new_state(decision, new_state)
    s_currency(decision, currency)
    s_new_spending(decision, new_spending)
    s_story(decision, story)
    s_explanation(decision, None)
    return decision


_DECLINED: Final = TransactionStatus.DECLINED


def _pending_parts(card: CardSnapshot) -> tuple[int, int]:
    """(pending charges, pending credits) as positive pence, card currency only."""
    charges = credits = 0
    currency = card.currency
    for tx in card.pending:
        if tx.status == _DECLINED or tx.currency != currency:
            continue
        if tx.amount < 0:
            charges -= tx.amount
        else:
            credits += tx.amount
    return charges, credits


def owed_on_card(snapshot: CardSnapshot) -> int:
    """Pence owed on one card now, pending charges included where the issuer's
    balance leaves them out; never negative (a card in credit owes nothing).

    Amex: posted + pending charges. Barclaycard: posted (pending already in).
    Lloyds group: ``credit_limit - available`` when both are known, else posted.
    Others: posted. Pending credits never lower the figure.
    """
    issuer = card_issuer(snapshot.provider_id)
    charges = _pending_parts(snapshot)[0] if issuer is CardIssuer.AMEX else 0
    return _owed(snapshot, issuer, charges)


def _owed(card: CardSnapshot, issuer: CardIssuer, pending_charges: int) -> int:
    if issuer is _AMEX:
        owed = pending_charges - card.balance
    elif issuer is _LLOYDS and card.credit_limit is not None and card.available is not None:
        owed = card.credit_limit - card.available
    else:
        owed = -card.balance
    return owed if owed > 0 else 0


_PENNIES: Final = tuple(f"{i:02d}" for i in range(100))


def _fmt(pence: int, currency: str) -> str:
    """``£1,234.56`` / ``-£0.05``; other currencies as :meth:`Money.format` writes them."""
    if currency == "GBP":  # the common case, without Money's validation
        if pence < 0:
            whole, frac = divmod(-pence, 100)
            return f"-£{whole:,}.{_PENNIES[frac]}"
        whole, frac = divmod(pence, 100)
        if whole < 1000:  # no thousands separator to write
            return f"£{whole}.{_PENNIES[frac]}"
        return f"£{whole:,}.{_PENNIES[frac]}"
    return Money(pence, currency).format()


_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _local(at: datetime, now: datetime, tz: str) -> str:
    """``14:02`` (in ``tz``), with the date when it is not today's."""
    zone = _zone(tz)
    local = at.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == now.astimezone(zone).date():
        return text
    return f"{text} on {local.day} {_MONTHS[local.month - 1]}"


def decide_card_pot(
    config: CardPotConfig,
    *,
    cards: Sequence[CardSnapshot],
    pot: PotSnapshot,
    current: CurrentAccountSnapshot,
    moved_today: int,
    state: CardPotState | None,
    now: datetime,
    tz: str = DEFAULT_TIMEZONE,
) -> CardPotDecision:
    """Decide what the card-pot rule moves now (see the module docs for the policy).

    ``cards`` must be exactly the rule's cards, ``pot`` its pot; all amounts in
    one currency (else ``CurrencyMismatch``). ``moved_today`` is what this rule
    has already deposited today (the caller decides the day, in the user's
    timezone). ``now`` must be timezone-aware; ``tz`` only affects how times are
    written in the explanation. Raises ``InvalidCardPotInput`` when the inputs do
    not belong to the rule.
    """
    if now.tzinfo is not UTC:
        _check_aware(now, "now")
        now = now.astimezone(UTC)
    if type(moved_today) is not int:
        _check_int(moved_today, "moved_today")
    if moved_today < 0:
        raise InvalidCardPotInput("moved_today cannot be negative")
    if pot.pot_id != config.pot_id:
        raise InvalidCardPotInput("the pot given is not the rule's pot")
    currency = pot.currency
    card_ids = config.card_account_ids
    if len(cards) != len(card_ids) or (
        cards[0].account_id != card_ids[0]
        if len(cards) == 1
        else {c.account_id for c in cards} != set(card_ids)
    ):
        raise InvalidCardPotInput("the cards given are not exactly the rule's cards")
    for card in cards:
        if card.currency != currency:
            raise CurrencyMismatch(currency, card.currency)
    if current.currency != currency:
        raise CurrencyMismatch(currency, current.currency)

    if state is not None and state.pot_id != config.pot_id:
        state = None  # the rule now fills another pot: start afresh
    first_run = state is None
    pot_balance = pot.balance

    # Keep the rule's card order for explanations.
    if len(cards) > 1:
        order = {card_id: i for i, card_id in enumerate(card_ids)}
        cards = sorted(cards, key=lambda c: order[c.account_id])

    horizon = now - SEEN_RETENTION
    remembered = None if state is None else state.cards
    views: list[_View] = []
    memories: dict[str, CardMemory] = {}
    target = 0
    spending = 0
    for card in cards:
        issuer = card_issuer(card.provider_id)
        pending_counts = issuer in _PENDING_COUNTS
        # Pending charges and credits (card currency, not declined); the charges
        # are also remembered by id for issuers whose owed figure includes them.
        charges = credits = 0
        counted_pending: dict[str, int] = {}
        for tx in card.pending:
            if tx.status == _DECLINED or tx.currency != currency:
                continue
            tx_amount = tx.amount
            if tx_amount < 0:
                charges -= tx_amount
                if pending_counts:
                    counted_pending[tx.external_id] = -tx_amount
            else:
                credits += tx_amount
        owed = _owed(card, issuer, charges)
        target += owed

        memory = None if remembered is None else remembered.get(card.account_id)
        if memory is None:
            # First run: everything is in the target already. A card added to
            # an existing rule: all it owes is new to the pot.
            card_spending = 0 if state is None else owed
            listed = card.posted + card.pending if pending_counts else card.posted
            memory = _remember(None, listed, counted_pending, horizon)
        else:
            prior = memory.seen
            new_txs = [tx for tx in card.posted if tx.external_id not in prior]
            if pending_counts:
                new_txs += [tx for tx in card.pending if tx.external_id not in prior]
            unseen = 0
            for tx in new_txs:
                if (
                    tx.amount < 0
                    and tx.created_at >= horizon
                    and tx.status != _DECLINED
                    and tx.currency == currency
                ):
                    unseen -= tx.amount
            vanished = 0
            pending_changed = counted_pending != memory.pending_charges
            if pending_changed:
                posted_ids: set[str] | None = None
                for tx_id, tx_amount in memory.pending_charges.items():
                    if tx_id not in counted_pending:
                        if posted_ids is None:
                            posted_ids = {tx.external_id for tx in card.posted}
                        if tx_id not in posted_ids:
                            vanished += tx_amount
            card_spending = unseen - vanished if unseen > vanished else 0
            if new_txs or pending_changed or memory.oldest < horizon:
                memory = _remember(memory, new_txs, counted_pending, horizon)
        memories[card.account_id] = memory
        spending += card_spending
        views.append(
            (card.name or _DISPLAY_NAMES[issuer], issuer, owed, -card.balance, charges, credits)
        )

    if pot.deleted:
        return _new_decision(
            _NO_MOVE,
            0,
            target,
            pot_balance,
            _POT_DELETED,
            False,
            None,
            state,
            currency,
            spending,
            _new_tuple(
                _Story,
                (
                    "pot_deleted",
                    "",
                    tuple(views),
                    target,
                    pot_balance,
                    currency,
                    now,
                    tz,
                    first_run,
                    False,
                    now,
                    now,
                    None,
                    0,
                    spending,
                    0,
                    0,
                    0,
                    0,
                    moved_today,
                    current.available,
                    config,
                ),
            ),
        )

    cooldown = None if state is None else state.cooldown
    unfunded = 0 if state is None else state.unfunded
    notified = False if state is None else state.funds_notified
    gap = target - pot_balance

    action = _NO_MOVE
    amount = 0
    want = 0  # what this run means to deposit before limits and funds
    carry = 0  # of which, if not moved, is carried to the next run
    fresh = carried = 0  # the shortfall explained by new and by earlier spending
    capped = False
    notify: str | None = None
    new_cooldown: Cooldown | None = None
    # The explanation's branch and limit sentence (see _render).
    clause: str
    limit = ""

    if gap < 0:
        action, amount = _WITHDRAW, -gap
        reason = _FIRST_RUN if first_run else _SURPLUS
        clause = "withdraw"
    elif gap == 0:
        if first_run:
            reason, clause = _FIRST_RUN, "first_in_sync"
        elif cooldown is not None:
            reason, clause = _COOLDOWN_ENDED, "back_in_sync"
        else:
            reason, clause = _IN_SYNC, "in_sync"
    elif first_run:
        reason, want, carry = _FIRST_RUN, gap, gap
        clause = "first_short"
    elif cooldown is not None and now >= cooldown.until:
        reason, want, carry = _COOLDOWN_EXPIRED, gap, gap
        clause = "cooldown_expired"
    else:
        # What explains the shortfall: spending detected now, then spending
        # detected earlier that could not be deposited yet (limits, funds).
        fresh = min(spending, gap)
        carried = min(unfunded, gap - fresh)
        if cooldown is not None and not config.override_cooldown_on_spending:
            fresh = 0  # new spending waits for the cooldown like the rest
        explained = fresh + carried
        if cooldown is not None:
            if explained > 0:
                reason = _NEW_SPENDING if fresh else _CARRIED_OVER
                want = carry = explained
                clause = "cooldown_deposit"
                if explained < gap:
                    new_cooldown = cooldown
            else:
                reason, new_cooldown = _COOLDOWN_WAITING, cooldown
                clause = "cooldown_waiting"
        else:
            unexplained = gap - explained
            hours = config.cooldown_hours
            if unexplained > 0 and hours == 0:
                reason = _NEW_SPENDING if fresh else _CARRIED_OVER if carried else _NO_COOLDOWN
                want = carry = gap
                clause = "no_cooldown"
            elif explained > 0:
                reason = _NEW_SPENDING if fresh else _CARRIED_OVER
                want = carry = explained
                clause = "spending"
                if unexplained > 0:
                    new_cooldown = Cooldown(
                        started_at=now,
                        until=now + timedelta(hours=hours),
                        owed_at_start=target,
                        pot_at_start=pot_balance,
                    )
            else:
                reason = _COOLDOWN_STARTED
                new_cooldown = Cooldown(
                    started_at=now,
                    until=now + timedelta(hours=hours),
                    owed_at_start=target,
                    pot_at_start=pot_balance,
                )
                clause = "cooldown_started"

    if want > 0:
        room = config.max_per_day - moved_today
        most = min(config.max_transfer, room)
        amount = min(want, most) if most > 0 else 0
        capped = amount < want
        if amount <= 0:
            amount = 0
            reason = _DAILY_LIMIT_REACHED
            limit = "daily_limit"
        elif current.available < amount:
            if not notified:
                notify = (
                    f"Not enough in your current account to top up the card pot: "
                    f"{_fmt(amount, currency)} is needed and "
                    f"{_fmt(current.available, currency)} is available. "
                    "potwise will try again on every run."
                )
            amount = 0
            capped = False
            reason = _INSUFFICIENT_FUNDS
            limit = "funds"
            notified = True
        else:
            action = _DEPOSIT
            notified = False
            if capped:
                reason = _CAPPED_BY_LIMIT
                limit = "capped"
    elif gap <= 0:
        notified = False

    if action is _DEPOSIT:
        carry -= amount
    unfunded_next = max(0, carry) if gap > 0 else 0

    new_state = _new_state(
        config.pot_id, now, target, memories, unfunded_next, new_cooldown, notified
    )
    wait = cooldown if new_cooldown is None else new_cooldown
    return _new_decision(
        action,
        amount,
        target,
        pot_balance,
        reason,
        capped,
        notify,
        new_state,
        currency,
        spending,
        _new_tuple(
            _Story,
            (
                clause,
                limit,
                tuple(views),
                target,
                pot_balance,
                currency,
                now,
                tz,
                first_run,
                cooldown is not None,
                now if wait is None else wait.started_at,
                now if wait is None else wait.until,
                None if state is None else state.recorded_at,
                gap,
                spending,
                fresh,
                carried,
                want,
                amount,
                moved_today,
                current.available,
                config,
            ),
        ),
    )


# -- explanation ----------------------------------------------------------------------


def _render(story: _Story) -> str:
    """The plain-English explanation of the decision `story` records."""
    currency, now, tz, gap = story.currency, story.now, story.tz, story.gap
    cards = _describe_cards(story.views, story.target, currency)
    kind = story.clause
    if kind == "pot_deleted":
        return f"{cards}; the pot was deleted in the Monzo app → paused, nothing moved"
    short = _fmt(gap, currency) if gap > 0 else ""
    if kind == "withdraw":
        clause = f"pot is {_fmt(-gap, currency)} above what is owed"
        if story.had_cooldown:
            clause += "; the cooldown ends"
        clause += f" → withdraw {_fmt(-gap, currency)}"
        if story.first_run:
            clause = "first run: " + clause
    elif kind == "first_in_sync":
        clause = "first run: already in sync, nothing to move"
    elif kind == "back_in_sync":
        clause = "back in sync: the cooldown ends early"
    elif kind == "in_sync":
        clause = "in sync, nothing to move"
    elif kind == "first_short":
        clause = f"first run: pot is {short} short → deposit {short}"
    elif kind == "cooldown_expired":
        clause = (
            f"the cooldown ended at {_local(story.wait_until, now, tz)}; "
            f"pot is {short} short now → deposit {short}"
        )
    else:
        fresh, carried = story.fresh, story.carried
        explained = fresh + carried
        since = story.since
        since_text = "" if since is None else f" since {_local(since, now, tz)}"
        spent = _explain_spending(fresh, carried, since_text, currency)
        if kind == "cooldown_deposit":
            clause = f"{spent} → deposit {_fmt(explained, currency)}"
            if explained < gap:
                clause += (
                    f"; waiting until {_local(story.wait_until, now, tz)} for the other "
                    f"{_fmt(gap - explained, currency)} (cooldown)"
                )
            else:
                clause += "; the cooldown ends"
        elif kind == "cooldown_waiting":
            clause = f"pot is {short} short; cooldown"
            if story.spending and not story.config.override_cooldown_on_spending:
                clause += (
                    f" (new spending of {_fmt(min(story.spending, gap), currency)} waits "
                    "too: the override is off)"
                )
            clause += (
                f" since {_local(story.wait_from, now, tz)} → waiting until "
                f"{_local(story.wait_until, now, tz)}"
            )
        elif kind == "no_cooldown":
            clause = f"pot is {short} short"
            if explained:
                clause += f" ({spent})"
            clause += f"; no cooldown is set → deposit {short}"
        elif kind == "spending":
            clause = f"{spent} → deposit {_fmt(explained, currency)}"
            if gap > explained:
                clause += (
                    f"; the other {_fmt(gap - explained, currency)} is not new spending "
                    f"(a bill paid or money taken from the pot?) → cooldown until "
                    f"{_local(story.wait_until, now, tz)}"
                )
        else:  # cooldown_started
            clause = (
                f"pot is {short} short with no new card spending{since_text} "
                "(a bill paid or money taken from the pot?) → cooldown, waiting until "
                f"{_local(story.wait_until, now, tz)} before topping up"
            )

    limit = story.limit
    config = story.config
    if limit == "daily_limit":
        clause += (
            f"; but today's limit of {_fmt(config.max_per_day, currency)} is used up "
            f"({_fmt(story.moved_today, currency)} moved today) → nothing moves until tomorrow"
        )
    elif limit == "funds":
        clause += (
            f"; but the current account has only {_fmt(story.available, currency)} "
            "available → nothing moves (retrying every run)"
        )
    elif limit == "capped":
        which = (
            f"the {_fmt(config.max_transfer, currency)} per-transfer limit"
            if config.max_transfer <= config.max_per_day - story.moved_today
            else f"the {_fmt(config.max_per_day, currency)} daily limit"
        )
        clause += (
            f"; capped by {which} → deposit {_fmt(story.amount, currency)} now, "
            f"{_fmt(story.want - story.amount, currency)} on later runs"
        )
    return f"{cards}; pot holds {_fmt(story.pot_balance, currency)}; {clause}"


def _explain_spending(fresh: int, carried: int, since_text: str, currency: str) -> str:
    parts = []
    if fresh:
        parts.append(f"new spending of {_fmt(fresh, currency)}{since_text}")
    if carried:
        parts.append(f"{_fmt(carried, currency)} still to deposit from earlier runs")
    return " and ".join(parts)


def _describe_card(view: _View, currency: str) -> str:
    name, issuer, owed, posted, pending_charges, pending_credits = view
    if issuer is CardIssuer.LLOYDS_GROUP and owed != max(0, posted):
        text = f"{name} owes {_fmt(owed, currency)} (credit limit minus available)"
    elif owed == 0 and posted < 0:
        text = f"{name} is {_fmt(-posted, currency)} in credit and owes nothing"
    elif issuer is CardIssuer.AMEX and pending_charges:
        text = (
            f"{name} owes {_fmt(owed, currency)} ({_fmt(posted, currency)} "
            f"posted + {_fmt(pending_charges, currency)} pending)"
        )
    elif issuer is CardIssuer.BARCLAYCARD and pending_charges:
        text = (
            f"{name} owes {_fmt(owed, currency)} (pending "
            f"{_fmt(pending_charges, currency)} already in the balance)"
        )
    else:
        text = f"{name} owes {_fmt(owed, currency)}"
    if pending_credits and issuer is not CardIssuer.BARCLAYCARD:
        text += f" (pending credits of {_fmt(pending_credits, currency)} count once posted)"
    return text


def _describe_cards(views: Iterable[_View], target: int, currency: str) -> str:
    parts = [_describe_card(view, currency) for view in views]
    if len(parts) == 1:
        return parts[0]
    return "; ".join(parts) + f"; together {_fmt(target, currency)}"
