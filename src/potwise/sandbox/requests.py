"""What the banks were asked: counts of bank requests, and when the banks last went quiet.

Every request under `/monzo` or `/truelayer` is counted by bank, base (`api` or
`auth`), method, path template (ids replaced by `{id}`, e.g.
`/data/v1/cards/{id}/balance`) and status; TrueLayer Data API calls also by
whether they were attended (`X-PSU-IP`), and per simulated UTC day and consent
(credentials id): attended and unattended calls, and how many were answered 429.
A month-long test reads `GET /_sandbox/requests?by=day` to check an allowance
was kept; `DELETE /_sandbox/requests` starts the counts again.

Counting is a dictionary increment under a lock, done once per request by an
ASGI middleware outside the fault injection (a faulted answer is counted with
the status the client saw). The same middleware tells life's driver when no
client is talking to the banks (`quiet_for`).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

BANKS = ("monzo", "truelayer")
_PARAM = re.compile(r"\{[^}]*\}")
NO_ROUTE = "(no route)"


@dataclass(frozen=True, slots=True)
class Call:
    """One bank request, as counted."""

    bank: str
    base: str
    method: str
    path: str
    status: int
    attended: bool | None  # TrueLayer Data API calls only
    day: date | None = None
    consent: tuple[str, str, str] | None = None  # credentials id, user, provider


class RequestBook:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last_done = time.monotonic()
        self.reset()

    def reset(self) -> datetime:
        with self._lock:
            self._totals: Counter[tuple[str, str, str, str, int, bool | None]] = Counter()
            # (day, credentials id) -> [attended, unattended, answered 429]
            self._days: dict[tuple[date, str], list[int]] = {}
            self._consents: dict[str, tuple[str, str]] = {}
            self.since = self._now()
            return self.since

    # ------------------------------------------------------------ counting
    def began(self) -> None:
        with self._lock:
            self._in_flight += 1

    def ended(self, call: Call) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last_done = time.monotonic()
            key = (call.bank, call.base, call.method, call.path, call.status, call.attended)
            self._totals[key] += 1
            if call.day is None or call.consent is None:
                return
            credentials_id, user, provider = call.consent
            self._consents[credentials_id] = (user, provider)
            counts = self._days.setdefault((call.day, credentials_id), [0, 0, 0])
            counts[0 if call.attended else 1] += 1
            counts[2] += call.status == 429

    def quiet_for(self) -> float:
        """Seconds since the last bank request ended; 0 while one is in flight."""
        with self._lock:
            return 0.0 if self._in_flight else time.monotonic() - self._last_done

    # ------------------------------------------------------------- views
    def view(self) -> dict[str, Any]:
        with self._lock:
            rows = [
                {
                    "bank": bank,
                    "base": base,
                    "method": method,
                    "path": path,
                    "status": status,
                    "attended": attended,
                    "count": count,
                }
                for (bank, base, method, path, status, attended), count in self._totals.items()
            ]
            since = self.since
        rows.sort(key=lambda r: (r["bank"], r["base"], r["path"], r["method"], r["status"]))
        return {
            "since": since.isoformat(),
            "total": sum(r["count"] for r in rows),
            "requests": rows,
        }

    def by_day(self) -> dict[str, Any]:
        with self._lock:
            entries = sorted(self._days.items())
            consents = dict(self._consents)
            since = self.since
        days: list[dict[str, Any]] = []
        for (day, credentials_id), (attended, unattended, limited) in entries:
            if not days or days[-1]["day"] != day.isoformat():
                days.append({"day": day.isoformat(), "consents": []})
            user, provider = consents[credentials_id]
            days[-1]["consents"].append(
                {
                    "credentials_id": credentials_id,
                    "user": user,
                    "provider_id": provider,
                    "attended": attended,
                    "unattended": unattended,
                    "answered_429": limited,
                }
            )
        return {"since": since.isoformat(), "days": days}


class RouteTable:
    """The bank routes' full paths, to name a request by its template (cached per path)."""

    def __init__(self, mounted: Sequence[tuple[str, APIRouter]]) -> None:
        self._routes: list[tuple[re.Pattern[str], str]] = []
        for prefix, router in mounted:
            for route in router.routes:
                path = prefix + getattr(route, "path", "")
                regex, path_format, _ = compile_path(path)
                self._routes.append((regex, _PARAM.sub("{id}", path_format)))
        self._cache: dict[str, str] = {}

    def template(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            found = next((fmt for regex, fmt in self._routes if regex.match(path)), NO_ROUTE)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[path] = found
        return found


class RequestCounter:
    """ASGI middleware: counts each bank request in the world's `RequestBook`."""

    def __init__(self, app: ASGIApp, world: SandboxWorld, routes: RouteTable) -> None:
        self.app = app
        self.world = world
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = scope["path"].split("/", 3) if scope["type"] == "http" else []
        if len(parts) < 3 or parts[1] not in BANKS:
            await self.app(scope, receive, send)
            return
        book = self.world.requests
        data_call = parts[1] == "truelayer" and parts[2] == "api"
        headers = dict(scope["headers"])
        attended = b"x-psu-ip" in headers if data_call else None
        consent = self._consent(headers.get(b"authorization", b"")) if data_call else None
        day = self.world.clock.now().date()
        status = 500

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        book.began()
        try:
            await self.app(scope, receive, counting_send)
        finally:
            prefix = f"/{parts[1]}/{parts[2]}"
            path = self.routes.template(scope["path"]).removeprefix(prefix) or "/"
            book.ended(
                Call(parts[1], parts[2], scope["method"], path, status, attended, day, consent)
            )

    def _consent(self, authorization: bytes) -> tuple[str, str, str] | None:
        token = self.world.truelayer.tokens.get(authorization.decode().partition(" ")[2].strip())
        if token is None:
            return None
        c = token.connection
        return c.credentials_id, c.user, c.provider_id
