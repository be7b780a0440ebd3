"""The server-rendered pages, driven with form posts like a browser without JavaScript."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.conftest import GOOD_PASSWORD, SignedIn

HTML = {"Accept": "text/html"}


def _form_login(client: TestClient, email: str, password: str, next_path: str = "/") -> object:
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": next_path},
        follow_redirects=False,
    )


def test_pages_redirect_to_login_when_signed_out(client: TestClient) -> None:
    for path in ("/", "/settings"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    assert client.get("/settings", follow_redirects=False).headers["location"] == (
        "/login?next=/settings"
    )


def test_register_form_then_sign_in_shows_an_honest_dashboard(client: TestClient) -> None:
    response = client.post(
        "/register",
        data={
            "email": "page@example.com",
            "password": GOOD_PASSWORD,
            "password_confirm": GOOD_PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert "a message with a link to confirm it is on its way" in response.text
    signed_in = client.post("/login", data={"email": "page@example.com", "password": GOOD_PASSWORD})
    dashboard = client.get("/")
    assert signed_in.status_code == dashboard.status_code == 200
    assert "Confirm your e-mail address." in dashboard.text
    assert "Nothing connected yet" in dashboard.text
    assert "Not connected" in dashboard.text
    assert "page@example.com" in dashboard.text


def test_register_form_reports_mismatched_and_weak_passwords(client: TestClient) -> None:
    mismatch = client.post(
        "/register",
        data={"email": "p@example.com", "password": GOOD_PASSWORD, "password_confirm": "other"},
    )
    assert mismatch.status_code == 400
    assert "do not match" in mismatch.text
    assert 'value="p@example.com"' in mismatch.text  # what was typed is kept
    weak = client.post(
        "/register",
        data={"email": "p@example.com", "password": "short", "password_confirm": "short"},
    )
    assert weak.status_code == 400
    assert "at least 12 characters" in weak.text


def test_login_form_honours_a_local_next_and_ignores_an_external_one(
    client: TestClient, alice: SignedIn
) -> None:
    ok = _form_login(client, alice.email, alice.password, "/settings")
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert ok.headers["location"] == "/settings"  # type: ignore[attr-defined]
    fresh = TestClient(client.app)
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = _form_login(fresh, alice.email, alice.password, evil)
        assert response.headers["location"] == "/", evil  # type: ignore[attr-defined]


def test_login_form_shows_an_error_for_a_wrong_password(
    client: TestClient, alice: SignedIn
) -> None:
    response = _form_login(client, alice.email, "not the right one")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "not correct" in response.text  # type: ignore[attr-defined]
    assert "potwise_session" not in response.headers.get("set-cookie", "")  # type: ignore[attr-defined]


def test_sign_out_button_ends_the_session(alice: SignedIn) -> None:
    response = alice.client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?flash=signed_out"
    assert alice.client.get("/", follow_redirects=False).status_code == 303


def test_settings_creates_a_token_shown_once_and_revokes_it(alice: SignedIn) -> None:
    created = alice.client.post("/settings/tokens", data={"name": "grafana"})
    assert created.status_code == 200
    assert "will not be shown again" in created.text
    raw = created.text.split('id="new-token"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert raw.startswith("pw_")
    page = alice.client.get("/settings")
    assert "grafana" in page.text
    assert raw not in page.text
    token_id = alice.client.get("/api/v1/auth/tokens").json()["items"][0]["id"]
    revoked = alice.client.post(f"/settings/tokens/{token_id}/delete", follow_redirects=False)
    assert revoked.status_code == 303
    assert alice.client.get("/api/v1/auth/tokens").json()["items"] == []


def test_settings_changes_the_password(app: FastAPI, alice: SignedIn) -> None:
    response = alice.client.post(
        "/settings/password",
        data={
            "current_password": alice.password,
            "new_password": "a fresh page passphrase",
            "new_password_confirm": "a fresh page passphrase",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings?flash=password_changed"
    wrong = alice.client.post(
        "/settings/password",
        data={
            "current_password": "definitely wrong",
            "new_password": "another page passphrase",
            "new_password_confirm": "another page passphrase",
        },
    )
    assert wrong.status_code == 400
    assert "current password is not correct" in wrong.text


def _token(alice: SignedIn, name: str) -> str:
    created = alice.client.post("/api/v1/auth/tokens", json={"name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["token"])


def test_the_password_form_lists_the_tokens_that_outlive_it_and_can_revoke_them(
    alice: SignedIn,
) -> None:
    kept = _token(alice, "grafana")
    page = alice.client.get("/settings").text
    assert "Also revoke my 1 API token" in page
    assert "keep working after a password change" in page and "grafana" in page
    # Without the box ticked a token survives the change: it is a credential of its own.
    changed = alice.client.post(
        "/settings/password",
        data={
            "current_password": alice.password,
            "new_password": "a fresh page passphrase",
            "new_password_confirm": "a fresh page passphrase",
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/settings?flash=password_changed"
    bearer = {"Authorization": f"Bearer {kept}"}
    assert alice.client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    # Ticked, every token goes with it.
    changed = alice.client.post(
        "/settings/password",
        data={
            "current_password": "a fresh page passphrase",
            "new_password": "another page passphrase",
            "new_password_confirm": "another page passphrase",
            "revoke_tokens": "1",
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/settings?flash=password_changed_tokens"
    alice.client.cookies.clear()
    assert alice.client.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_revoke_all_tokens_from_the_page_and_the_api(alice: SignedIn) -> None:
    _token(alice, "one")
    _token(alice, "two")
    assert "Revoke all tokens" in alice.client.get("/settings").text
    revoked = alice.client.post("/settings/tokens/revoke-all", follow_redirects=False)
    assert revoked.headers["location"] == "/settings?flash=tokens_revoked"
    assert alice.client.get("/api/v1/auth/tokens").json()["items"] == []
    _token(alice, "three")
    answer = alice.client.delete("/api/v1/auth/tokens")
    assert answer.json() == {"revoked": 1}
    assert alice.client.get("/api/v1/auth/tokens").json()["items"] == []


def test_flash_only_shows_known_messages(alice: SignedIn) -> None:
    page = alice.client.get("/?flash=<script>alert(1)</script>")
    assert "<script>alert" not in page.text


def test_unknown_page_is_an_html_404(client: TestClient) -> None:
    response = client.get("/no-such-page", headers=HTML)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "does not exist" in response.text


def test_revoking_someone_elses_token_from_a_page_is_an_html_404(
    alice: SignedIn, bob: SignedIn
) -> None:
    token_id = alice.client.post("/api/v1/auth/tokens", json={"name": "a"}).json()["id"]
    response = bob.client.post(f"/settings/tokens/{token_id}/delete", headers=HTML)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_static_assets_are_served(client: TestClient) -> None:
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200
