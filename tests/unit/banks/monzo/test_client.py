"""MonzoClient against a scripted API: what it sends, how it pages, retries and fails."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import httpx2
import pytest

from potwise.banks.errors import (
    AuthExpired,
    AwaitingApproval,
    BadResponse,
    BankError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from potwise.banks.http import CallStats, RetryPolicy
from potwise.banks.monzo import HistoryWindowClosed, MonzoClient
from potwise.domain.mirror import AccountKind
from tests.unit.banks.monzo import payloads
from tests.unit.banks.monzo.scripted import (
    API_URL,
    Answer,
    ScriptedMonzo,
    form_of,
    raw,
    reply,
)

TOKEN = "eyJhbGciOiJFUzI1NiJ9.invented.payload"
FAST = RetryPolicy(attempts=3, timeout=5.0, wait_initial=0.001, wait_max=0.005, wait_jitter=0.0)
NOW = datetime(2026, 5, 19, 9, 0, tzinfo=UTC)


def client_for(api: ScriptedMonzo, stats: CallStats | None = None) -> MonzoClient:
    return MonzoClient(
        api.client(), api_url=API_URL + "/", access_token=TOKEN, retry=FAST, stats=stats
    )


# -- request encoding -----------------------------------------------------------------------------


def test_every_call_carries_the_bearer_token_in_the_header_only() -> None:
    api = ScriptedMonzo().on("GET", "/balance", reply(200, payloads.balance()))
    api.on("PUT", f"/pots/{payloads.CARD_POT}/deposit", reply(200, payloads.pot_after_deposit()))
    client = client_for(api)
    client.balance(payloads.PERSONAL)
    client.deposit_to_pot(
        payloads.CARD_POT, source_account_id=payloads.PERSONAL, amount=100, dedupe_id="d-1"
    )
    assert len(api.requests) == 2
    for request in api.requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in str(request.url)
        assert TOKEN not in request.content.decode()


def test_the_client_never_shows_its_token() -> None:
    assert TOKEN not in repr(client_for(ScriptedMonzo()))


def test_whoami_describes_the_token() -> None:
    api = ScriptedMonzo().on(
        "GET",
        "/ping/whoami",
        reply(200, {"authenticated": True, "client_id": "oauth2client_1", "user_id": "user_1"}),
    )
    who = client_for(api).whoami()
    assert (who.authenticated, who.client_id, who.user_id) == (True, "oauth2client_1", "user_1")


def test_accounts_are_requested_once_per_account_type() -> None:
    api = ScriptedMonzo().on(
        "GET",
        "/accounts",
        lambda request: reply(
            200,
            {
                "accounts": {
                    "uk_retail": [payloads.personal_account()],
                    "uk_retail_joint": [payloads.joint_account()],
                }[request.url.params["account_type"]]
            },
        ),
    )
    accounts = client_for(api).accounts()
    sent = [r.url.params.get_list("account_type") for r in api.calls("GET", "/accounts")]
    assert sorted(sent) == [["uk_retail"], ["uk_retail_joint"]]  # asked side by side
    assert [(a.external_id, a.kind) for a in accounts] == [
        (payloads.PERSONAL, AccountKind.CURRENT),
        (payloads.JOINT, AccountKind.JOINT),
    ]


def test_account_types_are_listed_side_by_side_in_one_round_trip() -> None:
    # Each answer waits until both requests have arrived: a client asking one type
    # after the other would never get past the first.
    both_asked = threading.Barrier(2, timeout=5)

    def answer(request: httpx2.Request) -> httpx2.Response:
        both_asked.wait()
        kind = request.url.params["account_type"]
        account = payloads.personal_account() if kind == "uk_retail" else payloads.joint_account()
        return reply(200, {"accounts": [account]})

    accounts = client_for(ScriptedMonzo().on("GET", "/accounts", answer)).accounts()
    assert [a.kind for a in accounts] == [AccountKind.CURRENT, AccountKind.JOINT]


def test_a_failing_account_type_fails_the_listing() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.params["account_type"] == "uk_retail_joint":
            return reply(401, {"code": "unauthorized.bad_access_token", "message": "expired"})
        return reply(200, {"accounts": [payloads.personal_account()]})

    with pytest.raises(AuthExpired):
        client_for(ScriptedMonzo().on("GET", "/accounts", answer)).accounts()


def test_accounts_survive_a_server_that_ignores_the_type_filter() -> None:
    everything = {
        "accounts": [
            payloads.prepaid_account(),
            payloads.personal_account(),
            payloads.joint_account(),
            payloads.personal_account(id="acc_old", closed=True),
        ]
    }
    api = ScriptedMonzo().on("GET", "/accounts", reply(200, everything))
    accounts = client_for(api).accounts()
    # No duplicates, never the closed prepaid account, the closed retail one flagged.
    assert sorted((a.external_id, a.closed) for a in accounts) == sorted(
        [(payloads.PERSONAL, False), (payloads.JOINT, False), ("acc_old", True)]
    )


def test_closed_accounts_can_be_left_out() -> None:
    body = {
        "accounts": [payloads.personal_account(), payloads.personal_account(id="a", closed=True)]
    }
    api = ScriptedMonzo().on("GET", "/accounts", reply(200, body))
    assert [a.external_id for a in client_for(api).accounts(include_closed=False)] == [
        payloads.PERSONAL
    ]


def test_balance_asks_for_the_account_and_is_stamped_with_now() -> None:
    api = ScriptedMonzo().on("GET", "/balance", reply(200, payloads.balance()))
    balance = client_for(api).balance(payloads.PERSONAL, now=NOW)
    [request] = api.requests
    assert request.url.params["account_id"] == payloads.PERSONAL
    assert (balance.balance, balance.at) == (84217, NOW)


def test_pots_are_listed_by_current_account_id() -> None:
    body = {"pots": [payloads.card_pot(), payloads.deleted_pot()]}
    api = ScriptedMonzo().on("GET", "/pots", reply(200, body))
    pots = client_for(api).pots(payloads.PERSONAL)
    [request] = api.requests
    assert request.url.params["current_account_id"] == payloads.PERSONAL
    assert [(p.external_id, p.deleted) for p in pots] == [
        (payloads.CARD_POT, False),
        (payloads.OLD_POT, True),
    ]


def test_a_transaction_page_expands_merchants_and_sends_its_window() -> None:
    api = ScriptedMonzo().on(
        "GET", "/transactions", reply(200, {"transactions": [payloads.card_payment()]})
    )
    since = datetime(2026, 2, 18, 10, 30, 5, 750000, tzinfo=UTC)
    before = datetime(2026, 5, 19, 9, 0, 0, 1, tzinfo=UTC)
    [tx] = client_for(api).transactions_page(payloads.PERSONAL, since=since, before=before)
    params = api.requests[0].url.params
    assert params["account_id"] == payloads.PERSONAL
    assert params.get_list("expand[]") == ["merchant"]
    assert params["limit"] == "100"
    # since is inclusive: rounded down; before is exclusive: rounded up. Overlap, never a gap.
    assert params["since"] == "2026-02-18T10:30:05Z"
    assert params["before"] == "2026-05-19T09:00:01Z"
    assert tx.merchant == "Corner Cafe"


def test_time_filters_are_sent_in_utc() -> None:
    api = ScriptedMonzo().on("GET", "/transactions", reply(200, {"transactions": []}))
    bst = timezone(timedelta(hours=1))
    client_for(api).transactions_page(
        payloads.PERSONAL, since=datetime(2026, 5, 1, 0, 0, tzinfo=bst), before=None
    )
    assert api.requests[0].url.params["since"] == "2026-04-30T23:00:00Z"
    assert "before" not in api.requests[0].url.params


def test_since_can_be_a_transaction_id_or_absent() -> None:
    api = ScriptedMonzo().on("GET", "/transactions", reply(200, {"transactions": []}))
    client = client_for(api)
    client.transactions_page(payloads.PERSONAL, since="tx_0000D7fGhJ2kL4mN6pQ8rS", limit=30)
    client.transactions_page(payloads.PERSONAL, since=None)
    first, second = api.requests
    assert first.url.params["since"] == "tx_0000D7fGhJ2kL4mN6pQ8rS"
    assert first.url.params["limit"] == "30"
    assert "since" not in second.url.params


def test_naive_times_and_impossible_limits_are_refused_before_calling() -> None:
    api = ScriptedMonzo()
    client = client_for(api)
    with pytest.raises(ValueError):
        client.transactions_page(payloads.PERSONAL, since=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError):
        client.transactions_page(payloads.PERSONAL, since=None, limit=101)
    with pytest.raises(ValueError):
        client.transactions_page(payloads.PERSONAL, since=None, limit=0)
    assert api.requests == []


def test_one_transaction_is_fetched_by_id_with_its_merchant() -> None:
    tx_id = "tx_0000D7fGhJ2kL4mN6pQ8rS"
    api = ScriptedMonzo().on(
        "GET", f"/transactions/{tx_id}", reply(200, {"transaction": payloads.card_payment()})
    )
    tx = client_for(api).transaction(tx_id)
    assert api.requests[0].url.params.get_list("expand[]") == ["merchant"]
    assert (tx.external_id, tx.account_external_id) == (tx_id, payloads.PERSONAL)


def test_a_single_transaction_without_account_id_needs_the_account_given() -> None:
    tx_id = "tx_0000D7fHaB1cD2eF3gH4iJ"
    api = ScriptedMonzo().on(
        "GET", f"/transactions/{tx_id}", reply(200, {"transaction": payloads.salary()})
    )
    client = client_for(api)
    with pytest.raises(BadResponse, match="account id"):
        client.transaction(tx_id)
    assert client.transaction(tx_id, account_id=payloads.JOINT).account_external_id == (
        payloads.JOINT
    )


def test_ids_cannot_escape_their_path_segment() -> None:
    api = ScriptedMonzo()
    with pytest.raises(RequestRejected):  # the scripted API knows no such route: 404
        client_for(api).transaction("tx_1/../pots")
    raw_path = api.requests[0].url.raw_path
    assert raw_path.startswith(b"/monzo/api/transactions/tx_1%2F..%2Fpots?")


# -- pagination -----------------------------------------------------------------------------------


class History:
    """Serves a fixed history honouring `since` (id, exclusive) and `limit`, oldest first."""

    def __init__(self, count: int) -> None:
        self.items = [payloads.trimmed_list_item(n) for n in range(count)]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        limit = int(request.url.params.get("limit", "30"))
        since = request.url.params.get("since")
        start = 0
        if since is not None and since.startswith("tx_"):
            start = next(i for i, item in enumerate(self.items) if item["id"] == since) + 1
        page: httpx2.Response = reply(200, {"transactions": self.items[start : start + limit]})
        return page


@pytest.mark.parametrize(
    ("count", "calls", "pages"),
    [(0, 1, []), (40, 1, [40]), (100, 2, [100]), (250, 3, [100, 100, 50]), (300, 4, [100] * 3)],
)
def test_history_is_walked_with_the_fewest_calls(count: int, calls: int, pages: list[int]) -> None:
    history = History(count)
    api = ScriptedMonzo().on("GET", "/transactions", history)
    stats = CallStats()
    got = list(client_for(api, stats).iter_transactions(payloads.PERSONAL, since=None))
    assert [len(page) for page in got] == pages
    assert stats.calls == calls
    ids = [tx.external_id for page in got for tx in page]
    assert ids == [item["id"] for item in history.items]


def test_each_page_starts_after_the_last_id_of_the_previous_one() -> None:
    history = History(250)
    api = ScriptedMonzo().on("GET", "/transactions", history)
    start = datetime(2026, 2, 20, tzinfo=UTC)
    before = datetime(2026, 5, 19, tzinfo=UTC)
    list(client_for(api).iter_transactions(payloads.PERSONAL, since=start, before=before))
    sent = [r.url.params for r in api.requests]
    assert [p["since"] for p in sent] == [
        "2026-02-20T00:00:00Z",
        history.items[99]["id"],
        history.items[199]["id"],
    ]
    assert all(p["before"] == "2026-05-19T00:00:00Z" for p in sent)
    assert all(p["limit"] == "100" for p in sent)
    assert all(p.get_list("expand[]") == ["merchant"] for p in sent)


class Unsorted(History):
    """The same history, but each full page arrives with its newest item in the middle."""

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        response = super().__call__(request)
        items = response.json()["transactions"]
        if len(items) == 100:
            items[40], items[99] = items[99], items[40]
        return reply(200, {"transactions": items})


def test_the_next_page_follows_the_newest_item_when_a_page_comes_unsorted() -> None:
    # The next page is asked for before this one is mapped, from the raw answer;
    # it must still continue after the item the mapped (sorted) page ends on.
    history = Unsorted(250)
    api = ScriptedMonzo().on("GET", "/transactions", history)
    stats = CallStats()
    got = list(client_for(api, stats).iter_transactions(payloads.PERSONAL, since=None))
    assert [len(page) for page in got] == [100, 100, 50]
    ids = [tx.external_id for page in got for tx in page]
    assert ids == [item["id"] for item in history.items]
    sent = [r.url.params.get("since") for r in api.requests]
    assert sent == [None, history.items[99]["id"], history.items[199]["id"]]
    assert stats.calls == 3


def test_stopping_early_makes_at_most_three_requests_beyond_what_was_read() -> None:
    # The walk asks for the next page as each answer arrives, with at most one answer
    # waiting unread and one held until the request after it is sent: after reading
    # one page, the second waits, the third is held and the fourth is on its way at
    # most, and nothing more is asked once the reader has stopped.
    history = History(1000)
    api = ScriptedMonzo().on("GET", "/transactions", history)
    pages = client_for(api).iter_transactions(payloads.PERSONAL, since=None)
    assert len(next(pages)) == 100
    time.sleep(0.2)  # time enough for the walk to run as far ahead as it may
    pages.close()
    assert len(api.requests) == 4
    time.sleep(0.1)
    assert len(api.requests) == 4


def test_a_page_is_handed_over_once_the_next_request_is_sent_not_answered() -> None:
    # A transport that reports when a request is written out, as a real connection
    # does. The third page's answer is held back until the reader has the second: a
    # walk that handed a page over only after the next answer would never get there.
    history = History(250)
    reader_has_second = threading.Event()
    asked: list[str | None] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        asked.append(request.url.params.get("since"))
        trace = request.extensions.get("trace")
        if trace is not None:
            trace("http11.send_request_body.complete", {})
        if len(asked) == 3 and not reader_has_second.wait(timeout=5):
            raise AssertionError("the second page was not handed over before this answer")
        return history(request)

    api = ScriptedMonzo().on("GET", "/transactions", answer)
    pages = client_for(api).iter_transactions(payloads.PERSONAL, since=None)
    first, second = next(pages), next(pages)
    # Validating and mapping the second page starts only once the third is asked for,
    # so it never holds up the chain's next request.
    assert len(asked) == 3
    reader_has_second.set()
    rest = list(pages)
    assert [len(page) for page in (first, second, *rest)] == [100, 100, 50]
    assert [tx.external_id for page in (first, second, *rest) for tx in page] == [
        item["id"] for item in history.items
    ]


class FailsOnPage(History):
    """The history, until the given page, which always answers 503."""

    def __init__(self, count: int, failing: int) -> None:
        super().__init__(count)
        self.failing = failing
        self.seen = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        since = request.url.params.get("since")
        page = 0 if since is None else 1 + [i["id"] for i in self.items].index(since) // 100
        if page == self.failing:
            return reply(503, payloads.error("internal_service", "Try again"))
        return super().__call__(request)


def test_a_page_that_keeps_failing_ends_the_walk_after_the_pages_before_it() -> None:
    history = FailsOnPage(500, failing=2)
    api = ScriptedMonzo().on("GET", "/transactions", history)
    read: list[int] = []
    with pytest.raises(ProviderUnavailable):
        for page in client_for(api).iter_transactions(payloads.PERSONAL, since=None):
            read.append(len(page))
    assert read == [100, 100]
    failing = history.items[199]["id"]
    assert [r.url.params.get("since") for r in api.requests].count(failing) == FAST.attempts
    assert len(api.requests) == 2 + FAST.attempts  # nothing asked after the failed page


def test_a_server_that_ignores_since_cannot_loop_forever() -> None:
    page = {"transactions": [payloads.trimmed_list_item(n) for n in range(100)]}
    api = ScriptedMonzo().on("GET", "/transactions", reply(200, page))
    with pytest.raises(BadResponse, match="did not advance"):
        list(client_for(api).iter_transactions(payloads.PERSONAL))
    assert len(api.requests) == 2


def test_the_90_day_refusal_is_a_clear_rejection_the_sync_can_fall_back_on() -> None:
    api = ScriptedMonzo().on(
        "GET",
        "/transactions",
        reply(403, payloads.error("forbidden.verification_required", "Verification required")),
    )
    with pytest.raises(HistoryWindowClosed) as caught:
        list(client_for(api).iter_transactions(payloads.PERSONAL))
    assert isinstance(caught.value, RequestRejected)
    assert (caught.value.status, caught.value.error_code) == (
        403,
        "forbidden.verification_required",
    )
    assert caught.value.code == "history_window_closed"
    assert len(api.requests) == 1  # a refusal is not retried


# -- money moves ----------------------------------------------------------------------------------


def test_a_deposit_sends_a_form_body_with_the_dedupe_id() -> None:
    path = f"/pots/{payloads.CARD_POT}/deposit"
    api = ScriptedMonzo().on("PUT", path, reply(200, payloads.pot_after_deposit()))
    pot = client_for(api).deposit_to_pot(
        payloads.CARD_POT,
        source_account_id=payloads.PERSONAL,
        amount=12500,
        dedupe_id="7f0c2a9e-5d1b-4c66-9b1f-2e8d6a4c3b10",
    )
    [request] = api.requests
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "source_account_id": payloads.PERSONAL,
        "amount": "12500",
        "dedupe_id": "7f0c2a9e-5d1b-4c66-9b1f-2e8d6a4c3b10",
    }
    assert not request.url.params  # never in the query string: Monzo ignores it there
    # The answer carries only the core fields: the account the move used stands in.
    assert (pot.external_id, pot.balance, pot.account_external_id) == (
        payloads.CARD_POT,
        55117,
        payloads.PERSONAL,
    )


def test_a_withdrawal_sends_the_destination_account() -> None:
    path = f"/pots/{payloads.CARD_POT}/withdraw"
    answer = payloads.pot_after_deposit(balance=30117)
    api = ScriptedMonzo().on("PUT", path, reply(200, answer))
    pot = client_for(api).withdraw_from_pot(
        payloads.CARD_POT, destination_account_id=payloads.JOINT, amount=2500, dedupe_id="w-1"
    )
    assert form_of(api.requests[0]) == {
        "destination_account_id": payloads.JOINT,
        "amount": "2500",
        "dedupe_id": "w-1",
    }
    assert (pot.balance, pot.account_external_id) == (30117, payloads.JOINT)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        pytest.param(reply(503, payloads.error("internal_service")), ProviderUnavailable, id="503"),
        pytest.param(reply(504, payloads.error("timeout")), ProviderUnavailable, id="504"),
        pytest.param(httpx2.ReadTimeout("read timed out"), ProviderUnavailable, id="timeout"),
        pytest.param(httpx2.RemoteProtocolError("reset"), ProviderUnavailable, id="dropped"),
        pytest.param(reply(429, {}, headers={"Retry-After": "1"}), RateLimited, id="429"),
    ],
)
def test_a_money_move_is_sent_exactly_once_even_when_the_outcome_is_unknown(
    answer: Answer, error: type[BankError]
) -> None:
    path = f"/pots/{payloads.CARD_POT}/deposit"
    api = ScriptedMonzo().on("PUT", path, answer, reply(200, payloads.pot_after_deposit()))
    stats = CallStats()
    client = client_for(api, stats)
    with pytest.raises(error):
        client.deposit_to_pot(
            payloads.CARD_POT, source_account_id=payloads.PERSONAL, amount=100, dedupe_id="d-1"
        )
    assert len(api.requests) == 1
    assert (stats.calls, stats.retries) == (1, 0)
    # The caller's retry reuses the dedupe_id; that is the only way a move repeats.
    client.deposit_to_pot(
        payloads.CARD_POT, source_account_id=payloads.PERSONAL, amount=100, dedupe_id="d-1"
    )
    assert [form_of(r)["dedupe_id"] for r in api.requests] == ["d-1", "d-1"]


def test_insufficient_funds_is_a_rejection_with_monzos_code() -> None:
    path = f"/pots/{payloads.CARD_POT}/deposit"
    body = payloads.error(
        "bad_request.insufficient_funds", "You can't deposit more than your current account balance"
    )
    api = ScriptedMonzo().on("PUT", path, reply(400, body))
    with pytest.raises(RequestRejected) as caught:
        client_for(api).deposit_to_pot(
            payloads.CARD_POT, source_account_id=payloads.PERSONAL, amount=10**9, dedupe_id="d"
        )
    assert (caught.value.status, caught.value.error_code) == (400, "bad_request.insufficient_funds")


@pytest.mark.parametrize("amount", [0, -100, True, 1.5])
def test_a_move_of_no_whole_positive_amount_is_never_sent(amount: object) -> None:
    api = ScriptedMonzo()
    with pytest.raises(ValueError):
        client_for(api).withdraw_from_pot(
            payloads.CARD_POT,
            destination_account_id=payloads.PERSONAL,
            amount=amount,  # type: ignore[arg-type]
            dedupe_id="d",
        )
    assert api.requests == []


def test_a_move_without_a_dedupe_id_is_never_sent() -> None:
    api = ScriptedMonzo()
    with pytest.raises(ValueError):
        client_for(api).deposit_to_pot(
            payloads.CARD_POT, source_account_id=payloads.PERSONAL, amount=1, dedupe_id=""
        )
    assert api.requests == []


# -- webhooks and feed ----------------------------------------------------------------------------


def test_registering_a_webhook_posts_a_form_and_returns_its_id() -> None:
    url = "https://potwise.example.invalid/webhooks/monzo/s3cr3t-path"
    answer = {"webhook": {"account_id": payloads.PERSONAL, "id": "webhook_1", "url": url}}
    api = ScriptedMonzo().on("POST", "/webhooks", reply(200, answer))
    assert client_for(api).register_webhook(payloads.PERSONAL, url) == "webhook_1"
    assert form_of(api.requests[0]) == {"account_id": payloads.PERSONAL, "url": url}


def test_registering_a_webhook_is_not_retried() -> None:
    api = ScriptedMonzo().on("POST", "/webhooks", reply(500, {}))
    with pytest.raises(ProviderUnavailable):
        client_for(api).register_webhook(payloads.PERSONAL, "https://x.invalid/h")
    assert len(api.requests) == 1


def test_webhooks_are_listed_per_account_and_deleted_by_id() -> None:
    listed = {
        "webhooks": [
            {
                "account_id": payloads.PERSONAL,
                "id": "webhook_0000E2gHjK3lZ4xC5vB6nM",
                "url": "https://potwise.example.invalid/webhooks/monzo/s3cr3t-path",
            }
        ]
    }
    api = ScriptedMonzo().on("GET", "/webhooks", reply(200, listed))
    api.on("DELETE", "/webhooks/webhook_0000E2gHjK3lZ4xC5vB6nM", reply(503), reply(200, {}))
    client = client_for(api)
    [hook] = client.list_webhooks(payloads.PERSONAL)
    assert api.requests[0].url.params["account_id"] == payloads.PERSONAL
    assert (hook.external_id, hook.account_external_id) == (
        "webhook_0000E2gHjK3lZ4xC5vB6nM",
        payloads.PERSONAL,
    )
    client.delete_webhook(hook.external_id)  # idempotent: the 503 is retried
    assert len(api.calls("DELETE", "/webhooks/webhook_0000E2gHjK3lZ4xC5vB6nM")) == 2


def test_deleting_a_webhook_that_is_already_gone_succeeds() -> None:
    api = ScriptedMonzo().on(
        "DELETE", "/webhooks/webhook_1", reply(404, payloads.error("not_found"))
    )
    client_for(api).delete_webhook("webhook_1")
    assert len(api.requests) == 1


def test_deleting_a_webhook_still_reports_other_refusals() -> None:
    api = ScriptedMonzo().on(
        "DELETE", "/webhooks/webhook_1", reply(403, payloads.error("forbidden"))
    )
    with pytest.raises(RequestRejected):
        client_for(api).delete_webhook("webhook_1")


def test_an_empty_success_body_is_read_as_an_empty_object() -> None:
    api = ScriptedMonzo().on("POST", "/feed", raw(200, "", "application/json"))
    client_for(api).create_feed_item(payloads.PERSONAL, title="t", image_url="https://i.invalid/")
    assert len(api.requests) == 1


def test_an_empty_body_where_data_is_needed_is_a_bad_response() -> None:
    api = ScriptedMonzo().on("GET", "/balance", raw(200, "", "application/json"))
    with pytest.raises(BadResponse):
        client_for(api).balance(payloads.PERSONAL)


def test_no_webhooks_is_an_empty_list() -> None:
    api = ScriptedMonzo().on("GET", "/webhooks", reply(200, {"webhooks": []}))
    assert client_for(api).list_webhooks(payloads.PERSONAL) == []


def test_a_feed_item_is_a_basic_form_with_bracketed_params() -> None:
    api = ScriptedMonzo().on("POST", "/feed", reply(200, {}))
    client_for(api).create_feed_item(
        payloads.PERSONAL,
        title="Card pot topped up",
        image_url="https://potwise.example.invalid/icon.png",
        body="£12.50 moved",
    )
    assert form_of(api.requests[0]) == {
        "account_id": payloads.PERSONAL,
        "type": "basic",
        "params[title]": "Card pot topped up",
        "params[image_url]": "https://potwise.example.invalid/icon.png",
        "params[body]": "£12.50 moved",
    }


# -- retries on reads -----------------------------------------------------------------------------


def test_reads_are_retried_through_server_errors() -> None:
    api = ScriptedMonzo().on(
        "GET",
        "/balance",
        reply(500, payloads.error("internal_service")),
        raw(502, "<html>bad gateway</html>"),
        reply(200, payloads.balance()),
    )
    stats = CallStats()
    assert client_for(api, stats).balance(payloads.PERSONAL).balance == 84217
    assert (stats.calls, stats.retries) == (3, 2)


def test_reads_are_retried_after_a_rate_limit_honouring_retry_after() -> None:
    api = ScriptedMonzo().on(
        "GET",
        "/pots",
        reply(429, payloads.error("rate_limited"), headers={"Retry-After": "0.05"}),
        reply(200, {"pots": []}),
    )
    stats = CallStats()
    started = datetime.now(UTC)
    assert client_for(api, stats).pots(payloads.PERSONAL) == []
    assert datetime.now(UTC) - started >= timedelta(seconds=0.05)
    assert (stats.calls, stats.retries) == (2, 1)


def test_reads_are_retried_through_connection_errors() -> None:
    api = ScriptedMonzo().on(
        "GET", "/ping/whoami", httpx2.ConnectError("refused"), reply(200, {"authenticated": True})
    )
    assert client_for(api).whoami().authenticated


def test_read_retries_are_bounded_and_the_outage_goes_up() -> None:
    api = ScriptedMonzo().on("GET", "/balance", reply(503, {}))
    with pytest.raises(ProviderUnavailable):
        client_for(api).balance(payloads.PERSONAL)
    assert len(api.requests) == FAST.attempts


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(reply(401, payloads.error("unauthorized.bad_access_token.expired")), id="401"),
        pytest.param(reply(403, payloads.error("forbidden.insufficient_permissions")), id="403"),
        pytest.param(raw(200, "{not json", "application/json"), id="malformed"),
        pytest.param(reply(400, payloads.error("bad_request.missing_param.account_id")), id="400"),
    ],
)
def test_failures_that_retrying_cannot_fix_are_not_retried(answer: httpx2.Response) -> None:
    api = ScriptedMonzo().on("GET", "/balance", answer)
    with pytest.raises(BankError):
        client_for(api).balance(payloads.PERSONAL)
    assert len(api.requests) == 1


# -- error translation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (reply(401, payloads.error("unauthorized.bad_access_token.expired")), AuthExpired),
        (reply(401, payloads.error("unauthorized.bad_access_token.evicted")), AuthExpired),
        (reply(401, {"error": "invalid_token", "error_description": "expired"}), AuthExpired),
        (raw(401, "Unauthorized", "text/plain"), AuthExpired),
        (reply(403, payloads.error("forbidden.insufficient_permissions")), AwaitingApproval),
        (reply(403, payloads.error("forbidden.verification_required")), HistoryWindowClosed),
        (reply(404, payloads.error("not_found.pot")), RequestRejected),
        (reply(405, payloads.error("method_not_allowed")), RequestRejected),
        (reply(500, payloads.error("internal_service")), ProviderUnavailable),
        (raw(504, "<html>gateway timeout</html>"), ProviderUnavailable),
        (reply(429, payloads.error("rate_limited")), RateLimited),
        (raw(200, "<html>maintenance</html>"), BadResponse),
        (reply(200, [payloads.balance()]), BadResponse),
        (reply(200, {"balance": "84217", "currency": "GBP"}), BadResponse),
        (reply(302, {}), BadResponse),
    ],
)
def test_each_answer_is_translated_into_one_bank_error(
    answer: httpx2.Response, error: type[BankError]
) -> None:
    api = ScriptedMonzo().on("GET", "/balance", answer)
    with pytest.raises(BankError) as caught:
        client_for(api).balance(payloads.PERSONAL)
    assert type(caught.value) is error
    assert caught.value.provider == "monzo"
    assert TOKEN not in str(caught.value)


def test_a_forbidden_answer_without_the_approval_code_is_not_read_as_approval_pending() -> None:
    # pymonzo reads every 403 as "approve in the app"; the reference ties that
    # state to one code. A wrong-account or locked-pot 403 must not send the
    # user to their phone, so only the documented code means AwaitingApproval.
    for body in (payloads.error("forbidden"), payloads.error("forbidden.pot_locked"), {}):
        api = ScriptedMonzo().on("PUT", f"/pots/{payloads.CARD_POT}/withdraw", reply(403, body))
        with pytest.raises(RequestRejected) as caught:
            client_for(api).withdraw_from_pot(
                payloads.CARD_POT,
                destination_account_id=payloads.PERSONAL,
                amount=1,
                dedupe_id="d",
            )
        assert caught.value.status == 403
        assert not isinstance(caught.value, AwaitingApproval)


def test_a_rejection_keeps_monzos_code_but_not_its_free_text() -> None:
    body = payloads.error(
        "bad_request.missing_param.current_account_id",
        f"The field 'current_account_id' is required; token was {TOKEN}",
    )
    api = ScriptedMonzo().on("GET", "/pots", reply(400, body))
    with pytest.raises(RequestRejected) as caught:
        client_for(api).pots("")
    assert caught.value.error_code == "bad_request.missing_param.current_account_id"
    assert "bad_request.missing_param.current_account_id" in caught.value.message
    assert TOKEN not in caught.value.message


def test_a_rate_limit_carries_retry_after_in_seconds() -> None:
    api = ScriptedMonzo().on(
        "GET",
        "/balance",
        reply(429, payloads.error("rate_limited"), headers={"Retry-After": "600"}),
    )
    with pytest.raises(RateLimited) as caught:
        client_for(api).balance(payloads.PERSONAL)
    assert caught.value.retry_after == 600.0
    assert len(api.requests) == 1  # longer than the policy will sleep: handed up at once


def test_a_rate_limit_without_retry_after_leaves_the_wait_to_backoff() -> None:
    # The reference documents no Retry-After on the developer API.
    api = ScriptedMonzo().on("GET", "/balance", reply(429, payloads.error("rate_limited")))
    with pytest.raises(RateLimited) as caught:
        client_for(api).balance(payloads.PERSONAL)
    assert caught.value.retry_after is None
    assert len(api.requests) == FAST.attempts


def test_approval_pending_on_a_data_call_is_awaiting_approval() -> None:
    api = ScriptedMonzo().on(
        "GET", "/accounts", reply(403, payloads.error("forbidden.insufficient_permissions"))
    )
    with pytest.raises(AwaitingApproval):
        client_for(api).accounts()
    # Not retried: each account type was asked once (the two side by side).
    assert sorted(r.url.params["account_type"] for r in api.requests) == [
        "uk_retail",
        "uk_retail_joint",
    ]
