"""Fault injection: deterministic, scoped by path glob (and optionally method).

A fault fires for the next `count` matching requests, or with `probability`
drawn from its own seeded stream, or both (each draw that fires uses up one
of the count). Kinds: latency, rate_limit (429 + Retry-After), error_5xx,
timeout (hold the request, then 504), malformed (truncated JSON body),
drop_after_apply (the handler runs, e.g. a pot move is applied, then the
connection is cut mid-response), timeout_after_apply (the handler runs, then
its answer is held for `ms`, 30 s unless said: a client with a shorter timeout
gives up on a request that was applied, as it may against the real API when
Monzo is slow, e.g. a feed item that shows although the client saw a timeout),
expire_token (the presented token expires).
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

KINDS = (
    "latency",
    "rate_limit",
    "error_5xx",
    "timeout",
    "malformed",
    "drop_after_apply",
    "timeout_after_apply",
    "expire_token",
)


class FaultSpecError(ValueError):
    pass


class ConnectionDropped(Exception):
    """Raised mid-response so the server closes the connection without finishing it."""


@dataclass(slots=True)
class Fault:
    id: str
    path: str
    kind: str
    method: str | None
    count: int | None
    probability: float | None
    ms: int
    status: int
    retry_after: int | None
    rng: random.Random
    fired: int = 0
    seen: int = 0
    spec: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {
            **self.spec,
            "id": self.id,
            "fired": self.fired,
            "seen": self.seen,
            "remaining": self.count,
        }


class FaultBook:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
        path = spec.get("path", "*")
        if not isinstance(path, str) or not path:
            raise FaultSpecError("path must be a glob such as /monzo/api/pots/*")
        count = spec.get("count")
        probability = spec.get("probability")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise FaultSpecError("count must be a positive integer")
        if probability is not None and not (
            isinstance(probability, int | float) and 0 <= probability <= 1
        ):
            raise FaultSpecError("probability must be between 0 and 1")
        if count is None and probability is None:
            count = 1
        status = int(spec.get("status", 503 if kind == "error_5xx" else 429))
        if kind == "error_5xx" and status not in (500, 502, 503, 504):
            raise FaultSpecError("status for error_5xx must be 500, 502, 503 or 504")
        default_ms = {"latency": 500, "timeout": 30000, "timeout_after_apply": 30000}.get(kind, 0)
        fault_id = f"fault_{next(self._ids)}"
        fault = Fault(
            id=fault_id,
            path=path,
            kind=kind,
            method=str(spec["method"]).upper() if spec.get("method") else None,
            count=count,
            probability=float(probability) if probability is not None else None,
            ms=int(spec.get("ms", default_ms)),
            status=status,
            retry_after=int(spec["retry_after"])
            if spec.get("retry_after") is not None
            else (1 if kind == "rate_limit" else None),
            rng=random.Random(f"{spec.get('seed', self.seed)}:{fault_id}:{path}:{kind}"),
            spec={k: v for k, v in spec.items() if k != "seed"},
        )
        self._faults.append(fault)
        return fault

    def list(self) -> list[Fault]:
        return list(self._faults)

    def clear(self) -> None:
        self._faults.clear()

    def match(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.count is not None and fault.count <= 0:
                continue
            if fault.method is not None and fault.method != method:
                continue
            if not fnmatch.fnmatchcase(path, fault.path):
                continue
            fault.seen += 1
            if fault.probability is not None and fault.rng.random() >= fault.probability:
                continue
            fault.fired += 1
            if fault.count is not None:
                fault.count -= 1
            return fault
        return None


def _error_body(path: str, kind: str, status: int) -> bytes:
    if path.startswith("/truelayer"):
        error = {
            429: ("provider_too_many_requests", "Provider rate limit exceeded."),
            500: ("internal_server_error", "Sorry, we are experiencing technical difficulties."),
            502: ("provider_error", "The provider service is unavailable."),  # [A]
            503: ("temporarily_unavailable", "The provider service is temporarily unavailable."),
            504: ("provider_timeout", "The provider timed out."),
        }[status]
        return (
            f'{{"error":"{error[0]}","error_description":"{error[1]}","error_details":{{}}}}'
        ).encode()
    # Monzo's Open Banking prefix table is the reference's guide for these codes.
    code = {
        429: "rate_limited",
        500: "internal_service",
        502: "bad_gateway",
        503: "unavailable",
        504: "timeout",
    }[status]
    message = "Too many requests" if status == 429 else "Something went wrong"
    del kind
    return f'{{"code":"{code}","message":"{message}","retryable":{{}}}}'.encode()


async def _send_simple(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class FaultMiddleware:
    def __init__(self, app: ASGIApp, world: SandboxWorld) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        fault = self.world.faults.match(scope["method"], path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        kind = fault.kind
        if kind == "latency":
            await asyncio.sleep(fault.ms / 1000)
            await self.app(scope, receive, send)
        elif kind == "rate_limit":
            headers = []
            if fault.retry_after is not None and fault.retry_after >= 0:
                headers.append((b"retry-after", str(fault.retry_after).encode()))
            await _send_simple(send, 429, _error_body(path, kind, 429), headers)
        elif kind == "error_5xx":
            await _send_simple(send, fault.status, _error_body(path, kind, fault.status))
        elif kind == "timeout":
            # Hold the request longer than any sensible client timeout, then give up.
            await asyncio.sleep(fault.ms / 1000)
            await _send_simple(send, 504, _error_body(path, kind, 504))
        elif kind == "timeout_after_apply":
            await self._late(scope, receive, send, fault.ms)
        elif kind == "expire_token":
            self._expire(scope)
            await self.app(scope, receive, send)
        else:
            await self._mangle(scope, receive, send, drop=kind == "drop_after_apply")

    async def _late(self, scope: Scope, receive: Receive, send: Send, ms: int) -> None:
        """Apply the request, then hold its answer: the client has timed out by then."""
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        await asyncio.sleep(ms / 1000)
        for message in held:
            await send(message)

    def _expire(self, scope: Scope) -> None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                token = value.decode().partition(" ")[2].strip()
                self.world.monzo.expire(token)
                self.world.truelayer.expire(token)

    async def _mangle(self, scope: Scope, receive: Receive, send: Send, *, drop: bool) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        cut = body[: max(1, len(body) // 2)]
        if drop:
            # Promise the whole body, deliver half, then cut the connection.
            headers.append((b"content-length", str(len(body) + 1).encode()))
            await send(
                {
                    "type": "http.response.start",
                    "status": start.get("status", 200),
                    "headers": headers,
                }
            )
            await send({"type": "http.response.body", "body": cut, "more_body": True})
            raise ConnectionDropped("connection dropped after the request was applied")
        headers.append((b"content-length", str(len(cut)).encode()))
        await send(
            {"type": "http.response.start", "status": start.get("status", 200), "headers": headers}
        )
        await send({"type": "http.response.body", "body": cut})
