"""The Data API client over a scripted transport: requests sent, answers read, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import httpx2
import pytest

from potwise.banks.errors import (
    AuthExpired,
    BadResponse,
    ConsentExpired,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
    UnattendedLimitReached,
)
from potwise.banks.http import CallStats
from potwise.banks.truelayer.answers import VALIDATE_CHUNK
from potwise.domain.mirror import AccountKind, TransactionStatus

from . import fixtures
from .fake import ACCESS_TOKEN, Answer, FakeTrueLayer

ACCOUNT = "5c1e9a7be40d2f8836a1c0f95b27d4e1"
CARD = fixtures.AMEX_CARD_ID


# -- requests -----------------------------------------------------------------


def test_requests_go_to_data_v1_with_the_bearer_token() -> None:
    fake = FakeTrueLayer().get("/accounts", fixtures.ACCOUNTS)
    fake.client().accounts()
    request = fake.last
    assert str(request.url) == "https://api.truelayer.test/data/v1/accounts"
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_psu_ip_header_is_sent_when_the_user_is_present() -> None:
    fake = FakeTrueLayer().get("/accounts", fixtures.ACCOUNTS)
    fake.client(psu_ip="203.0.113.7").accounts()
    assert fake.last.headers["X-PSU-IP"] == "203.0.113.7"


def test_no_psu_ip_header_on_unattended_calls() -> None:
    fake = FakeTrueLayer().get("/accounts", fixtures.ACCOUNTS)
    fake.client().accounts()
    assert "X-PSU-IP" not in fake.last.headers


def test_transaction_window_is_sent_as_inclusive_utc_dates() -> None:
    fake = FakeTrueLayer().get(f"/accounts/{ACCOUNT}/transactions", fixtures.ACCOUNT_TRANSACTIONS)
    london = timezone(timedelta(hours=1))
    fake.client().transactions(
        ACCOUNT,
        from_=datetime(2025, 1, 1, 0, 30, tzinfo=london),  # 2024-12-31 23:30 UTC
        to=datetime(2025, 3, 4, 18, 0, tzinfo=UTC),
    )
    assert dict(fake.last.url.params) == {"from": "2024-12-31", "to": "2025-03-04"}


def test_no_window_sends_no_from_or_to() -> None:
    fake = FakeTrueLayer().get(f"/cards/{CARD}/transactions", fixtures.CARD_TRANSACTIONS)
    fake.client().card_transactions(CARD)
    assert dict(fake.last.url.params) == {}


def test_card_transaction_window_uses_the_same_format() -> None:
    fake = FakeTrueLayer().get(f"/cards/{CARD}/transactions", fixtures.CARD_TRANSACTIONS)
    fake.client().card_transactions(
        CARD, from_=datetime(2025, 2, 1, tzinfo=UTC), to=datetime(2025, 3, 1, tzinfo=UTC)
    )
    assert dict(fake.last.url.params) == {"from": "2025-02-01", "to": "2025-03-01"}


@pytest.mark.parametrize(
    ("from_", "to"),
    [
        (datetime(2025, 1, 1, tzinfo=UTC), None),  # a lone "from" is ignored by TrueLayer
        (None, datetime(2025, 1, 1, tzinfo=UTC)),
        (datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
        (datetime(2025, 1, 1), datetime(2025, 2, 1)),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_half_open_reversed_or_naive_windows_are_refused_before_any_call(
    from_: datetime | None, to: datetime | None
) -> None:
    fake = FakeTrueLayer().get(f"/accounts/{ACCOUNT}/transactions", fixtures.ACCOUNT_TRANSACTIONS)
    with pytest.raises(ValueError, match="from_"):
        fake.client().transactions(ACCOUNT, from_=from_, to=to)
    assert fake.requests == []


def test_ids_are_escaped_as_one_path_segment() -> None:
    fake = FakeTrueLayer().get("/accounts/a/b/balance", fixtures.ACCOUNT_BALANCE)
    assert fake.client().balance("a/b").external_id == "a/b"
    assert fake.last.url.raw_path == b"/data/v1/accounts/a%2Fb/balance"


def test_every_attempt_is_counted_in_stats() -> None:
    fake = FakeTrueLayer().on(
        "GET",
        "/data/v1/cards",
        Answer(503, fixtures.error("provider_error")),
        Answer(200, fixtures.CARDS),
    )
    stats = CallStats()
    fake.client(stats=stats).cards()
    assert stats.calls == 2
    assert stats.retries == 1


# -- answers ------------------------------------------------------------------


def test_me_gives_provider_scopes_and_consent_expiry() -> None:
    details = FakeTrueLayer().get("/me", fixtures.ME).client().me()
    assert details.provider_id == "ob-amex"
    assert details.provider_name == "AMEX"
    assert details.consent_expires_at == datetime(2025, 4, 10, 9, 30, 58, 102000, tzinfo=UTC)
    assert "cards" in details.scopes
    assert details.credentials_id == "Zx4cQ1v9sW0pL7mN3bT6yH2kR8aE5uJ1oD0fG4iC9qM="


def test_info_gives_the_holder_name_or_none() -> None:
    info = FakeTrueLayer().get("/info", fixtures.INFO).client().info()
    assert info is not None
    assert info.full_name == "Priya Raman"
    assert FakeTrueLayer().get("/info", '{"results": []}').client().info() is None


def test_accounts_are_mapped_from_the_envelope() -> None:
    [account] = FakeTrueLayer().get("/accounts", fixtures.ACCOUNTS).client().accounts()
    assert account.external_id == ACCOUNT
    assert account.kind is AccountKind.CURRENT
    assert account.name == "Classic Account"
    assert account.provider_type == "ob-natwest"
    assert account.display_suffix == "6819"


def test_account_balance_is_exact_pence_with_the_overdraft_limit() -> None:
    balance = (
        FakeTrueLayer()
        .get(f"/accounts/{ACCOUNT}/balance", fixtures.ACCOUNT_BALANCE)
        .client()
        .balance(ACCOUNT)
    )
    assert balance.balance == 96244
    assert balance.available == 171244
    assert balance.credit_limit == 75000
    assert balance.at == datetime(2025, 3, 4, 7, 12, 41, 2117, tzinfo=UTC)


def test_balance_without_update_timestamp_uses_the_response_date() -> None:
    fake = FakeTrueLayer().get(
        f"/cards/{CARD}/balance",
        fixtures.AMEX_CARD_BALANCE,
        Date="Tue, 04 Mar 2025 07:15:00 GMT",
    )
    balance = fake.client().card_balance(CARD)
    assert balance.at == datetime(2025, 3, 4, 7, 15, tzinfo=UTC)


def test_settled_and_pending_account_transactions_carry_their_status() -> None:
    fake = (
        FakeTrueLayer()
        .get(f"/accounts/{ACCOUNT}/transactions", fixtures.ACCOUNT_TRANSACTIONS)
        .get(f"/accounts/{ACCOUNT}/transactions/pending", fixtures.ACCOUNT_PENDING)
    )
    client = fake.client()
    settled = client.transactions(ACCOUNT)
    pending = client.pending_transactions(ACCOUNT)
    assert [(t.amount, t.status) for t in settled] == [
        (-2347, TransactionStatus.SETTLED),
        (245000, TransactionStatus.SETTLED),
    ]
    assert [(t.amount, t.status, t.settled_at) for t in pending] == [
        (-1420, TransactionStatus.PENDING, None)
    ]


def test_card_purchase_is_negative_and_payment_positive_through_the_client() -> None:
    fake = FakeTrueLayer().get(f"/cards/{CARD}/transactions", fixtures.CARD_TRANSACTIONS)
    amounts = [t.amount for t in fake.client().card_transactions(CARD)]
    assert amounts == [-895, 61108]


def test_card_balance_owed_is_negative_and_amex_credit_limit_is_dropped() -> None:
    fake = FakeTrueLayer().get(f"/cards/{CARD}/balance", fixtures.AMEX_CARD_BALANCE)
    balance = fake.client().card_balance(CARD, provider_id="ob-amex")
    assert balance.balance == -87235
    assert balance.available is None
    assert balance.credit_limit is None


def test_cards_are_credit_card_accounts() -> None:
    [card] = FakeTrueLayer().get("/cards", fixtures.CARDS).client().cards()
    assert card.kind is AccountKind.CREDIT_CARD
    assert card.provider_type == "ob-amex"
    assert card.display_suffix == "1004"


def test_standing_orders_and_direct_debits_are_read() -> None:
    fake = (
        FakeTrueLayer()
        .get(f"/accounts/{ACCOUNT}/standing_orders", fixtures.STANDING_ORDERS)
        .get(f"/accounts/{ACCOUNT}/direct_debits", fixtures.DIRECT_DEBITS)
    )
    client = fake.client()
    [order] = client.standing_orders(ACCOUNT)
    [debit] = client.direct_debits(ACCOUNT)
    assert (order.payee, order.amount) == ("R RAMAN", -30000)
    assert (debit.payee, debit.last_amount) == ("OCTOPUS ENERGY", -9650)


def test_envelope_without_status_and_empty_body_are_accepted() -> None:
    fake = FakeTrueLayer().get("/cards", '{"results": []}').get("/accounts", "")
    assert fake.client().cards() == []
    assert fake.client().accounts() == []


def test_unfinished_or_failed_envelope_status_is_a_bad_response() -> None:
    fake = FakeTrueLayer().get("/cards", '{"results": [], "status": "Failed"}')
    with pytest.raises(BadResponse, match="Failed"):
        fake.client().cards()


def test_asynchronous_202_is_a_bad_response() -> None:
    body = '{"results_uri": "https://x/results/1", "status": "Queued", "task_id": "1"}'
    fake = FakeTrueLayer().get("/cards", body, status=202)
    with pytest.raises(BadResponse, match="202"):
        fake.client().cards()


def test_body_that_is_not_json_is_a_bad_response_and_not_retried() -> None:
    fake = FakeTrueLayer().get("/accounts", "<html>oops</html>")
    with pytest.raises(BadResponse, match="not JSON"):
        fake.client().accounts()
    assert len(fake.requests) == 1


def test_results_of_the_wrong_shape_are_a_bad_response() -> None:
    fake = FakeTrueLayer().get(
        f"/accounts/{ACCOUNT}/transactions", '{"results": [{"transaction_id": "x"}]}'
    )
    with pytest.raises(BadResponse, match="unexpected shape"):
        fake.client().transactions(ACCOUNT)


def _card_rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "transaction_id": f"t{i:05d}",
            "timestamp": "2025-03-01T00:00:00Z",
            "description": "SHOP",
            "amount": f"{i}.01",
            "currency": "GBP",
        }
        for i in range(n)
    ]


def test_a_long_answer_is_read_whole_and_in_order() -> None:
    # More than one validation chunk: nothing dropped, repeated or reordered.
    rows = _card_rows(2 * VALIDATE_CHUNK + 37)
    fake = FakeTrueLayer().get(f"/cards/{CARD}/transactions", json.dumps({"results": rows}))
    got = fake.client().card_transactions(CARD)
    assert [t.external_id for t in got] == [r["transaction_id"] for r in rows]
    assert [t.amount for t in got] == [-(i * 100 + 1) for i in range(len(rows))]


def test_a_bad_item_deep_in_a_long_answer_is_named_by_its_place_in_the_answer() -> None:
    rows = _card_rows(2 * VALIDATE_CHUNK + 37)
    bad = VALIDATE_CHUNK * 2 + 5
    del rows[bad]["amount"]
    fake = FakeTrueLayer().get(f"/cards/{CARD}/transactions", json.dumps({"results": rows}))
    with pytest.raises(BadResponse, match=rf"unexpected shape at {bad}\.amount"):
        fake.client().card_transactions(CARD)


def test_empty_results_for_a_single_object_is_a_bad_response() -> None:
    fake = FakeTrueLayer().get(f"/accounts/{ACCOUNT}/balance", '{"results": []}')
    with pytest.raises(BadResponse, match="empty"):
        fake.client().balance(ACCOUNT)


def test_an_unusable_currency_is_a_bad_response() -> None:
    body = '{"results": [{"currency": "POUNDS", "current": 1.0}]}'
    fake = FakeTrueLayer().get(f"/accounts/{ACCOUNT}/balance", body)
    with pytest.raises(BadResponse, match="could not be mapped"):
        fake.client().balance(ACCOUNT)


# -- not applicable endpoints --------------------------------------------------


NOT_SUPPORTED = fixtures.error("endpoint_not_supported", "Feature not supported by the provider")
ACCESS_DENIED = fixtures.error("access_denied")


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/accounts", lambda c: c.accounts()),
        ("/cards", lambda c: c.cards()),
        (f"/accounts/{ACCOUNT}/standing_orders", lambda c: c.standing_orders(ACCOUNT)),
        (f"/accounts/{ACCOUNT}/direct_debits", lambda c: c.direct_debits(ACCOUNT)),
        (f"/accounts/{ACCOUNT}/transactions/pending", lambda c: c.pending_transactions(ACCOUNT)),
        (f"/cards/{CARD}/transactions/pending", lambda c: c.card_pending_transactions(CARD)),
    ],
)
def test_endpoint_not_supported_is_an_empty_list(path: str, call) -> None:  # type: ignore[no-untyped-def]
    fake = FakeTrueLayer().get(path, NOT_SUPPORTED, status=501)
    assert call(fake.client()) == []
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("path", "call"),
    [
        (f"/accounts/{ACCOUNT}/standing_orders", lambda c: c.standing_orders(ACCOUNT)),
        (f"/accounts/{ACCOUNT}/direct_debits", lambda c: c.direct_debits(ACCOUNT)),
        (f"/cards/{CARD}/transactions/pending", lambda c: c.card_pending_transactions(CARD)),
    ],
)
def test_access_denied_on_optional_lists_means_there_are_none(path: str, call) -> None:  # type: ignore[no-untyped-def]
    fake = FakeTrueLayer().get(path, ACCESS_DENIED, status=403)
    assert call(fake.client()) == []


def test_not_supported_on_a_single_object_is_rejected_clearly() -> None:
    fake = FakeTrueLayer().get(f"/cards/{CARD}/balance", NOT_SUPPORTED, status=501)
    with pytest.raises(RequestRejected) as caught:
        fake.client().card_balance(CARD)
    assert caught.value.status == 501
    assert caught.value.error_code == "endpoint_not_supported"
    assert len(fake.requests) == 1


# -- errors ---------------------------------------------------------------------


def test_expired_token_is_auth_expired_and_not_retried() -> None:
    body = fixtures.error("invalid_token", "The token expired at '2020-12-07 12:34:56Z'")
    fake = FakeTrueLayer().get("/accounts", body, status=401)
    with pytest.raises(AuthExpired):
        fake.client().accounts()
    assert len(fake.requests) == 1


@pytest.mark.parametrize("path", ["/me", "/accounts", "/cards", f"/cards/{CARD}/balance"])
def test_access_denied_on_core_endpoints_means_consent_is_gone(path: str) -> None:
    fake = FakeTrueLayer().get(path, ACCESS_DENIED, status=403)
    client = fake.client()
    with pytest.raises(ConsentExpired):
        {
            "/me": client.me,
            "/accounts": client.accounts,
            "/cards": client.cards,
            f"/cards/{CARD}/balance": lambda: client.card_balance(CARD),
        }[path]()


def test_sca_exceeded_is_rejected_with_its_code_not_consent_expired() -> None:
    fake = FakeTrueLayer().get(
        f"/accounts/{ACCOUNT}/transactions", fixtures.error("sca_exceeded"), status=403
    )
    with pytest.raises(RequestRejected) as caught:
        fake.client().transactions(ACCOUNT)
    assert not isinstance(caught.value, ConsentExpired)
    assert caught.value.error_code == "sca_exceeded"


def test_unknown_account_is_rejected_with_404() -> None:
    fake = FakeTrueLayer().get(
        f"/accounts/{ACCOUNT}/balance", fixtures.error("account_not_found"), status=404
    )
    with pytest.raises(RequestRejected) as caught:
        fake.client().balance(ACCOUNT)
    assert (caught.value.status, caught.value.error_code) == (404, "account_not_found")


def test_unattended_limit_is_never_retried_and_keeps_retry_after() -> None:
    body = fixtures.error(
        "provider_request_limit_exceeded",
        "Maximum number of requests per user allowed by provider exceeded.",
    )
    fake = FakeTrueLayer().get("/cards", body, status=429, **{"Retry-After": "2"})
    stats = CallStats()
    with pytest.raises(UnattendedLimitReached) as caught:
        fake.client(stats=stats).cards()
    assert caught.value.retry_after == 2.0
    assert len(fake.requests) == 1
    assert (stats.calls, stats.retries) == (1, 0)


def test_unattended_limit_without_retry_after_has_none() -> None:
    fake = FakeTrueLayer().get(
        "/cards", fixtures.error("provider_request_limit_exceeded"), status=429
    )
    with pytest.raises(UnattendedLimitReached) as caught:
        fake.client().cards()
    assert caught.value.retry_after is None


def test_other_429_is_rate_limited_and_retried_after_the_header() -> None:
    fake = FakeTrueLayer().on(
        "GET",
        "/data/v1/cards",
        Answer(429, fixtures.error("provider_too_many_requests"), {"Retry-After": "0"}),
        Answer(200, fixtures.CARDS),
    )
    assert len(fake.client().cards()) == 1
    assert len(fake.requests) == 2


def test_rate_limit_that_persists_goes_up_as_rate_limited() -> None:
    fake = FakeTrueLayer().get(
        "/cards", fixtures.error("provider_too_many_requests"), status=429, **{"Retry-After": "0"}
    )
    with pytest.raises(RateLimited) as caught:
        fake.client().cards()
    assert not isinstance(caught.value, UnattendedLimitReached)
    assert len(fake.requests) == 3  # FAST allows three attempts


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, "internal_server_error"),
        (503, "provider_error"),
        (503, "temporarily_unavailable"),
        (503, "connector_overload"),
        (504, "provider_timeout"),
        (504, "connector_timeout"),
        (502, None),
    ],
)
def test_provider_outages_are_retried_then_succeed(status: int, code: str | None) -> None:
    fake = FakeTrueLayer().on(
        "GET",
        f"/data/v1/accounts/{ACCOUNT}/balance",
        Answer(status, fixtures.error(code) if code else "<html>bad gateway</html>"),
        Answer(200, fixtures.ACCOUNT_BALANCE),
    )
    assert fake.client().balance(ACCOUNT).balance == 96244
    assert len(fake.requests) == 2


def test_persistent_outage_is_provider_unavailable_after_bounded_attempts() -> None:
    fake = FakeTrueLayer().get("/accounts", fixtures.error("provider_error"), status=503)
    with pytest.raises(ProviderUnavailable, match="503 provider_error"):
        fake.client().accounts()
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "provider_unavailable_for_maintenance"), (424, "connector_error")],
)
def test_any_provider_or_connector_code_is_an_outage_whatever_its_status(
    status: int, code: str
) -> None:
    # The reference's clients retry the provider_* and connector_* families as a whole:
    # such an answer is the bank's trouble, never a request of ours to fix.
    fake = FakeTrueLayer().get("/accounts", fixtures.error(code), status=status)
    with pytest.raises(ProviderUnavailable, match=code) as caught:
        fake.client().accounts()
    assert caught.value.transient


def test_timeouts_are_provider_unavailable_and_retried() -> None:
    fake = FakeTrueLayer().on(
        "GET",
        "/data/v1/accounts",
        Answer(raise_=httpx2.ReadTimeout("slow")),
        Answer(200, fixtures.ACCOUNTS),
    )
    assert len(fake.client().accounts()) == 1
    assert len(fake.requests) == 2


def test_timeouts_that_persist_are_provider_unavailable() -> None:
    fake = FakeTrueLayer().on("GET", "/data/v1/accounts", Answer(raise_=httpx2.ConnectTimeout("x")))
    with pytest.raises(ProviderUnavailable, match="timed out"):
        fake.client().accounts()


def test_validation_errors_are_rejected_without_retrying() -> None:
    fake = FakeTrueLayer().get(
        f"/accounts/{ACCOUNT}/transactions", fixtures.error("invalid_date_range"), status=400
    )
    with pytest.raises(RequestRejected) as caught:
        fake.client().transactions(
            ACCOUNT, from_=datetime(2019, 1, 1, tzinfo=UTC), to=datetime(2025, 1, 1, tzinfo=UTC)
        )
    assert caught.value.error_code == "invalid_date_range"
    assert len(fake.requests) == 1


def test_error_messages_never_contain_the_access_token() -> None:
    body = fixtures.error("invalid_token", f"token {ACCESS_TOKEN} is not valid")
    fake = FakeTrueLayer().get("/accounts", body, status=401, **{"X-TL-Correlation-Id": "c-42"})
    with pytest.raises(AuthExpired) as caught:
        fake.client().accounts()
    assert ACCESS_TOKEN not in str(caught.value)
    assert "c-42" in str(caught.value)
    assert ACCESS_TOKEN not in repr(fake.client())
