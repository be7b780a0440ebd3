"""Walking Monzo's transaction pages: the time filters, and the walk that asks for the
next page while the one before is read.

Monzo pages forward with `since=<id of the last transaction>`; a page shorter
than `MAX_PAGE` is the last. `PageWalk` keeps that chain of requests going on
a thread of its own, so validating, mapping and writing a page never delay the
request for the next one.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from potwise.banks.monzo import schemas

#: Monzo's maximum page size (the default is 30).
MAX_PAGE = 100


def format_since(when: datetime) -> str:
    """`since` (inclusive) to the second, rounded *down*: a little overlap, never a gap."""
    return _utc(when).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_before(when: datetime) -> str:
    """`before` (exclusive) to the second, rounded *up*: a little overlap, never a gap."""
    utc = _utc(when)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("Monzo time filters need an aware datetime")
    return when.astimezone(UTC)


#: A page's answer as the walk hands it over: (the cursor it was asked with, its
#: JSON, its last id when the page is full).
_Answer = tuple[datetime | str | None, Any, str | None]
#: Reads the page after a cursor; the callable is called once the request is sent.
_ReadPage = Callable[[datetime | str | None, Callable[[], None]], Any]


class PageWalk:
    """Requests transaction pages one after another on a thread of its own.

    Each next page is asked for as soon as the answer before it has arrived
    and its last id is read (`last_id_of_full_page`), with no other thread
    in between: an answer is handed to the reader only once the request for
    the page after it is on its way (or has failed), so validating, mapping and
    writing it run while the bank is answering and never delay the chain's next
    request. At most one answer waits unread: when the reader stops early, at
    most three requests beyond what it read were made. Answers and the first
    error reach the reader in order, through `next`.
    """

    def __init__(self, read: _ReadPage, cursor: datetime | str | None):
        self._read = read
        self._answers: queue.Queue[_Answer | BaseException] = queue.Queue(maxsize=1)
        self._held: _Answer | None = None  # read, handed over once the next request is sent
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(cursor,), name="monzo-pages", daemon=True
        )
        self._thread.start()

    def _run(self, cursor: datetime | str | None) -> None:
        try:
            while not self._stop.is_set():
                try:
                    body = self._read(cursor, self._hand_over)
                finally:
                    self._hand_over()  # a transport that reports no sending, or a failure
                guess = last_id_of_full_page(body)
                if guess is None or guess == cursor:
                    self._offer((cursor, body, guess))
                    return  # the last page, or one the reader must look at first
                self._held = (cursor, body, guess)
                cursor = guess
        except BaseException as exc:  # handed to the reader, raised there
            self._offer(exc)

    def _hand_over(self) -> None:
        """Give the reader the answer held back (once; later calls do nothing)."""
        held, self._held = self._held, None
        if held is not None:
            self._offer(held)

    def _offer(self, item: _Answer | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._answers.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def next(self) -> _Answer:
        """The next answer: (the cursor it was asked with, its JSON, its last id if full)."""
        item = self._answers.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop asking; wait for a request already on its way (its answer is not used)."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._answers.get(timeout=0.05)
        self._thread.join()


def last_id_of_full_page(body: Any) -> str | None:
    """The id a full page's mapping will end on (the newest `created`, the last
    of equals), read cheaply from the raw answer; None when the page is not
    full or does not look right (then nothing is requested early)."""
    if not isinstance(body, dict):
        return None
    items = body.get("transactions")
    if not isinstance(items, list) or len(items) < MAX_PAGE:
        return None
    newest: tuple[datetime, str] | None = None
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return None
        try:
            created = schemas.parse_timestamp(item.get("created"))
        except ValueError:
            return None
        if newest is None or created >= newest[0]:
            newest = (created, item["id"])
    return newest[1] if newest is not None else None
