"""Cookie-authenticated unsafe requests from other sites are refused; tokens are exempt."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.conftest import SignedIn


def test_cross_site_fetch_is_refused(alice: SignedIn) -> None:
    response = alice.client.post(
        "/api/v1/auth/tokens", json={"name": "evil"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert alice.client.get("/api/v1/auth/tokens").json()["items"] == []


def test_same_site_but_other_origin_is_refused(alice: SignedIn) -> None:
    response = alice.client.post("/api/v1/auth/logout", headers={"Sec-Fetch-Site": "same-site"})
    assert response.status_code == 403
    assert alice.client.get("/api/v1/auth/me").status_code == 200


def test_same_origin_fetch_is_allowed(alice: SignedIn) -> None:
    response = alice.client.post(
        "/api/v1/auth/tokens", json={"name": "mine"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 201


def test_mismatched_origin_without_fetch_metadata_is_refused(alice: SignedIn) -> None:
    response = alice.client.post(
        "/api/v1/auth/tokens", json={"name": "evil"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403


def test_matching_origin_without_fetch_metadata_is_allowed(alice: SignedIn) -> None:
    response = alice.client.post(
        "/api/v1/auth/tokens", json={"name": "ok"}, headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 201


def test_cross_site_login_form_post_is_refused(client: TestClient, alice: SignedIn) -> None:
    response = client.post(
        "/login",
        data={"email": alice.email, "password": alice.password},
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "potwise_session" not in response.headers.get("set-cookie", "")


def test_bearer_requests_are_exempt(app: FastAPI, alice: SignedIn) -> None:
    raw = alice.client.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    script = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    response = script.post(
        "/api/v1/auth/tokens", json={"name": "from script"}, headers={"Origin": "null"}
    )
    assert response.status_code == 201


def test_safe_methods_are_not_checked(alice: SignedIn) -> None:
    response = alice.client.get("/api/v1/auth/me", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
