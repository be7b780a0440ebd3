"""A scripted stand-in for Monzo's HTTP API, built on httpx2.MockTransport.

Each route answers from a queue (the last answer repeats); every request is
recorded so tests can assert what was sent and how many calls were made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx2

API_URL = "https://monzo.example.invalid/monzo/api"
AUTH_URL = "https://monzo.example.invalid/monzo/auth"
_PREFIX = "/monzo/api"

Answer = httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]


def reply(
    status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None
) -> httpx2.Response:
    """A JSON answer (`{}` when no body is given, as Monzo's empty successes)."""
    return httpx2.Response(status, json={} if body is None else body, headers=headers)


def raw(status: int, text: str, content_type: str = "text/html") -> httpx2.Response:
    return httpx2.Response(status, text=text, headers={"Content-Type": content_type})


def form_of(request: httpx2.Request) -> dict[str, str]:
    """A form-encoded body as a dict (each key must appear once)."""
    parsed = parse_qs(request.content.decode(), keep_blank_values=True, strict_parsing=False)
    assert all(len(values) == 1 for values in parsed.values()), parsed
    return {key: values[0] for key, values in parsed.items()}


class ScriptedMonzo:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self._routes: dict[tuple[str, str], list[Answer]] = {}

    def on(self, method: str, path: str, *answers: Answer) -> ScriptedMonzo:
        self._routes[(method, path)] = list(answers)
        return self

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self._handle))

    def calls(self, method: str, path: str) -> list[httpx2.Request]:
        return [r for r in self.requests if r.method == method and self._path(r) == path]

    @staticmethod
    def _path(request: httpx2.Request) -> str:
        path = request.url.path
        assert path.startswith(_PREFIX), f"request outside the API base URL: {path}"
        return path[len(_PREFIX) :]

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        key = (request.method, self._path(request))
        queue = self._routes.get(key)
        if not queue:
            return reply(404, {"code": "not_found", "message": f"no route {key}"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx2.Response):
            return answer
        return answer(request)
