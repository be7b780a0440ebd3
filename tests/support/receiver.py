"""A webhook receiver on loopback for notification tests: it keeps every request
it is sent and answers with the status the test sets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.loopback import serve


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    answer: int = 204
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def taken(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    async def hook(request: Request) -> Response:
        body = await request.body()
        with receiver.lock:
            receiver.requests.append(
                Received(request.url.path, {k.lower(): v for k, v in request.headers.items()}, body)
            )
        return Response(status_code=receiver.answer)

    app = Starlette(routes=[Route("/{rest:path}", hook, methods=["POST"])])
    with serve(app, lifespan="off") as url:
        receiver.url = url
        yield receiver
