"""The household's own pot moves: payday deposits, the weekly card-pot top-up, the
bills pot on the first, the monthly saving for the home.

They go through the same books as a client's moves and are written to the
ledger with `source="generator"`.
"""

from __future__ import annotations

from datetime import datetime

from potwise.sandbox.household import Household
from potwise.sandbox.ledger import record_move
from potwise.sandbox.model import Pot
from potwise.sandbox.plan import HouseholdPlan


def pot_move(h: Household, pot: Pot, direction: str, amount: int, t: datetime) -> None:
    """Move up to `amount` (what the account or pot holds, at most); nothing if that is 0."""
    account = h.monzo_accounts[pot.current_account_id]
    if direction == "deposit":
        amount = min(amount, max(account.balance, 0))
    else:
        amount = min(amount, pot.balance)
    if amount <= 0:
        return
    dedupe = f"gen-{t.strftime('%Y%m%d%H%M%S')}-{pot.name.lower().replace(' ', '-')}"
    tx = h.pot_transaction(
        pot, pot.current_account_id, direction, amount, dedupe, t, trigger="user"
    )
    record_move(
        h,
        pot,
        pot.current_account_id,
        direction,
        amount,
        dedupe,
        t,
        tx.id,
        repeat=False,
        source="generator",
    )


def fund_card_pot(plan: HouseholdPlan, t: datetime) -> None:
    # Each week the household tops the pot up to what is owed on the Amex (pending
    # charges included) or takes out the excess, as the card-pot rule does by hand.
    amex, card_pot = plan.banks.amex, plan.pots.card
    owed = amex.settled_balance + sum(p.amount for p in amex.pending if p.amount > 0)
    gap = owed - card_pot.balance
    if gap > 0:
        pot_move(plan.h, card_pot, "deposit", gap, t)
    elif gap < 0:
        pot_move(plan.h, card_pot, "withdraw", -gap, t)


def bills_pot_withdraw(plan: HouseholdPlan, t: datetime) -> None:
    pot_move(plan.h, plan.pots.bills, "withdraw", 12000, t)


def save_for_home(plan: HouseholdPlan, t: datetime) -> None:
    pot_move(plan.h, plan.pots.home, "deposit", 10000, t)


def payday_bills_deposit(plan: HouseholdPlan, t: datetime) -> None:
    pot_move(plan.h, plan.pots.bills, "deposit", 12000, t)


def payday_holiday_deposit(plan: HouseholdPlan, t: datetime) -> None:
    pot_move(plan.h, plan.pots.holiday, "deposit", 15000, t)
