"""Life's control over loopback HTTP (409/400/404, stop, the clock handed back), and the
unattended cap in its strict reading, as the request counts show it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx2

from potwise.sandbox.app import create_sandbox_app

from .conftest import NOW, LiveServer, truelayer_headers, truelayer_token_body

Start = Callable[..., LiveServer]
API = "/truelayer/api/data/v1"


def _now(http: httpx2.Client) -> datetime:
    return datetime.fromisoformat(http.get("/_sandbox/clock").json()["now"].replace("Z", "+00:00"))


def test_life_refuses_bad_input_and_a_second_start_and_stops_on_delete(live: Start) -> None:
    server = live(create_sandbox_app(seed=3, years=0, now=NOW, frozen_clock=True))
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/_sandbox/life").json() == {
            "state": "idle",
            "playing": False,
            "now": "2026-05-19T12:00:00Z",
        }
        unknown = http.post("/_sandbox/life", json={"user": "nobody", "days": 1, "speed": 60})
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_user"
        for body, words in (
            ({"days": 0, "speed": 60}, "days must be more than 0"),
            ({"days": 1, "speed": "fast"}, "speed must be a number"),
            ({"days": 1, "speed": 60, "pace": 2}, "unknown field(s): pace"),
            ({"days": 9999, "speed": 60}, "days must be from 0 to 3660"),
        ):
            bad = http.post("/_sandbox/life", json=body)
            assert bad.status_code == 400 and bad.json()["error"]["message"] == words
        started = http.post("/_sandbox/life", json={"user": "demo", "days": 30, "speed": 3600})
        assert started.status_code == 202 and started.json()["playing"] is True
        again = http.post("/_sandbox/life", json={"user": "demo", "days": 1, "speed": 60})
        assert again.status_code == 409 and again.json()["error"]["code"] == "life_playing"
        assert http.post("/_sandbox/clock", json={"advance": "P1D"}).status_code == 409
        assert http.post("/_sandbox/reset", json={}).status_code == 409
        time.sleep(0.3)
        stopped = http.delete("/_sandbox/life").json()
        assert stopped["state"] == "stopped" and stopped["playing"] is False
        assert 0 < stopped["progress"] < 0.01 and stopped["steps"] > 0
        # The clock is the control API's again, and stays where life left it.
        left = _now(http)
        assert left > NOW and _now(http) == left
        assert http.post("/_sandbox/clock", json={"advance": "P1D"}).status_code == 200
        assert (_now(http) - left).total_seconds() == 86400


def test_a_ticking_clock_holds_while_life_plays_and_ticks_again_after(live: Start) -> None:
    server = live(create_sandbox_app(seed=3, years=0, now=NOW))
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        started = http.post("/_sandbox/life", json={"days": 0.5, "speed": 86400 * 5}).json()
        deadline = time.monotonic() + 10
        view = started
        while view["playing"] and time.monotonic() < deadline:
            time.sleep(0.02)
            view = http.get("/_sandbox/life").json()
        assert view["state"] == "finished" and view["now"] >= view["until"]
        first = _now(http)
        time.sleep(0.05)
        assert _now(http) > first  # ticking with real time again
        assert (first - datetime.fromisoformat(view["until"].replace("Z", "+00:00"))).seconds < 5


def test_the_unattended_cap_is_four_calls_per_consent_per_rolling_day(live: Start) -> None:
    app = create_sandbox_app(
        seed=3, years=0, now=NOW, frozen_clock=True, truelayer_token_ttl=3 * 86400
    )
    server = live(app)
    with httpx2.Client(base_url=server.url, timeout=10, follow_redirects=False) as http:
        body = truelayer_token_body(http, "ob-amex")  # type: ignore[arg-type]
        away, present = truelayer_headers(body, attended=False), truelayer_headers(body)
        http.delete("/_sandbox/requests").raise_for_status()
        http.post("/_sandbox/clock", json={"set": "2026-05-19T23:00:00Z"})
        (card,) = http.get(f"{API}/cards", headers=away).json()["results"]
        # Failed calls count too: a card that is not there, an endpoint Amex does not have.
        assert http.get(f"{API}/cards/nope/balance", headers=away).status_code == 404
        assert http.get(f"{API}/accounts", headers=away).status_code == 501
        http.post("/_sandbox/clock", json={"set": "2026-05-20T01:00:00Z"})
        balance = f"{API}/cards/{card['account_id']}/balance"
        assert http.get(balance, headers=away).status_code == 200
        # A new calendar day is not a new allowance: the window rolls.
        refused = http.get(balance, headers=away)
        assert refused.status_code == 429
        assert refused.json()["error"] == "provider_request_limit_exceeded"
        assert http.get(balance, headers=present).status_code == 200
        http.post("/_sandbox/clock", json={"set": "2026-05-20T22:59:00Z"})
        assert http.get(balance, headers=away).status_code == 429
        http.post("/_sandbox/clock", json={"set": "2026-05-20T23:00:01Z"})
        assert http.get(balance, headers=away).status_code == 200

        days = http.get("/_sandbox/requests", params={"by": "day"}).json()["days"]
        figures = [
            (d["day"], c["attended"], c["unattended"], c["answered_429"])
            for d in days
            for c in d["consents"]
        ]
        assert figures == [("2026-05-19", 0, 3, 0), ("2026-05-20", 1, 4, 2)]
        assert {c["credentials_id"] for d in days for c in d["consents"]} == {
            http.get(f"{API}/me", headers=present).json()["results"][0]["credentials_id"]
        }
        rows = {
            (r["path"], r["status"], r["attended"]): r["count"]
            for r in http.get("/_sandbox/requests").json()["requests"]
            if r["bank"] == "truelayer"
        }
        assert rows[("/data/v1/cards/{id}/balance", 429, False)] == 2
        assert rows[("/data/v1/cards/{id}/balance", 200, True)] == 1
        assert rows[("/data/v1/cards/{id}/balance", 404, False)] == 1
        reset = http.delete("/_sandbox/requests").json()
        assert reset["total"] == 0 and http.get("/_sandbox/requests").json()["requests"] == []
        assert http.get("/_sandbox/requests", params={"by": "week"}).status_code == 400


def test_faulted_answers_are_counted_under_their_route(live: Start) -> None:
    server = live(create_sandbox_app(seed=3, years=0, now=NOW, frozen_clock=True))
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        http.post("/_sandbox/faults", json={"path": "/monzo/api/pots*", "kind": "error_5xx"})
        assert http.get("/monzo/api/pots", params={"current_account_id": "x"}).status_code == 503
        assert http.put("/monzo/api/pots/pot_1/deposit").status_code == 401
        assert http.get("/monzo/api/nowhere/at/all").status_code == 404
        rows = {
            (r["base"], r["method"], r["path"], r["status"]): r["count"]
            for r in http.get("/_sandbox/requests").json()["requests"]
        }
        assert rows == {
            ("api", "GET", "/pots", 503): 1,
            ("api", "PUT", "/pots/{id}/deposit", 401): 1,
            ("api", "GET", "(no route)", 404): 1,
        }


def test_the_control_page_starts_and_stops_life(live: Start) -> None:
    server = live(create_sandbox_app(seed=3, years=0, now=NOW, frozen_clock=True))
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        assert "Play life" in http.get("/_sandbox").text
        form = {"user": "demo", "days": "30", "speed": "3600", "settle_ms": "50"}
        assert http.post("/_sandbox/ui/life", data=form).status_code == 303
        page = http.get("/_sandbox").text
        assert "Stop life" in page and "playing" in page
        assert http.get("/_sandbox/life").json()["settle_ms"] == 50
        http.post("/_sandbox/ui/life_stop", data={"user": "demo"})
        deadline = time.monotonic() + 5
        while http.get("/_sandbox/life").json()["playing"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert http.get("/_sandbox/life").json()["state"] == "stopped"
        assert "Play life" in http.get("/_sandbox").text
