"""Household life played over loopback HTTP: the driver, its pacing, and the request counts.

The household `life` (seed 7, a year of history to 2026-06-06) holds the Capital One
card too; its days from 6 to 8 June hold pending and non-pending card purchases, a
refund, the Capital One repayment by direct debit on its due date and a pot
withdrawal by hand (the same seed always gives these same days).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from potwise.sandbox.app import create_sandbox_app

from .conftest import LiveServer, monzo_login, truelayer_headers, truelayer_token_body

START = datetime(2026, 6, 6, 0, 0, tzinfo=UTC)
CARDS = ["ob-amex", "uk-ob-barclaycard", "ob-capital-one"]
Start = Callable[..., LiveServer]


class Reactions:
    """A webhook receiver that, like a client, reacts a moment after each delivery by asking
    the bank for a balance, and notes the sandbox's clock when it did."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx2.Client(base_url=base_url, timeout=10)
        self.headers: dict[str, str] = {}
        self.received: list[dict[str, Any]] = []
        self.seen_at: list[tuple[str, str]] = []  # (transaction created, clock at reaction)
        self._threads: list[threading.Thread] = []

    def react(self, body: dict[str, Any]) -> None:
        self.received.append(body)
        thread = threading.Thread(target=self._react, args=(body["data"],), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _react(self, tx: dict[str, Any]) -> None:
        time.sleep(0.02)
        now = self.http.get("/_sandbox/clock").json()["now"]
        params = {"account_id": tx["account_id"]}
        self.http.get("/monzo/api/balance", params=params, headers=self.headers)
        self.seen_at.append((tx["created"], now))

    def join(self) -> None:
        for thread in self._threads:
            thread.join(5)
        self.http.close()


@pytest.fixture
def reactions() -> Iterator[Callable[[str], tuple[str, Reactions]]]:
    servers: list[ThreadingHTTPServer] = []

    def start(base_url: str) -> tuple[str, Reactions]:
        seen = Reactions(base_url)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                seen.react(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/hook", seen

    yield start
    for server in servers:
        server.shutdown()


def _sandbox(live: Start) -> LiveServer:
    # Tokens outlive the days played: the test reacts as a client that has refreshed.
    app = create_sandbox_app(
        seed=7,
        years=1,
        now=START,
        frozen_clock=True,
        monzo_token_ttl=30 * 86400,
        truelayer_token_ttl=30 * 86400,
    )
    return live(app)


def _add_life_user(http: httpx2.Client) -> dict[str, Any]:
    made = http.post("/_sandbox/users", json={"name": "life", "cards": CARDS})
    assert made.status_code == 201, made.text
    assert made.json()["users"] == [{"name": "life", "cards": CARDS}]
    return dict(http.get("/_sandbox/users/life").json())


def _play(http: httpx2.Client, seconds: float = 30, **body: Any) -> dict[str, Any]:
    started = http.post("/_sandbox/life", json={"user": "life", **body})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + seconds
    view: dict[str, Any] = started.json()
    while view["playing"] and time.monotonic() < deadline:
        time.sleep(0.05)
        view = http.get("/_sandbox/life").json()
    assert view["state"] == "finished", view
    return view


def _personal(household: dict[str, Any]) -> str:
    return next(a["id"] for a in household["monzo"]["accounts"] if a["type"] == "uk_retail")


def test_three_days_of_life_with_webhooks_held_at_their_moment(
    live: Start, reactions: Callable[[str], tuple[str, Reactions]]
) -> None:
    server = _sandbox(live)
    with httpx2.Client(base_url=server.url, timeout=10, follow_redirects=False) as http:
        personal = _personal(_add_life_user(http))
        headers = monzo_login(http, user="life")  # type: ignore[arg-type]
        url, seen = reactions(server.url)
        seen.headers = headers
        hook = http.post(
            "/monzo/api/webhooks", headers=headers, data={"account_id": personal, "url": url}
        )
        assert hook.status_code == 200, hook.text
        cards = {p: truelayer_token_body(http, p, user="life") for p in CARDS}  # type: ignore[arg-type]
        before, _ = _card_rows(http, cards)
        http.delete("/_sandbox/requests").raise_for_status()

        view = _play(http, days=3, speed=3 * 86400, settle_ms=250, hold_ms=3000)
        seen.join()

        assert view["progress"] == 1.0
        assert view["now"] == "2026-06-09T00:00:00Z"
        assert view["webhooks"] == len(seen.received) >= 3
        created = [body["data"] for body in seen.received]
        assert [tx["created"] for tx in created] == sorted(tx["created"] for tx in created)
        # Each reaction came while the clock held at the transaction's moment.
        assert seen.seen_at and all(tx_at == clock_at for tx_at, clock_at in seen.seen_at)
        _check_the_counts(http, len(seen.seen_at))
        _check_the_days(http, created, cards, before)
        days = http.get("/_sandbox/requests", params={"by": "day"}).json()["days"]
        assert [d["day"] for d in days] == ["2026-06-09"]
        assert {c["provider_id"] for c in days[0]["consents"]} == set(CARDS)
        assert all(c["attended"] == 3 and c["unattended"] == 0 for c in days[0]["consents"])


def _card_rows(
    http: httpx2.Client, cards: dict[str, dict[str, Any]]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Each card's settled and pending rows of the last few weeks, asked attended."""
    rows: dict[str, list[dict[str, Any]]] = {}
    pendings: dict[str, list[dict[str, Any]]] = {}
    for provider, body in cards.items():
        head = truelayer_headers(body)
        (card,) = http.get("/truelayer/api/data/v1/cards", headers=head).json()["results"]
        path = f"/truelayer/api/data/v1/cards/{card['account_id']}/transactions"
        params = {"from": "2026-05-20", "to": "2026-06-09"}
        rows[provider] = http.get(path, headers=head, params=params).json()["results"]
        pendings[provider] = http.get(f"{path}/pending", headers=head, params=params).json()[
            "results"
        ]
    return rows, pendings


def _check_the_days(
    http: httpx2.Client,
    created: list[dict[str, Any]],
    cards: dict[str, dict[str, Any]],
    before: dict[str, list[dict[str, Any]]],
) -> None:
    repayment = next(tx for tx in created if tx["description"] == "CAPITAL ONE")
    assert repayment["created"].startswith("2026-06-08")  # 7 June was a Sunday
    assert any(tx["scheme"] == "uk_retail_pot" and tx["amount"] > 0 for tx in created)
    assert any(tx["scheme"] == "mastercard" and tx["amount"] < 0 for tx in created)
    refunds = [tx for tx in created if tx["scheme"] == "mastercard" and tx["amount"] > 0]
    rows, pendings = _card_rows(http, cards)
    new = {p: [r for r in rows[p] if r not in before[p]] for p in CARDS}
    assert pendings["ob-capital-one"] == []
    assert any(r["amount"] > 0 for r in new["ob-capital-one"])  # posted, no pending stage
    refunds += [
        r for p in CARDS for r in new[p] if r["amount"] < 0 and "PAYMENT" not in r["description"]
    ]
    # The Amex and Barclaycard purchases of those days show a pending stage first.
    waiting = pendings["ob-amex"] + pendings["uk-ob-barclaycard"]
    assert any(r["timestamp"] >= "2026-06-06" and r["amount"] > 0 for r in waiting)
    assert refunds, "a refund in three days of life"


def _check_the_counts(http: httpx2.Client, reactions: int) -> None:
    counts = http.get("/_sandbox/requests").json()
    balance = [r for r in counts["requests"] if r["bank"] == "monzo" and r["path"] == "/balance"]
    assert [(r["status"], r["attended"], r["count"]) for r in balance] == [(200, None, reactions)]
    assert {r["bank"] for r in counts["requests"]} == {"monzo"}
    assert http.get("/_sandbox/requests", params={"by": "day"}).json()["days"] == []


def test_the_same_seed_gives_the_same_life(live: Start) -> None:
    seen = []
    for _ in range(2):
        with httpx2.Client(base_url=_sandbox(live).url, timeout=10) as http:
            _add_life_user(http)
            _play(http, days=3, speed=30 * 86400)
            seen.append(
                (
                    http.get("/_sandbox/users/life").json(),
                    http.get("/_sandbox/users/life/truth").json(),
                    http.get("/_sandbox/users/life/ledger").json(),
                )
            )
    assert seen[0] == seen[1]
    assert seen[0][0]["truelayer"]["ob-capital-one"][0]["settled_transactions"] > 0
