"""The Monzo feed's at-most-once rules, one request at a time: what failed before
the item was written out is tried again, what failed after it is never sent twice;
and which events the feed carries."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest

from potwise.banks.monzo.client import MonzoClient
from potwise.services.notifications import events, monzo_feed

ITEM = {"title": "potwise: money moved by a rule", "body": "Moved £42.10.", "url": "u"}
SENT = "http11.send_request_body.complete"


class _Transport(httpx2.BaseTransport):
    """Answers with `answer`, telling the request's trace hook it was written out
    first when `written` (as the pooled transport does)."""

    def __init__(self, answer: Callable[[httpx2.Request], httpx2.Response], written: bool):
        self.answer, self.written, self.requests = answer, written, 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        trace = request.extensions.get("trace")
        if self.written and trace is not None:
            trace(SENT, {})
        return self.answer(request)


def _post(answer: Callable[[httpx2.Request], httpx2.Response], *, written: bool) -> Any:
    transport = _Transport(answer, written)
    client = MonzoClient(
        httpx2.Client(transport=transport), api_url="https://api.test", access_token="t"
    )
    ctx = SimpleNamespace(gateway=SimpleNamespace(monzo=lambda _token: client))
    outcome = monzo_feed._post(ctx, "t", "acc_1", {**ITEM, "image_url": "i"})  # type: ignore[arg-type]
    assert transport.requests == 1  # one request, whatever happened: never retried inside
    return outcome


def _raise(exc: Exception) -> Callable[[httpx2.Request], httpx2.Response]:
    def answer(_request: httpx2.Request) -> httpx2.Response:
        raise exc

    return answer


def _status(code: int, body: dict[str, Any] | None = None) -> Any:
    return lambda _request: httpx2.Response(code, json=body or {"code": "x", "message": "m"})


def test_a_posted_item_is_sent() -> None:
    outcome = _post(_status(200, {}), written=True)
    assert (outcome.ok, outcome.retry) == (True, False)


def test_a_connection_never_made_is_tried_again() -> None:
    outcome = _post(_raise(httpx2.ConnectError("refused")), written=False)
    assert (outcome.ok, outcome.retry) == (False, True)
    assert outcome.error.startswith("Monzo could not be reached")


def test_a_timeout_after_the_item_was_written_out_is_never_sent_again() -> None:
    outcome = _post(_raise(httpx2.ReadTimeout("slow")), written=True)
    assert (outcome.ok, outcome.retry) == (False, False)
    assert "not sent again, so it never shows twice" in outcome.error


def test_a_connection_dropped_after_the_item_was_written_out_is_never_sent_again() -> None:
    outcome = _post(_raise(httpx2.RemoteProtocolError("cut")), written=True)
    assert (outcome.ok, outcome.retry) == (False, False)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_answer_may_have_been_applied_so_it_is_not_sent_again(status: int) -> None:
    outcome = _post(_status(status), written=True)
    assert (outcome.ok, outcome.retry) == (False, False)
    assert f"Monzo answered {status}" in outcome.error


def test_a_rate_limit_is_a_refusal_so_it_is_tried_again() -> None:
    outcome = _post(_status(429, {"code": "rate_limited", "message": "slow down"}), written=True)
    assert (outcome.ok, outcome.retry) == (False, True)


def test_a_bad_request_is_final() -> None:
    answer = _status(400, {"code": "bad_request.missing_param.type", "message": "type"})
    outcome = _post(answer, written=True)
    assert (outcome.ok, outcome.retry) == (False, False)
    assert outcome.error.startswith("Monzo refused")


def test_a_refused_token_asks_for_a_refresh() -> None:
    answer = _status(401, {"code": "unauthorized.bad_access_token.expired", "message": "old"})
    assert _post(answer, written=True) is None


def test_the_feed_never_carries_a_bank_needing_the_user() -> None:
    assert not events.carries("monzo_feed", "connection_attention")
    assert events.default_mode("connection_attention", "monzo_feed") == "off"
    assert events.carries("webhook", "connection_attention")
    for event in ("money_moved", "rule_waiting", "rule_paused", "budget_crossed", "bill_alert"):
        assert events.default_mode(event, "monzo_feed") == "now"
    assert events.default_mode("consent_expiring", "monzo_feed") == "digest"
