"""The mail sender: a thread of the worker (or of `serve`) that sends the outbox.

It looks every `interval` real seconds (a followed clock that stands still must
not hold mail back), so a message queued by a request leaves within seconds.
Several workers may run it side by side: each message is claimed before it is sent.
"""

from __future__ import annotations

import threading

from potwise.logs import get_logger
from potwise.services.account_mail import mailer_for
from potwise.services.context import ConnectionsContext
from potwise.services.mail import sender

log = get_logger(__name__)

INTERVAL_SECONDS = 2.0


class MailSender:
    def __init__(self, ctx: ConnectionsContext, *, interval: float = INTERVAL_SECONDS) -> None:
        self._ctx = ctx
        self._mailer = mailer_for(ctx.settings)
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """One pass: send what is due; returns how many were sent."""
        if self._mailer.smtp is None:
            return 0
        return sender.send_due(
            self._ctx.session_factory, self._mailer.smtp, self._mailer.unsubscribe_url
        )

    def start(self) -> None:
        """Send in the background until `stop` (nothing to do when mail is off)."""
        if self._mailer.smtp is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="potwise-mail", daemon=True)
        self._thread.start()
        log.info("mail.sender_started", interval=self._interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval * 2 + 1)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("mail.sender_pass_failed")
            self._stop.wait(self._interval)
