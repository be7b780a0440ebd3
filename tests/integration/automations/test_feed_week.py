"""A week of household life with notices going to the Monzo app's feed: the sandbox
plays the week, the product follows its clock and its scheduler sends notices, and
the sandbox's record of feed items is checked against what the product decided.

Every money move reaches the feed exactly once (as its own item, or in the digest
when the day's limit was reached), a run that moved nothing posts nothing, no day
has more items than the limit, what was held back goes out in the digest, and a
timeout after an item was sent (the sandbox applies it, then answers too late) is
never sent again.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import NotificationChannel, NotificationDelivery, Transfer
from potwise.services.notifications import monzo_feed
from tests.support.month import month

DAYS = 7
#: Low enough that a busy day reaches it.
CAP = 1
FAULT_DAY = 3
LONDON = ZoneInfo("Europe/London")


@pytest.mark.month
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_week_with_the_monzo_feed_on_posts_each_move_once_within_the_limit(
    tmp_path: Path, database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sandbox holds the faulty answer 2 s; the product stops waiting after 0.5 s.
    monkeypatch.setattr(monzo_feed, "TIMEOUT_SECONDS", 0.5)
    with month(tmp_path, database_url, engine) as life:
        made = life.browser.post(
            "/api/v1/notifications/channels", json={"kind": "monzo_feed", "daily_cap": CAP}
        )
        assert made.status_code == 201, made.text
        channel_id = made.json()["channel"]["id"]
        for day in range(1, DAYS + 1):
            if day == FAULT_DAY:
                life.sandbox.fault(
                    path="/monzo/api/feed", kind="timeout_after_apply", ms=2000, count=1
                )
            life.play_day()
        life.quiet()
        assert [(d.day, p) for d in life.days for p in d.problems] == []
        faults = life.sandbox.http.get("/_sandbox/faults").json()["faults"]
        assert [f["fired"] for f in faults] == [1], faults
        feed = life.sandbox.http.get("/_sandbox/feed").json()["items"]
        with Session(engine) as db:
            _check(db, channel_id, feed)


def _check(db: Session, channel_id: str, feed: list[dict[str, Any]]) -> None:
    deliveries = list(
        db.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.channel_id == channel_id)
            .order_by(NotificationDelivery.created_at)
        )
    )
    channel = db.get(NotificationChannel, channel_id)
    assert channel is not None
    moved = _moves_and_their_deliveries(db, deliveries, channel.created_at)
    assert moved, "the week moved no money"
    _check_items_match_deliveries(deliveries, feed)
    _check_the_limit_and_the_digest(deliveries, feed)
    _check_the_timeout(deliveries, feed)


def _moves_and_their_deliveries(
    db: Session, deliveries: list[NotificationDelivery], since: datetime
) -> dict[str, list[NotificationDelivery]]:
    """Each move confirmed since the channel was added has one delivery to the feed;
    every move notice is a move's. (The sandbox's clock stands still between days, so
    the moves the harness's setup made are at the very time the channel was added.)"""
    confirmed = list(
        db.scalars(
            select(Transfer).where(Transfer.status == "confirmed", Transfer.completed_at > since)
        )
    )
    runs_that_moved = Counter(t.run_id for t in confirmed)
    by_run: dict[str, list[NotificationDelivery]] = {}
    for delivery in deliveries:
        run_id = (delivery.payload or {}).get("run_id")
        if run_id:
            # Only runs that moved money (or tried to) have notices: none for the rest.
            assert run_id in runs_that_moved or delivery.event != "money_moved", delivery.payload
            by_run.setdefault(run_id, []).append(delivery)
    money = [d for d in deliveries if d.event == "money_moved"]
    assert len(money) == len(confirmed)
    for run_id, count in runs_that_moved.items():
        theirs = [d for d in by_run.get(str(run_id), []) if d.event == "money_moved"]
        assert len(theirs) == count
        # At most one item per rule run reached the feed on its own.
        assert sum(d.status == "sent" for d in by_run.get(str(run_id), [])) <= 1
    for delivery in money:
        assert delivery.status in ("sent", "digested", "failed"), delivery.status
    return by_run


def _check_items_match_deliveries(
    deliveries: list[NotificationDelivery], feed: list[dict[str, Any]]
) -> None:
    """The feed holds exactly the items sent, each once, and the one whose answer
    timed out after it was applied."""
    posted = [d for d in deliveries if d.status == "sent" or (d.status == "failed" and d.attempts)]
    own = Counter(monzo_feed.body_of(d) for d in posted if d.event not in ("digest", "test"))
    shown = Counter(i["body"] for i in feed if i["title"] != "potwise: your digest")
    assert shown == own
    digests = sum(1 for d in posted if d.event == "digest")
    assert digests == sum(1 for i in feed if i["title"] == "potwise: your digest")
    for item in feed:
        assert item["url"].startswith("http://127.0.0.1:")
        assert item["image_url"].endswith("/static/monzo-feed.png")


def _check_the_limit_and_the_digest(
    deliveries: list[NotificationDelivery], feed: list[dict[str, Any]]
) -> None:
    per_day = Counter(
        _local_day(d.sent_at)
        for d in deliveries
        if d.status == "sent" and d.sent_at and d.event not in ("digest", "test")
    )
    assert per_day, "nothing reached the feed"
    assert max(per_day.values()) <= CAP, per_day
    held = [d for d in deliveries if d.status in ("digest", "digested")]
    assert held, "no day reached the limit"
    gathered = [d for d in held if d.status == "digested"]
    assert gathered, "no digest was made"
    digest_items = [i for i in feed if i["title"] == "potwise: your digest"]
    assert digest_items
    lines = sum(len(i["body"].splitlines()) for i in digest_items)
    assert lines >= min(len(gathered), 2)  # each held notice, or some and "and N more"


def _check_the_timeout(deliveries: list[NotificationDelivery], feed: list[dict[str, Any]]) -> None:
    [unclear] = [d for d in deliveries if d.status == "failed"]
    assert unclear.attempts == 1
    assert "not sent again, so it never shows twice" in (unclear.last_error or "")
    # Applied once by the sandbox, never posted again.
    assert [i["body"] for i in feed].count(monzo_feed.body_of(unclear)) == 1


def _local_day(moment: datetime) -> str:
    return moment.astimezone(LONDON).date().isoformat()
