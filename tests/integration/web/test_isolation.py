"""Two users cannot see or touch each other's anything: every path with an id answers 404."""

from __future__ import annotations

from fastapi import FastAPI

from tests.integration.conftest import SignedIn

# Every API route that takes an object id, and how to reach it with one of Alice's ids.
# A new route with a path parameter fails `test_every_id_route_is_covered` until added here.
ID_ROUTES = {
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): "token",
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): "session",
}


def _alice_ids(alice: SignedIn) -> dict[str, str]:
    token = alice.client.post("/api/v1/auth/tokens", json={"name": "alice's"}).json()["id"]
    sessions = alice.client.get("/api/v1/auth/sessions").json()["items"]
    return {"token": token, "session": sessions[0]["id"]}


def test_every_id_route_is_covered(app: FastAPI) -> None:
    with_ids = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if "{" in path
        for method in operations
    }
    assert with_ids == set(ID_ROUTES), "add new id routes to ID_ROUTES with an isolation check"


def test_bob_gets_404_for_every_one_of_alices_ids(alice: SignedIn, bob: SignedIn) -> None:
    ids = _alice_ids(alice)
    for (method, path), kind in ID_ROUTES.items():
        url = path.replace("{" + path.split("{")[1].split("}")[0] + "}", ids[kind])
        response = bob.client.request(method, url)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "not_found"
    # The page that revokes a token is scoped the same way.
    page = bob.client.post(f"/settings/tokens/{ids['token']}/delete", follow_redirects=False)
    assert page.status_code == 404
    # Alice's things are untouched.
    assert len(alice.client.get("/api/v1/auth/tokens").json()["items"]) == 1
    assert alice.client.get("/api/v1/auth/me").status_code == 200


def test_lists_only_show_the_callers_own_things(alice: SignedIn, bob: SignedIn) -> None:
    alice.client.post("/api/v1/auth/tokens", json={"name": "alice token"})
    bob.client.post("/api/v1/auth/tokens", json={"name": "bob token"})
    assert [t["name"] for t in bob.client.get("/api/v1/auth/tokens").json()["items"]] == [
        "bob token"
    ]
    bob_sessions = bob.client.get("/api/v1/auth/sessions").json()["items"]
    alice_sessions = alice.client.get("/api/v1/auth/sessions").json()["items"]
    assert {s["id"] for s in bob_sessions}.isdisjoint({s["id"] for s in alice_sessions})


def test_sign_out_everywhere_touches_only_the_callers_sessions(
    alice: SignedIn, bob: SignedIn
) -> None:
    bob.client.delete("/api/v1/auth/sessions")
    bob_again = bob.client.delete("/api/v1/auth/sessions")
    assert bob_again.json() == {"revoked": 0}
    assert alice.client.get("/api/v1/auth/me").status_code == 200
