"""The card-pot rule's situations, one function each, as the product states its rules.

Each takes the figures it needs and returns a :data:`Plan`: what it means to
move before the limits and the current account have their say (``decide``
applies those). ``gap`` is the live shortfall, target - pot: negative when
the pot holds more than is owed.

* **Withdraw the excess**: the pot is above what is owed (a repayment from
  another account, a refund, a first run): withdraw the surplus at once, also
  during a cooldown, which then ends. A withdrawal is at most the pot, so a pot
  never goes below zero.
* **In sync**: nothing to move; a cooldown ends early.
* **First run**: bring the pot to the target at once.
* **Cooldown over**: at or after its end (half-open: ``now >= until``) the
  shortfall computed from the *live* inputs is deposited.
* **During a cooldown**: with ``override_cooldown_on_spending`` new spending
  (a card's unexplained rise included) is still deposited at once; the rest
  waits.
* **Falls short**: the part of the shortfall explained by new card spending
  (transactions not seen before, and a card's balance that rose by more than
  they explain: ``spending``) or by earlier spending not deposited yet is
  deposited at once. An unexplained rest starts a cooldown, and nothing moves
  for it, only when something fell: the pot holds less than the rule left in
  it (its own confirmed moves accounted for: a bill paid from the pot, money
  taken out of it by hand) or a card owes less than the rule last saw (a
  payment, maybe from the pot). Any other rest is deposited at once too
  (reason ``shortfall_covered``), and so is a rest when the state does not
  say what the rule left (a state stored before it was kept): the safe
  reading, the pot holds at least what is owed. With ``cooldown_hours`` 0 the
  whole shortfall is deposited at once.

Whatever the detection of spending concludes, a deposit is never more than
the live shortfall: a mistake in detecting spending can only change *when*
money moves (at once or after the cooldown), never how much.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from potwise.domain.rules.cardpot.model import Reason, Situation
from potwise.domain.rules.cardpot.state import Cooldown

__all__ = [
    "Plan",
    "cooldown_over",
    "during_cooldown",
    "falls_short",
    "first_run",
    "in_sync",
    "withdraw_the_excess",
]


#: What a situation means to do, in this order: the situation (for the explanation),
#: the reason, pence to withdraw (withdrawals are not capped), pence to deposit
#: before the limits and the funds, the part of the shortfall explained by new
#: spending and by earlier spending not deposited yet, and the cooldown in force
#: afterwards. A plain tuple: a decision builds one, and a named tuple's
#: constructor would cost more than the rest of the situation.
Plan = tuple[Situation, Reason, int, int, int, int, Cooldown | None]


# The members a decision uses, as module names: Python 3.11 reads an enum member
# through its class (``Reason.IN_SYNC``) several times slower than a global, and
# a decision reads several.
_CARRIED_OVER: Final = Reason.CARRIED_OVER
_COOLDOWN_ENDED: Final = Reason.COOLDOWN_ENDED
_COOLDOWN_EXPIRED: Final = Reason.COOLDOWN_EXPIRED
_COOLDOWN_STARTED: Final = Reason.COOLDOWN_STARTED
_COOLDOWN_WAITING: Final = Reason.COOLDOWN_WAITING
_FIRST_RUN: Final = Reason.FIRST_RUN
_IN_SYNC: Final = Reason.IN_SYNC
_NEW_SPENDING: Final = Reason.NEW_SPENDING
_NO_COOLDOWN: Final = Reason.NO_COOLDOWN
_SHORTFALL_COVERED: Final = Reason.SHORTFALL_COVERED
_SURPLUS: Final = Reason.SURPLUS
_WHEN_BACK_IN_SYNC: Final = Situation.BACK_IN_SYNC
_WHEN_COOLDOWN_DEPOSIT: Final = Situation.COOLDOWN_DEPOSIT
_WHEN_COOLDOWN_EXPIRED: Final = Situation.COOLDOWN_EXPIRED
_WHEN_COOLDOWN_STARTED: Final = Situation.COOLDOWN_STARTED
_WHEN_COOLDOWN_WAITING: Final = Situation.COOLDOWN_WAITING
_WHEN_COVER_SHORTFALL: Final = Situation.COVER_SHORTFALL
_WHEN_FIRST_IN_SYNC: Final = Situation.FIRST_IN_SYNC
_WHEN_FIRST_SHORT: Final = Situation.FIRST_SHORT
_WHEN_IN_SYNC: Final = Situation.IN_SYNC
_WHEN_NO_COOLDOWN: Final = Situation.NO_COOLDOWN
_WHEN_SPENDING: Final = Situation.SPENDING
_WHEN_WITHDRAW: Final = Situation.WITHDRAW


def withdraw_the_excess(gap: int, first_run: bool) -> Plan:
    """The pot holds ``-gap`` more than is owed: withdraw it (a cooldown ends)."""
    reason = _FIRST_RUN if first_run else _SURPLUS
    return (_WHEN_WITHDRAW, reason, -gap, 0, 0, 0, None)


def in_sync(first_run: bool, cooling: bool) -> Plan:
    """The pot holds what is owed: nothing moves, and a cooldown ends early."""
    if first_run:
        return (_WHEN_FIRST_IN_SYNC, _FIRST_RUN, 0, 0, 0, 0, None)
    if cooling:
        return (_WHEN_BACK_IN_SYNC, _COOLDOWN_ENDED, 0, 0, 0, 0, None)
    return (_WHEN_IN_SYNC, _IN_SYNC, 0, 0, 0, 0, None)


def first_run(gap: int) -> Plan:
    """The rule's first run finds the pot ``gap`` short: fill it at once."""
    return (_WHEN_FIRST_SHORT, _FIRST_RUN, 0, gap, 0, 0, None)


def cooldown_over(gap: int) -> Plan:
    """The cooldown has ended: deposit the live shortfall."""
    return (_WHEN_COOLDOWN_EXPIRED, _COOLDOWN_EXPIRED, 0, gap, 0, 0, None)


def during_cooldown(
    gap: int, spending: int, unfunded: int, cooldown: Cooldown, override: bool
) -> Plan:
    """A cooldown is running: new spending is covered at once when the override is
    on (and spending carried from earlier runs always); the rest waits."""
    fresh, carried = _explained(gap, spending, unfunded)
    if not override:
        fresh = 0  # new spending waits for the cooldown like the rest
    explained = fresh + carried
    if explained > 0:
        reason = _NEW_SPENDING if fresh else _CARRIED_OVER
        still = cooldown if explained < gap else None
        return (_WHEN_COOLDOWN_DEPOSIT, reason, 0, explained, fresh, carried, still)
    return (_WHEN_COOLDOWN_WAITING, _COOLDOWN_WAITING, 0, 0, fresh, carried, cooldown)


def falls_short(
    gap: int,
    spending: int,
    unfunded: int,
    cooldown_hours: int,
    target: int,
    pot_balance: int,
    now: datetime,
    fell: bool,
) -> Plan:
    """The pot is ``gap`` short and no cooldown runs: deposit what new (or carried)
    spending explains; an unexplained rest starts a cooldown when the pot or a card
    `fell` (with no cooldown set, or when nothing fell, it is deposited too)."""
    fresh, carried = _explained(gap, spending, unfunded)
    explained = fresh + carried
    unexplained = gap - explained
    if unexplained > 0 and not fell:
        reason = _NEW_SPENDING if fresh else _CARRIED_OVER if carried else _SHORTFALL_COVERED
        return (_WHEN_COVER_SHORTFALL, reason, 0, gap, fresh, carried, None)
    if unexplained > 0 and cooldown_hours == 0:
        reason = _NEW_SPENDING if fresh else _CARRIED_OVER if carried else _NO_COOLDOWN
        return (_WHEN_NO_COOLDOWN, reason, 0, gap, fresh, carried, None)
    if explained > 0:
        reason = _NEW_SPENDING if fresh else _CARRIED_OVER
        wait = _cooldown(now, cooldown_hours, target, pot_balance) if unexplained > 0 else None
        return (_WHEN_SPENDING, reason, 0, explained, fresh, carried, wait)
    wait = _cooldown(now, cooldown_hours, target, pot_balance)
    return (_WHEN_COOLDOWN_STARTED, _COOLDOWN_STARTED, 0, 0, fresh, carried, wait)


def _explained(gap: int, spending: int, unfunded: int) -> tuple[int, int]:
    """What explains the shortfall: spending detected now, then spending detected
    earlier that could not be deposited yet (limits, funds)."""
    fresh = min(spending, gap)
    return fresh, min(unfunded, gap - fresh)


def _cooldown(now: datetime, hours: int, target: int, pot_balance: int) -> Cooldown:
    return Cooldown(
        started_at=now,
        until=now + timedelta(hours=hours),
        owed_at_start=target,
        pot_at_start=pot_balance,
    )
