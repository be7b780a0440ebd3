"""What a rule, a money move and a rule run can be: their directions and statuses.

The values are the ones stored in the database (the `transfers` table checks
its direction and status against exactly these), so they never change; a
member compares equal to its stored string.
"""

from __future__ import annotations

from enum import StrEnum


class RuleStatus(StrEnum):
    """Where a rule stands between runs (stored on the rule). A card-pot decision
    leaves it in one of its phases (ok, cooldown, waiting for funds); every rule kind
    can also be paused or in error."""

    OK = "ok"
    COOLDOWN = "cooldown"  # waiting out a cooldown; the clock wakes it
    WAITING_FUNDS = "waiting_funds"  # not enough in the current account; retried
    PAUSED = "paused"  # held back (the user's or the server's pause, or the bank)
    ERROR = "error"  # the last run failed; retried on the clock


# Rules the clock wakes as well as events: their next run may succeed on its own.
RETRIED_RULE_STATUSES = (RuleStatus.COOLDOWN, RuleStatus.WAITING_FUNDS, RuleStatus.ERROR)


class TransferDirection(StrEnum):
    """Which way a move goes between the current account and a pot."""

    DEPOSIT = "deposit"  # into the pot
    WITHDRAW = "withdraw"  # out of the pot, back to the current account


class TransferStatus(StrEnum):
    """Where a transfer intent stands: persisted, sent, and what the bank said."""

    PLANNED = "planned"  # stored, not yet sent
    SENT = "sent"  # on its way to the bank (or the process stopped while it was)
    CONFIRMED = "confirmed"  # the bank applied it
    FAILED = "failed"  # the bank refused it: nothing moved
    UNKNOWN = "unknown"  # no answer: it may or may not have moved


# Intents not settled yet: reconciliation sends each again with its own dedupe_id.
OPEN_TRANSFER_STATUSES = (TransferStatus.PLANNED, TransferStatus.SENT, TransferStatus.UNKNOWN)


class RunStatus(StrEnum):
    """How one run of a rule ended (or that it has not yet)."""

    RUNNING = "running"  # the intent is stored and on its way to the bank
    PREVIEW = "preview"  # a dry run: explained, nothing moved, no state changed
    SKIPPED = "skipped"  # the rule could not or may not decide now
    FAILED = "failed"  # the decision or the move failed
    MOVED = "moved"  # money moved, confirmed by the bank
    NOTHING = "nothing"  # the decision was to move nothing
    UNKNOWN = "unknown"  # the move was sent and not confirmed; reconciliation finishes it


def run_status_after(transfer: str) -> RunStatus:
    """What a run that sent one transfer says once that transfer has an outcome."""
    if transfer == TransferStatus.CONFIRMED:
        return RunStatus.MOVED
    if transfer == TransferStatus.FAILED:
        return RunStatus.FAILED
    return RunStatus.UNKNOWN
