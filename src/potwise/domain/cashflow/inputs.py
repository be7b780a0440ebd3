"""What safe to spend and the forecast are computed from: the current accounts'
balances, the pots, what the user sets aside; and the error for a horizon they
cannot cover."""

from __future__ import annotations

from dataclasses import dataclass

from potwise.domain.errors import DomainError

__all__ = ["AccountBalance", "InvalidHorizon", "PotBalance", "SetAside"]


class InvalidHorizon(DomainError):
    """A forecast horizon outside 0-366 days, or a payday that is not after today."""

    code = "invalid_horizon"


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """A current account's balance now (signed) and its arranged overdraft (positive)."""

    id: str
    name: str
    balance: int
    overdraft_limit: int = 0


@dataclass(frozen=True, slots=True)
class PotBalance:
    """A pot's balance; ``included`` when the user counts it as spendable cash."""

    id: str
    name: str
    balance: int
    included: bool = False


@dataclass(frozen=True, slots=True)
class SetAside:
    """Money the user chose to keep aside until payday (positive pence)."""

    label: str
    amount: int
