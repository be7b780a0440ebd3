"""The queue's set-up that needs no database: its mode, its URL, its periodic schedule."""

from __future__ import annotations

from pathlib import Path

from croniter import croniter

from potwise.jobs import queue
from tests.conftest import make_settings


def test_the_database_decides_the_mode(tmp_path: Path) -> None:
    assert not queue.is_queued(make_settings(tmp_path, f"sqlite:///{tmp_path / 'p.db'}"))
    postgres = make_settings(tmp_path, "postgresql+psycopg://potwise@db:5432/potwise")
    assert queue.is_queued(postgres)


def test_the_queue_connects_with_libpq_keeping_password_and_search_path() -> None:
    url = "postgresql+psycopg://potwise:p%40ss@db:5432/potwise?options=-csearch_path%3Dmine"
    assert queue.conninfo(url) == (
        "postgresql://potwise:p%40ss@db:5432/potwise?options=-csearch_path%3Dmine"
    )


def test_sync_interval_becomes_a_cron_step_that_divides_the_hour_or_the_day() -> None:
    assert queue.every_minutes(30) == "*/30 * * * *"
    assert queue.every_minutes(1) == "*/1 * * * *"
    assert queue.every_minutes(7) == "*/6 * * * *"  # rounded down to a divisor of 60
    assert queue.every_minutes(120) == "0 */2 * * *"
    assert queue.every_minutes(1440) == "0 0 * * *"


def test_every_periodic_task_has_a_valid_cron_and_seconds_are_the_last_field(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'p.db'}")
    schedule = queue.periodic_schedule(settings, "* * * * *")
    assert set(schedule) == {
        "potwise.sync_cycle",
        "potwise.rules_cycle",
        "potwise.card_refreshes",
        "potwise.monzo_approvals",
        "potwise.notifications",
        "potwise.housekeeping",
        "potwise.commitment_alerts",
        "potwise.retry_stalled",
    }
    for cron in schedule.values():
        assert croniter.is_valid(cron)
    # Every 15 seconds, not every second of every fifteenth minute.
    ticks = croniter(schedule["potwise.notifications"], 0)
    assert [ticks.get_next(float) for _ in range(3)] == [15.0, 30.0, 45.0]
