"""The scheduler decides what is due by the product's clock, not by waiting."""

from __future__ import annotations

import threading
from concurrent.futures import wait
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from potwise import clock
from potwise.jobs.timing import DailyAt, Every, Scheduler

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 in London (summer time)


def _tick(scheduler: Scheduler) -> int:
    """One look at what is due; waits for the runs it started, returns how many."""
    futures = scheduler.run_pending()
    wait(futures, timeout=10)
    return len(futures)


def test_an_interval_job_is_due_when_the_clock_passes_its_time() -> None:
    ran: list[datetime] = []
    with clock.using(clock.FixedClock(START)) as fixed:
        assert isinstance(fixed, clock.FixedClock)
        scheduler = Scheduler(blocking=False)
        scheduler.add_job(
            lambda: ran.append(clock.now()),
            Every(timedelta(minutes=30)),
            id="every-half-hour",
            first_run=START + timedelta(minutes=30),
        )
        _tick(scheduler)
        assert ran == []
        fixed.advance(timedelta(minutes=30))
        _tick(scheduler)
        assert ran == [START + timedelta(minutes=30)]
        _tick(scheduler)
        assert len(ran) == 1
        # Six hours pass at once: the missed turns are one run, then the next is on time.
        fixed.advance(timedelta(hours=6))
        _tick(scheduler)
        assert len(ran) == 2
        [job] = scheduler.get_jobs()
        assert job.next_run_time == START + timedelta(hours=7)
        scheduler.shutdown()


def test_a_busy_job_never_runs_twice_at_once_and_its_missed_turns_are_one_run() -> None:
    release = threading.Event()
    running = 0
    most = 0
    calls = 0
    lock = threading.Lock()

    def slow() -> None:
        nonlocal running, most, calls
        with lock:
            running += 1
            calls += 1
            most = max(most, running)
        release.wait(10)
        with lock:
            running -= 1

    with clock.using(clock.FixedClock(START)) as fixed:
        assert isinstance(fixed, clock.FixedClock)
        scheduler = Scheduler(blocking=False)
        scheduler.add_job(slow, Every(timedelta(minutes=5)), id="slow", first_run=START)
        first = scheduler.run_pending()
        for _ in range(4):
            fixed.advance(timedelta(minutes=5))
            assert scheduler.run_pending() == []  # still busy
        release.set()
        wait(first, timeout=10)
        fixed.advance(timedelta(minutes=1))
        wait(scheduler.run_pending(), timeout=10)
        assert (calls, most) == (2, 1)
        scheduler.shutdown()


def test_one_slow_job_does_not_hold_the_others() -> None:
    release = threading.Event()
    quick = threading.Event()
    with clock.using(clock.FixedClock(START)):
        scheduler = Scheduler(blocking=False)
        scheduler.add_job(lambda: release.wait(10), Every(timedelta(1)), id="slow", first_run=START)
        scheduler.add_job(quick.set, Every(timedelta(1)), id="quick", first_run=START)
        scheduler.run_pending()
        assert quick.wait(5)
        release.set()
        scheduler.shutdown()


def test_the_daily_job_fires_at_its_local_hour() -> None:
    daily = DailyAt(10, LONDON)
    first = daily.first(START)
    assert first == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
    ran: list[datetime] = []
    with clock.using(clock.FixedClock(first - timedelta(seconds=1))) as fixed:
        assert isinstance(fixed, clock.FixedClock)
        scheduler = Scheduler(blocking=False)
        scheduler.add_job(lambda: ran.append(clock.now()), daily, id="daily", first_run=first)
        _tick(scheduler)
        assert ran == []
        fixed.advance(timedelta(seconds=1))
        _tick(scheduler)
        assert [moment.astimezone(LONDON).hour for moment in ran] == [10]
        [job] = scheduler.get_jobs()
        assert job.next_run_time == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
        scheduler.shutdown()
    # In winter 10:00 in London is 10:00 UTC.
    assert daily.after(first, datetime(2026, 12, 1, 12, tzinfo=UTC)) == datetime(
        2026, 12, 2, 10, tzinfo=UTC
    )


def test_the_background_scheduler_ticks_by_itself_and_stops_at_once() -> None:
    ran = threading.Event()
    with clock.using(clock.FixedClock(START)):
        scheduler = Scheduler(blocking=False, tick=0.01)
        scheduler.add_job(ran.set, Every(timedelta(hours=1)), id="now", first_run=START)
        scheduler.start()
        assert ran.wait(5)
        assert scheduler.running
        scheduler.shutdown()
        assert not scheduler.running


def test_the_blocking_scheduler_returns_once_shut_down_from_elsewhere() -> None:
    with clock.using(clock.FixedClock(START)):
        scheduler = Scheduler(blocking=True, tick=0.01)
        stopped: list[bool] = []

        def stop() -> None:
            stopped.append(True)
            scheduler.shutdown(wait=False)

        scheduler.add_job(stop, Every(timedelta(hours=1)), id="stop", first_run=START)
        worker = threading.Thread(target=scheduler.start)
        worker.start()
        worker.join(10)
        assert not worker.is_alive() and stopped == [True]
