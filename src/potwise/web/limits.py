"""The request body limit: a request may not send more than `max_bytes`.

A pure ASGI middleware, so nothing is buffered before it counts: a declared
Content-Length over the limit is refused at once, before the route runs; a body
without one (chunked) is counted as it arrives, and the moment it passes the limit
the client gets 413 and the route's read fails. Either way at most the limit (plus
one network chunk) is ever held, and the rest of the body is never read.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from potwise.logs import get_logger

log = get_logger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised into the route when its body passes the limit (the 413 is already sent)."""


def too_large_message(max_bytes: int) -> str:
    return f"The request body is larger than the {max_bytes:,} bytes this server accepts."


async def send_too_large(send: Send, max_bytes: int) -> None:
    """Answer 413 with the API's error body and ask the client to close."""
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": too_large_message(max_bytes)}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, reading no further."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            log.warning("request.body_too_large", declared=declared, limit=self.max_bytes)
            await send_too_large(send, self.max_bytes)
            return
        await _CountedRequest(self.app, self.max_bytes, receive, send).run(scope)


class _CountedRequest:
    """One request whose body is counted as the route reads it."""

    def __init__(self, app: ASGIApp, max_bytes: int, receive: Receive, send: Send) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._receive = receive
        self._send = send
        self.received = 0
        self.response_started = False
        self.refused = False

    async def receive(self) -> Message:
        if self.refused:
            raise BodyTooLarge
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                await self._refuse()
        return message

    async def _refuse(self) -> None:
        self.refused = True
        log.warning("request.body_too_large", received=self.received, limit=self.max_bytes)
        if not self.response_started:
            self.response_started = True
            await send_too_large(self._send, self.max_bytes)
        raise BodyTooLarge

    async def send(self, message: Message) -> None:
        # Once the 413 has gone out, whatever the route answers to its failed read is dropped.
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)

    async def run(self, scope: Scope) -> None:
        try:
            await self.app(scope, self.receive, self.send)
        except Exception:
            # BodyTooLarge, or the route's own error wrapping the failed read: the 413 stands.
            if not self.refused:
                raise
