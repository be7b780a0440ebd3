"""In-process events: "these transactions changed", for whoever subscribed (automations).

Handlers run synchronously in the publisher's thread after the data is
committed; a failing handler is logged and never undoes the write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from potwise.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class TransactionsChanged:
    user_id: str
    connection_id: str
    account_id: str
    transaction_ids: tuple[str, ...]
    source: str  # "webhook" or "sync"


@dataclass(frozen=True)
class SyncFinished:
    """A sync of the user's connection finished (succeeded or partly so).

    Connections of one user synced side by side (a scheduled cycle, "sync all")
    are announced together, once the last of them is done: `also` holds the others,
    so the work that follows a sync (classification, budgets, alerts) runs once per
    user and sees every account fresh.
    """

    user_id: str
    connection_id: str
    trigger: str
    also: tuple[str, ...] = ()

    @property
    def connection_ids(self) -> tuple[str, ...]:
        return (self.connection_id, *self.also)


Event = TransactionsChanged | SyncFinished
Handler = Callable[[Event], None]
#: Runs a piece of work somewhere: a thread pool in the web app, or None for inline.
Submit = Callable[[Callable[[], object]], object]


class EventBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()

    def subscribe(self, handler: Handler) -> None:
        with self._lock:
            self._handlers.append(handler)

    def publish(self, event: Event) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                log.exception("events.handler_failed", handler=getattr(handler, "__name__", "?"))


class Waiting:
    """Keys whose work waits its turn in a pool: a key already waiting is not queued
    again (the waiting work reads the latest data when it starts)."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """True when `key` was not waiting (the caller queues its work now)."""
        with self._lock:
            if key in self._keys:
                return False
            self._keys.add(key)
            return True

    def started(self, key: str) -> None:
        """The work for `key` has begun: news from now on queues it again."""
        with self._lock:
            self._keys.discard(key)


def after_user_changes(
    events: EventBus,
    work: Callable[[str], object],
    *,
    name: str,
    submit: Submit | None = None,
) -> None:
    """Run ``work(user_id)`` after each of a user's syncs and after a webhook brings them
    transactions: inline, or through ``submit``. A failure is logged as ``<name>_failed``
    and never reaches the publisher.

    Through ``submit``, a user's work waiting its turn is not queued again: when it runs
    it reads the latest data anyway, and a burst of syncs must not queue a pile of the
    same checks in front of the rules' runs, which share the pool."""
    waiting = Waiting()

    def run(user_id: str) -> None:
        waiting.started(user_id)
        try:
            work(user_id)
        except Exception:
            log.exception(f"{name}_failed", user_id=user_id)

    def on_event(event: Event) -> None:
        if not isinstance(event, SyncFinished | TransactionsChanged):
            return
        user_id = event.user_id
        if submit is None:
            run(user_id)
        elif waiting.claim(user_id):
            submit(lambda: run(user_id))

    events.subscribe(on_event)
