"""Over real HTTP on loopback: faults of every kind, webhooks to a local receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from potwise.sandbox.app import create_sandbox_app

from .conftest import NOW, LiveServer, monzo_login

Start = Callable[..., LiveServer]


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]], list[int]]]:
    """A local webhook receiver; `failures` lists statuses to answer before succeeding."""
    received: list[dict[str, Any]] = []
    failures: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            status = failures.pop(0) if failures else 200
            if status == 200:
                received.append(body)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received, failures
    server.shutdown()


def _wait(predicate: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_webhooks_deliver_new_transactions_and_pot_moves_with_retries(
    live: Start,
    receiver: tuple[str, list[dict[str, Any]], list[int]],
) -> None:
    url, received, failures = receiver
    server = live(create_sandbox_app(now=NOW, frozen_clock=True, webhook_retry_base=0.05))
    with httpx2.Client(base_url=server.url) as client:
        headers = monzo_login(client)  # type: ignore[arg-type]
        accounts = client.get("/monzo/api/accounts", headers=headers).json()["accounts"]
        personal = next(a["id"] for a in accounts if a["type"] == "uk_retail")
        hook = client.post(
            "/monzo/api/webhooks", headers=headers, data={"account_id": personal, "url": url}
        ).json()["webhook"]
        listed = client.get(
            "/monzo/api/webhooks", params={"account_id": personal}, headers=headers
        ).json()["webhooks"]
        assert listed == [hook]
        failures.extend([500, 503])  # the first delivery fails twice, then succeeds
        made = client.post(
            "/_sandbox/users/demo/transactions",
            json={
                "bank": "monzo",
                "amount": 1234,
                "kind": "purchase",
                "description": "GREENGROCER",
            },
        ).json()
        pots = client.get(
            "/monzo/api/pots", params={"current_account_id": personal}, headers=headers
        ).json()["pots"]
        client.put(
            f"/monzo/api/pots/{pots[0]['id']}/deposit",
            headers=headers,
            data={"source_account_id": personal, "amount": "100", "dedupe_id": "w1"},
        )
        assert _wait(lambda: len(received) >= 2)
        by_id = {event["data"]["id"]: event for event in received}
        event = by_id[made["transaction_id"]]
        assert event["type"] == "transaction.created"
        assert event["data"]["amount"] == -1234 and isinstance(event["data"]["merchant"], dict)
        pot_events = [e for e in received if e["data"]["scheme"] == "uk_retail_pot"]
        assert pot_events and pot_events[0]["data"]["merchant"] is None

        def deliveries() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = client.get("/_sandbox/webhooks/deliveries").json()[
                "deliveries"
            ]
            return found

        # The receiver has an event as soon as its request arrives; the sandbox marks the
        # delivery done only once the answer is back, a moment later.
        assert _wait(lambda: all(d["status"] == "delivered" for d in deliveries()))
        deliveries_made = deliveries()
        # Two refused attempts were retried: one more attempt each than deliveries.
        assert sum(d["attempts"] for d in deliveries_made) == len(deliveries_made) + 2
        # Generated life fires webhooks too when the clock moves on.
        before = len(received)
        client.post("/_sandbox/clock", json={"advance": "P3D"})
        assert _wait(lambda: len(received) > before)
        assert (
            client.delete(f"/monzo/api/webhooks/{hook['id']}", headers=monzo_login(client)).json()
            == {}
        )  # type: ignore[arg-type]


def test_every_fault_kind(live: Start) -> None:
    server = live(create_sandbox_app(now=NOW, frozen_clock=True))
    with httpx2.Client(base_url=server.url, timeout=5) as client:
        headers = monzo_login(client)  # type: ignore[arg-type]

        def fault(**spec: Any) -> None:
            assert client.post("/_sandbox/faults", json=spec).status_code == 201

        fault(path="/monzo/api/accounts", kind="rate_limit", count=1, retry_after=7)
        r = client.get("/monzo/api/accounts", headers=headers)
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"
        assert client.get("/monzo/api/accounts", headers=headers).status_code == 200
        for status in (500, 502, 503, 504):
            fault(path="/truelayer/*", kind="error_5xx", status=status, count=1)
            r = client.get("/truelayer/api/data/v1/me")
            assert r.status_code == status and "error" in r.json()
        fault(path="/monzo/api/accounts", kind="latency", ms=300, count=1)
        started = time.monotonic()
        assert client.get("/monzo/api/accounts", headers=headers).status_code == 200
        assert time.monotonic() - started >= 0.3
        fault(path="/monzo/api/accounts", kind="timeout", ms=2000, count=1)
        with pytest.raises(httpx2.ReadTimeout):
            client.get("/monzo/api/accounts", headers=headers, timeout=0.3)
        fault(path="/monzo/api/accounts", kind="malformed", count=1)
        r = client.get("/monzo/api/accounts", headers=headers)
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.text)
        fault(path="/monzo/api/ping/whoami", kind="expire_token", count=1)
        r = client.get("/monzo/api/ping/whoami", headers=headers)
        assert r.json()["code"] == "unauthorized.bad_access_token.expired"
        headers = monzo_login(client)  # type: ignore[arg-type]
        accounts = client.get("/monzo/api/accounts", headers=headers).json()["accounts"]
        personal = next(a["id"] for a in accounts if a["type"] == "uk_retail")
        pot = client.get(
            "/monzo/api/pots", params={"current_account_id": personal}, headers=headers
        ).json()["pots"][0]
        fault(path="/monzo/api/pots/*/deposit", kind="drop_after_apply", count=1)
        form = {"source_account_id": personal, "amount": "700", "dedupe_id": "dropped-1"}
        with pytest.raises(httpx2.HTTPError):
            client.put(f"/monzo/api/pots/{pot['id']}/deposit", headers=headers, data=form)
        moves = client.get("/_sandbox/users/demo/ledger").json()["moves"]
        assert [m["repeat"] for m in moves if m["dedupe_id"] == "dropped-1"] == [False]
        retry = client.put(f"/monzo/api/pots/{pot['id']}/deposit", headers=headers, data=form)
        assert retry.json()["balance"] == pot["balance"] + 700  # moved once
        listed = client.get("/_sandbox/faults").json()["faults"]
        assert all(f["remaining"] == 0 for f in listed)
        assert client.delete("/_sandbox/faults").json() == {"faults": []}


def test_probabilistic_faults_are_deterministic_per_seed() -> None:
    from starlette.testclient import TestClient

    def pattern(seed: int) -> list[int]:
        client = TestClient(
            create_sandbox_app(
                now=NOW,
                frozen_clock=True,
                seed=seed,
                faults=[
                    {
                        "path": "/truelayer/api/*",
                        "kind": "error_5xx",
                        "status": 503,
                        "probability": 0.5,
                    }
                ],
            )
        )
        return [client.get("/truelayer/api/data/v1/me").status_code for _ in range(20)]

    first = pattern(1)
    assert first == pattern(1)
    assert 503 in first and 401 in first
