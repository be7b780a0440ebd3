"""Where a command's log lines go: standard error, looked up at each write.

Logging keeps the stream it was given. Handing it this one instead of `sys.stderr`
itself means a Rich progress bar, which swaps `sys.stderr` while it draws, gets
each log line and prints it above the bar instead of through it; and a command can
hold the lines back while it prints a table (`held`), then let them out after.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class LogStream(io.TextIOBase):
    """Standard error as it is now, or a buffer while held."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._held: list[str] | None = None

    def write(self, text: str) -> int:
        with self._lock:
            if self._held is not None:
                self._held.append(text)
                return len(text)
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()

    def writable(self) -> bool:
        return True

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep log lines back for the block; write them, in order, after it."""
        with self._lock:
            self._held = []
        try:
            yield
        finally:
            with self._lock:
                held, self._held = self._held or [], None
            for text in held:
                sys.stderr.write(text)
            sys.stderr.flush()


#: The one stream every command's logging writes to.
LOGS = LogStream()
