"""Stored commitments merged with detection: decisions kept, detections followed, ids
known before anything is stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from potwise.domain.commitments import (
    CommitmentStatus,
    StoredCommitment,
    align,
    derived_id,
    model_of,
)
from potwise.domain.recurring import DetectedCommitment
from potwise.domain.schedules import Cadence, Schedule

TODAY = date(2026, 3, 10)
USER = "user-1"


def _detected(payee: str, day: int, amount: int = -1_599, evidence: int = 3) -> DetectedCommitment:
    return DetectedCommitment(
        key=f"out:{payee}:monthly:{day}",
        payee=payee,
        direction="out",
        account_id="acc",
        amount=amount,
        currency="GBP",
        schedule=Schedule(Cadence.MONTHLY, date(2026, 2, day), day_of_month=day),
        first_date=date(2025, 3, day),
        last_date=date(2026, 2, day),
        next_date=date(2026, 3, day),
        active=True,
        confidence=0.9,
        evidence=tuple(f"tx-{payee}-{i}" for i in range(evidence)),
        description=payee.title(),
    )


def _by_key(*found: DetectedCommitment) -> dict[str, DetectedCommitment]:
    return {c.key: c for c in found}


def _stored_as(
    alignment_rows: tuple[StoredCommitment, ...], when: datetime
) -> list[StoredCommitment]:
    return [replace(r, updated_at=when) for r in alignment_rows]


def test_a_detection_not_stored_yet_has_the_same_id_on_every_read() -> None:
    found = _by_key(_detected("netflix", 10), _detected("landlord", 1, -95_000))
    first = align(USER, [], found)
    again = align(USER, [], found)
    assert [r.id for r in first.rows] == [r.id for r in again.rows]
    assert {r.id for r in first.added} == {derived_id(USER, key) for key in found}
    assert all(r.status is CommitmentStatus.DETECTED for r in first.rows)
    assert first.changes_anything


def test_stored_rows_in_line_with_detection_need_no_change() -> None:
    found = _by_key(_detected("netflix", 10))
    stored = _stored_as(align(USER, [], found).rows, datetime(2026, 3, 1, tzinfo=UTC))
    assert not align(USER, stored, found).changes_anything


def test_a_dismissal_follows_its_series_to_a_new_key_and_stays_dismissed() -> None:
    before = _by_key(_detected("netflix", 10))
    [row] = _stored_as(align(USER, [], before).rows, datetime(2026, 3, 1, tzinfo=UTC))
    dismissed = replace(row, status=CommitmentStatus.DISMISSED)
    refitted = _detected("netflix", 9, evidence=4)
    result = align(USER, [dismissed], _by_key(refitted))
    [moved] = result.rows
    assert (moved.id, moved.key, moved.status) == (row.id, refitted.key, CommitmentStatus.DISMISSED)
    assert moved.evidence == refitted.evidence
    assert result.changed == (moved,) and not result.added and not result.removed


def test_an_undecided_detection_that_vanished_goes_and_manual_ones_stay() -> None:
    stored = _stored_as(
        align(USER, [], _by_key(_detected("gym", 5))).rows, datetime(2026, 3, 1, tzinfo=UTC)
    )
    manual = replace(
        stored[0], id="m1", key="manual:m1", manual=True, status=CommitmentStatus.CONFIRMED
    )
    result = align(USER, [*stored, manual], {})
    assert result.removed == (stored[0].id,)
    assert [r.id for r in result.rows] == ["m1"]


def test_a_derived_id_already_held_by_another_row_is_not_reused() -> None:
    key = "out:netflix:monthly:10"
    first = derived_id(USER, key)
    second = derived_id(USER, key, {first})
    assert second != first and len(second) == 32
    assert derived_id(USER, key, {first}) == second


def test_a_confirmed_edit_uses_the_users_amount() -> None:
    c = _detected("netflix", 10)
    [row] = align(USER, [], _by_key(c)).rows
    assert model_of(row, c, TODAY).amount == c.amount
    edited = replace(row, status=CommitmentStatus.CONFIRMED, amount=1_799)
    model = model_of(edited, c, TODAY)
    assert model.amount == -1_799 and model.next_date is not None and model.active


def test_the_statuses_are_stored_as_they_always_were() -> None:
    assert [s.value for s in CommitmentStatus] == ["detected", "confirmed", "dismissed"]
    assert (
        CommitmentStatus.CONFIRMED == "confirmed" and str(CommitmentStatus.DISMISSED) == "dismissed"
    )
