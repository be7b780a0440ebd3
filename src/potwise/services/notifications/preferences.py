"""A user's choices: for each event and kind of channel `now`, `digest` or `off`;
quiet hours; and the digest's rhythm."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from potwise.db.models import NotificationPreference, NotificationSchedule
from potwise.services.errors import InvalidInput
from potwise.services.notifications import events


@dataclass(frozen=True)
class Choices:
    modes: dict[str, dict[str, str]]  # event -> channel kind -> mode
    quiet_start: str | None
    quiet_end: str | None
    digest: str
    digest_hour: int


def schedule_of(db: Session, user_id: str) -> NotificationSchedule:
    """The user's schedule row (a default one, unsaved, when they have none)."""
    found = db.scalars(
        select(NotificationSchedule).where(NotificationSchedule.user_id == user_id)
    ).one_or_none()
    return found or NotificationSchedule(user_id=user_id, digest="daily", digest_hour=8)


def choices(db: Session, user_id: str) -> Choices:
    stored = {
        (p.event, p.channel_kind): p.mode
        for p in db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    modes = {
        event.key: {
            kind: stored.get((event.key, kind), events.default_mode(event.key, kind))
            if events.carries(kind, event.key)
            else "off"
            for kind in events.CHANNEL_KINDS
        }
        for event in events.EVENTS
    }
    schedule = schedule_of(db, user_id)
    return Choices(
        modes=modes,
        quiet_start=schedule.quiet_start,
        quiet_end=schedule.quiet_end,
        digest=schedule.digest,
        digest_hour=schedule.digest_hour,
    )


def mode_for(db: Session, user_id: str, event: str, channel_kind: str) -> str:
    if not events.carries(channel_kind, event):
        return "off"
    stored = db.scalars(
        select(NotificationPreference.mode).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.event == event,
            NotificationPreference.channel_kind == channel_kind,
        )
    ).one_or_none()
    return stored or events.default_mode(event, channel_kind)


def _checked_modes(modes: dict[str, dict[str, str]]) -> dict[tuple[str, str], str]:
    checked: dict[tuple[str, str], str] = {}
    for event, by_kind in modes.items():
        if event not in events.BY_KEY:
            raise InvalidInput(f"There is no event called {event!r}.")
        for kind, mode in by_kind.items():
            if kind not in events.CHANNEL_KINDS:
                raise InvalidInput(f"There is no kind of channel called {kind!r}.")
            if mode not in events.MODES:
                raise InvalidInput("Choose now, digest or off for each event.")
            if mode != "off" and not events.carries(kind, event):
                raise InvalidInput(
                    "A bank needing you cannot be told through the Monzo app: "
                    "your other channels and the app tell you."
                )
            checked[(event, kind)] = mode
    return checked


def _checked_quiet(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    if not start and not end:
        return None, None
    if not start or not end:
        raise InvalidInput("Quiet hours need a start and an end, or neither.")
    try:
        first, last = events.parse_hhmm(start), events.parse_hhmm(end)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if first == last:
        raise InvalidInput("Quiet hours must start and end at different times.")
    return first.strftime("%H:%M"), last.strftime("%H:%M")


def save(
    db: Session,
    user_id: str,
    *,
    modes: dict[str, dict[str, str]] | None = None,
    quiet: tuple[str | None, str | None] | None = None,
    digest: str | None = None,
    digest_hour: int | None = None,
) -> Choices:
    """Change what is given; everything is checked before anything is stored."""
    checked = _checked_modes(modes or {})
    quiet_checked = _checked_quiet(*quiet) if quiet is not None else None
    if digest is not None and digest not in events.DIGESTS:
        raise InvalidInput("The digest is daily, weekly or off.")
    if digest_hour is not None and not 0 <= digest_hour <= 23:
        raise InvalidInput("The digest's hour is between 0 and 23.")
    for (event, kind), mode in checked.items():
        db.execute(
            delete(NotificationPreference).where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.event == event,
                NotificationPreference.channel_kind == kind,
            )
        )
        db.add(NotificationPreference(user_id=user_id, event=event, channel_kind=kind, mode=mode))
    schedule = schedule_of(db, user_id)
    if quiet_checked is not None:
        schedule.quiet_start, schedule.quiet_end = quiet_checked
    if digest is not None:
        schedule.digest = digest
    if digest_hour is not None:
        schedule.digest_hour = digest_hour
    db.add(schedule)
    db.commit()
    return choices(db, user_id)
