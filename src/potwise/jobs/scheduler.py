"""What runs when: the in-process scheduler used by `serve` and `worker`."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from potwise.logs import get_logger
from potwise.services import housekeeping
from potwise.settings import Settings

log = get_logger(__name__)

HOUSEKEEPING_MINUTES = 60


def _housekeeping(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as db:
        housekeeping.purge_expired(db, datetime.now(UTC))


def build_scheduler(
    settings: Settings, session_factory: sessionmaker[Session], *, blocking: bool
) -> BaseScheduler:
    """A scheduler with potwise's jobs; each job runs at most once at a time."""
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone=settings.timezone)
        if blocking
        else BackgroundScheduler(timezone=settings.timezone)
    )
    scheduler.add_job(
        _housekeeping,
        "interval",
        minutes=HOUSEKEEPING_MINUTES,
        args=[session_factory],
        id="housekeeping",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    log.info("scheduler.configured", jobs=[job.id for job in scheduler.get_jobs()])
    return scheduler
