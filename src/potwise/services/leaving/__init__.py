"""Leaving: a user's account and everything it owns erased, banks told first."""

from potwise.services.leaving.erase import erase, owned_tables
from potwise.services.leaving.leave import (
    BankOutcome,
    BankPlan,
    Leaving,
    Plan,
    banks,
    confirm,
    leave,
    plan,
    user_id_for,
)

__all__ = [
    "BankOutcome",
    "BankPlan",
    "Leaving",
    "Plan",
    "banks",
    "confirm",
    "erase",
    "leave",
    "owned_tables",
    "plan",
    "user_id_for",
]
