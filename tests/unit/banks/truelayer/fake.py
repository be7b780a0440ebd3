"""A scripted TrueLayer for client tests: answers per (method, path), records requests."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx2

from potwise.banks.http import RetryPolicy
from potwise.banks.truelayer import TrueLayerClient

API_URL = "https://api.truelayer.test"
AUTH_URL = "https://auth.truelayer.test"
ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcml5YSJ9.c2lnbmF0dXJl"

# Tiny waits so retry tests stay fast.
FAST = RetryPolicy(attempts=3, timeout=5.0, wait_initial=0.001, wait_max=0.005, wait_jitter=0.0)


@dataclass
class Answer:
    status: int = 200
    body: str | bytes = ""
    headers: dict[str, str] = field(default_factory=dict)
    raise_: Exception | None = None


class FakeTrueLayer:
    """Answers queued per route; the last answer of a route repeats."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx2.Request] = []

    def on(self, method: str, path: str, *answers: Answer) -> FakeTrueLayer:
        self._routes[(method, path)] = list(answers)
        return self

    def get(self, path: str, body: str, status: int = 200, **headers: str) -> FakeTrueLayer:
        return self.on("GET", "/data/v1" + path, Answer(status, body, headers))

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        queue = self._routes.get((request.method, request.url.path))
        if not queue:
            return httpx2.Response(404, json={"error": "not_scripted"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if answer.raise_ is not None:
            raise answer.raise_
        content = answer.body.encode() if isinstance(answer.body, str) else answer.body
        headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
        return httpx2.Response(answer.status, content=content, headers=headers)

    def http(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self._handle))

    def client(self, **kwargs: object) -> TrueLayerClient:
        kwargs.setdefault("retry", FAST)
        return TrueLayerClient(
            self.http(),
            api_url=API_URL,
            access_token=ACCESS_TOKEN,
            **kwargs,
        )

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]
