"""Login rate limiting: 5 failures per account or 20 per address in 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from potwise import clock
from tests.integration.conftest import SignedIn


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    ).status_code


def test_five_failures_lock_the_account_even_for_the_right_password(
    client: TestClient, alice: SignedIn
) -> None:
    for _ in range(5):
        assert _login(client, alice.email, "wrong password here") == 401
    blocked = client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": alice.password}
    )
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    retry_after = int(blocked.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60 + 1


def test_the_account_lock_lifts_after_the_window(client: TestClient, alice: SignedIn) -> None:
    start = datetime.now(UTC)
    with clock.using(clock.FixedClock(start)):
        for _ in range(5):
            _login(client, alice.email, "wrong password here")
        assert _login(client, alice.email, alice.password) == 429
    with clock.using(clock.FixedClock(start + timedelta(minutes=15, seconds=1))):
        assert _login(client, alice.email, alice.password) == 200


def test_four_failures_then_success_clears_the_account_counter(
    client: TestClient, alice: SignedIn
) -> None:
    for _ in range(4):
        _login(client, alice.email, "wrong password here")
    assert _login(client, alice.email, alice.password) == 200
    for _ in range(4):
        _login(client, alice.email, "wrong password here")
    assert _login(client, alice.email, alice.password) == 200


def test_twenty_failures_from_one_address_block_that_address(
    client: TestClient, alice: SignedIn
) -> None:
    for n in range(20):
        assert _login(client, f"someone{n}@example.com", "wrong password here") == 401
    assert _login(client, alice.email, alice.password) == 429


def test_unknown_accounts_are_limited_too(client: TestClient) -> None:
    for _ in range(5):
        _login(client, "ghost@example.com", "wrong password here")
    assert _login(client, "ghost@example.com", "wrong password here") == 429
