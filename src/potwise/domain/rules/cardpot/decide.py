"""The card-pot rule's decision: what to move now, as a pure function.

:func:`decide_card_pot` takes snapshots of the cards, the pot and the current
account, the rule's persisted state, the amount already deposited today, the
config and ``now``, and returns a :class:`CardPotDecision` (what to move, why,
and the state to persist). It reads no clock and does no I/O; the same inputs
always give the same decision. It reads the cards (``spending``: the target
and the new spending), finds the situation the pot is in (``situations``: one
function each), then lets the limits and the current account have their say:

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

Spending that could not be deposited yet (limits, funds) is carried in the
state as ``unfunded`` and explains a shortfall on later runs. The state also
keeps what the pot holds once the decided move is made (``pot_left``): the
service keeps a moving decision's state only once the move is confirmed, so a
move that failed leaves the state before it, and the next run does not take
the pot it could not fill for a pot that fell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.errors import CurrencyMismatch
from potwise.domain.rules.cardpot import situations
from potwise.domain.rules.cardpot.explain import Story
from potwise.domain.rules.cardpot.fast import new_decision, new_state, new_story
from potwise.domain.rules.cardpot.formats import fmt
from potwise.domain.rules.cardpot.inputs import (
    CardPotConfig,
    CardSnapshot,
    CurrentAccountSnapshot,
    PotSnapshot,
    check_aware,
    check_int,
)
from potwise.domain.rules.cardpot.model import (
    Action,
    CardPotDecision,
    InvalidCardPotInput,
    Reason,
    Situation,
)
from potwise.domain.rules.cardpot.situations import Plan
from potwise.domain.rules.cardpot.spending import Reading, read_cards
from potwise.domain.rules.cardpot.state import SEEN_RETENTION, CardPotState

__all__ = ["decide_card_pot"]

# Module names for the members a decision reads (see situations.py for why).
_DEPOSIT: Final = Action.DEPOSIT
_NO_MOVE: Final = Action.NONE
_WITHDRAW: Final = Action.WITHDRAW
_CAPPED_BY_LIMIT: Final = Reason.CAPPED_BY_LIMIT
_DAILY_LIMIT_REACHED: Final = Reason.DAILY_LIMIT_REACHED
_INSUFFICIENT_FUNDS: Final = Reason.INSUFFICIENT_FUNDS
_POT_DELETED: Final = Reason.POT_DELETED
#: A deleted pot's plan: nothing moves.
_PAUSED: Final[Plan] = (Situation.POT_DELETED, _POT_DELETED, 0, 0, 0, 0, None)


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
    """Decide what the card-pot rule moves now (the policy: this module's docs and
    ``situations``').

    ``cards`` must be exactly the rule's cards, ``pot`` its pot; all amounts in
    one currency (else ``CurrencyMismatch``). ``moved_today`` is what this rule
    has already deposited today (the caller decides the day, in the user's
    timezone). ``now`` must be timezone-aware; ``tz`` only affects how times are
    written in the explanation. Raises ``InvalidCardPotInput`` when the inputs do
    not belong to the rule.
    """
    if now.tzinfo is not UTC:
        now = check_aware(now, "now").astimezone(UTC)
    cards = _rule_cards(config, cards, pot, current, moved_today)
    if state is not None and state.pot_id != config.pot_id:
        state = None  # the rule now fills another pot: start afresh
    reading = read_cards(cards, pot.currency, state, now - SEEN_RETENTION)
    target, spending = reading[0], reading[1]
    gap = target - pot.balance
    if pot.deleted:
        return _paused(reading, config, pot, current, moved_today, state, now, tz)
    if gap < 0:
        plan = situations.withdraw_the_excess(gap, state is None)
    elif gap == 0:
        plan = situations.in_sync(state is None, state is not None and state.cooldown is not None)
    elif state is None:
        plan = situations.first_run(gap)
    elif state.cooldown is None:
        left = state.pot_left
        fell = reading[5] or (left is not None and pot.balance < left)
        plan = situations.falls_short(
            gap, spending, state.unfunded, config.cooldown_hours, target, pot.balance, now, fell
        )
    elif now >= state.cooldown.until:
        plan = situations.cooldown_over(gap)
    else:
        plan = situations.during_cooldown(
            gap, spending, state.unfunded, state.cooldown, config.override_cooldown_on_spending
        )
    return _conclude(plan, reading, config, pot, current, moved_today, state, now, tz)


def _rule_cards(
    config: CardPotConfig,
    cards: Sequence[CardSnapshot],
    pot: PotSnapshot,
    current: CurrentAccountSnapshot,
    moved_today: int,
) -> Sequence[CardSnapshot]:
    """`cards` in the rule's order (kept for explanations), once the inputs are
    checked to belong to the rule and to share one currency."""
    if type(moved_today) is not int:
        check_int(moved_today, "moved_today")
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
    if len(cards) == 1:
        return cards
    order = {card_id: i for i, card_id in enumerate(card_ids)}
    return sorted(cards, key=lambda c: order[c.account_id])


def _conclude(
    plan: Plan,
    reading: Reading,
    config: CardPotConfig,
    pot: PotSnapshot,
    current: CurrentAccountSnapshot,
    moved_today: int,
    prior: CardPotState | None,
    now: datetime,
    tz: str,
) -> CardPotDecision:
    """The decision: `plan`, once the limits and the current account had their say."""
    target, spending, _, memories, _, _ = reading
    _, reason, amount, want, _, _, cooldown = plan
    notified = prior is not None and prior.funds_notified
    capped = False
    notify: str | None = None
    limit: Reason | None = None
    if want > 0:
        amount, capped, limit, notify, notified = _deposit(
            want, config, moved_today, current.available, notified, pot.currency
        )
        action = _DEPOSIT if amount else _NO_MOVE
        if limit is not None:
            reason = limit
        left = pot.balance + amount
    else:
        action = _WITHDRAW if amount else _NO_MOVE
        if target <= pot.balance:
            notified = False
        left = pot.balance - amount
    unfunded = max(0, want - amount) if target > pot.balance else 0
    # `left` is what the pot holds once the move is made: the state is kept only then.
    kept = new_state(config.pot_id, now, target, memories, unfunded, cooldown, notified, left)
    story = new_story(
        Story, (plan, limit, amount, reading, config, pot, current, moved_today, prior, now, tz)
    )
    balance, currency = pot.balance, pot.currency
    return new_decision(
        action, amount, target, balance, reason, capped, notify, kept, currency, spending, story
    )


def _deposit(
    want: int,
    config: CardPotConfig,
    moved_today: int,
    available: int,
    notified: bool,
    currency: str,
) -> tuple[int, bool, Reason | None, str | None, bool]:
    """What of `want` is deposited now: (amount, capped, the limit that had its say,
    a notice to send, whether the user knows funds are short)."""
    most = min(config.max_transfer, config.max_per_day - moved_today)
    amount = min(want, most) if most > 0 else 0
    capped = amount < want
    if amount <= 0:
        return 0, capped, _DAILY_LIMIT_REACHED, None, notified
    if available < amount:
        notify = None
        if not notified:
            notify = (
                f"Not enough in your current account to top up the card pot: "
                f"{fmt(amount, currency)} is needed and "
                f"{fmt(available, currency)} is available. "
                "potwise will try again on every run."
            )
        return 0, False, _INSUFFICIENT_FUNDS, notify, True
    return amount, capped, _CAPPED_BY_LIMIT if capped else None, None, False


def _paused(
    reading: Reading,
    config: CardPotConfig,
    pot: PotSnapshot,
    current: CurrentAccountSnapshot,
    moved_today: int,
    prior: CardPotState | None,
    now: datetime,
    tz: str,
) -> CardPotDecision:
    """The pot was deleted: nothing moves and the state stays as it was."""
    target, spending = reading[0], reading[1]
    story = new_story(
        Story, (_PAUSED, None, 0, reading, config, pot, current, moved_today, prior, now, tz)
    )
    balance, currency = pot.balance, pot.currency
    return new_decision(
        _NO_MOVE, 0, target, balance, _POT_DELETED, False, None, prior, currency, spending, story
    )
