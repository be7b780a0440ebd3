"""Monzo webhooks: registrations, and delivery of `transaction.created` to each URL.

Delivery runs on a background thread so a slow receiver never holds up the
API; it starts as soon as the transaction is posted, i.e. at its simulated
moment (while life plays, the clock holds until deliveries are done, see
`life`). As documented, a failed delivery is retried up to 5 attempts in all with
exponential backoff; deliveries are unsigned.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx2

from potwise.sandbox.monzo_shapes import tx_json

if TYPE_CHECKING:
    from potwise.sandbox.household import Household
    from potwise.sandbox.model import MonzoTx
    from potwise.sandbox.options import SandboxOptions

MAX_ATTEMPTS = 5


@dataclass(slots=True)
class Webhook:
    id: str
    client_id: str
    user: str
    account_id: str
    url: str

    def public(self) -> dict[str, str]:
        return {"account_id": self.account_id, "id": self.id, "url": self.url}


@dataclass(slots=True)
class Delivery:
    webhook_id: str
    url: str
    transaction_id: str
    attempts: int = 0
    status: str = "queued"  # queued | delivered | failed
    last_status: int | None = None
    last_error: str = ""


class WebhookDispatcher:
    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.hooks: dict[str, Webhook] = {}
        self.deliveries: list[Delivery] = []
        self._queue: list[tuple[float, int, Delivery, bytes]] = []
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Life's driver waits until nothing is queued or being sent, then for quiet.
        self._sending = 0
        self.last_done = time.monotonic()

    # ------------------------------------------------------ registrations
    def register(
        self, client_id: str, user: str, account_id: str, url: str, hook_id: str
    ) -> Webhook:
        # Registering the same URL twice gives two registrations [A], as the reference picks.
        hook = Webhook(hook_id, client_id, user, account_id, url)
        self.hooks[hook.id] = hook
        return hook

    def for_account(self, client_id: str, account_id: str) -> list[Webhook]:
        return [
            h
            for h in self.hooks.values()
            if h.client_id == client_id and h.account_id == account_id
        ]

    def delete(self, client_id: str, hook_id: str) -> bool:
        hook = self.hooks.get(hook_id)
        if hook is None or hook.client_id != client_id:
            return False
        del self.hooks[hook_id]
        return True

    def clear(self) -> None:
        self.hooks.clear()

    # ----------------------------------------------------------- delivery
    def on_transaction(self, household: Household, tx: MonzoTx) -> None:
        targets = [
            h
            for h in self.hooks.values()
            if h.account_id == tx.account_id and h.user == household.name
        ]
        if not targets:
            return
        # The data is the full transaction with the merchant expanded (object or null).
        payload = json.dumps(
            {"type": "transaction.created", "data": tx_json(tx, expand_merchant=True)},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        for hook in targets:
            delivery = Delivery(hook.id, hook.url, tx.id)
            self.deliveries.append(delivery)
            self._push(time.monotonic(), delivery, payload)

    def _push(self, due: float, delivery: Delivery, payload: bytes) -> None:
        with self._wake:
            heapq.heappush(self._queue, (due, next(self._counter), delivery, payload))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-webhooks", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        with httpx2.Client(timeout=self.options.webhook_timeout) as client:
            while True:
                with self._wake:
                    while not self._stopping and (
                        not self._queue or self._queue[0][0] > time.monotonic()
                    ):
                        wait = self._queue[0][0] - time.monotonic() if self._queue else None
                        self._wake.wait(wait)
                    if self._stopping:
                        return
                    _, _, delivery, payload = heapq.heappop(self._queue)
                    self._sending += 1
                try:
                    self._attempt(client, delivery, payload)
                finally:
                    with self._wake:
                        self._sending -= 1
                        self.last_done = time.monotonic()

    def _attempt(self, client: httpx2.Client, delivery: Delivery, payload: bytes) -> None:
        delivery.attempts += 1
        try:
            response = client.post(
                delivery.url, content=payload, headers={"Content-Type": "application/json"}
            )
            delivery.last_status = response.status_code
            if 200 <= response.status_code < 300:
                delivery.status = "delivered"
                return
            delivery.last_error = f"HTTP {response.status_code}"
        except httpx2.HTTPError as error:
            delivery.last_error = type(error).__name__
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            return
        backoff = self.options.webhook_retry_base * 2 ** (delivery.attempts - 1)
        self._push(time.monotonic() + backoff, delivery, payload)

    def pending_count(self) -> int:
        with self._wake:
            return len(self._queue)

    def idle(self) -> bool:
        """Nothing queued (retries included) and nothing being sent."""
        with self._wake:
            return not self._queue and not self._sending

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()

    def view(self) -> list[dict[str, Any]]:
        return [
            {
                "webhook_id": d.webhook_id,
                "url": d.url,
                "transaction_id": d.transaction_id,
                "attempts": d.attempts,
                "status": d.status,
                "last_status": d.last_status,
                "last_error": d.last_error,
            }
            for d in self.deliveries
        ]
