"""Transfer and run statuses: the stored values never change, and a run's outcome
follows its transfer's."""

from __future__ import annotations

import pytest

from potwise.domain.transfers import (
    OPEN_TRANSFER_STATUSES,
    RunStatus,
    TransferDirection,
    TransferStatus,
    run_status_after,
)


def test_statuses_are_stored_as_the_strings_the_database_checks() -> None:
    stored = ["planned", "sent", "confirmed", "failed", "unknown"]
    assert [s.value for s in TransferStatus] == stored
    assert [d.value for d in TransferDirection] == ["deposit", "withdraw"]
    assert {s.value for s in RunStatus} == {
        "running",
        "preview",
        "skipped",
        "failed",
        "moved",
        "nothing",
        "unknown",
    }


def test_a_status_compares_equal_to_its_stored_string() -> None:
    assert TransferStatus.CONFIRMED == "confirmed"
    assert f"{RunStatus.MOVED}" == "moved"
    assert "sent" in OPEN_TRANSFER_STATUSES


def test_only_planned_sent_and_unknown_intents_are_open() -> None:
    assert set(OPEN_TRANSFER_STATUSES) == {"planned", "sent", "unknown"}


@pytest.mark.parametrize(
    ("transfer", "run"),
    [
        (TransferStatus.CONFIRMED, RunStatus.MOVED),
        (TransferStatus.FAILED, RunStatus.FAILED),
        (TransferStatus.UNKNOWN, RunStatus.UNKNOWN),
        (TransferStatus.SENT, RunStatus.UNKNOWN),
        ("confirmed", RunStatus.MOVED),
    ],
)
def test_a_run_that_sent_money_ends_as_its_transfer_did(transfer: str, run: RunStatus) -> None:
    assert run_status_after(transfer) is run
