"""The OpenAPI document says what the server really does: the two ways to
authenticate, and the error body (`{"error": {"code", "message", "details"}}`) for
each error status, on every router, those added later included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import ConfigDict

from potwise.web.openapi import ErrorInfo, ErrorResponse
from potwise.web.security import SESSION_COOKIE, CurrentCaller
from tests.integration.conftest import SignedIn

ERROR_REF = "#/components/schemas/ErrorResponse"
BOTH = [{"bearerToken": []}, {"sessionCookie": []}]


class StrictInfo(ErrorInfo):
    model_config = ConfigDict(extra="forbid")


class StrictError(ErrorResponse):
    """The documented model, refusing any field it does not name."""

    model_config = ConfigDict(extra="forbid")
    error: StrictInfo


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/openapi.json").json()
    return spec


def _error_schema(spec: dict[str, Any], path: str, method: str, status: int) -> Any:
    answer = spec["paths"][path][method]["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]


def test_both_credentials_are_security_schemes_and_operations_say_which_need_one(
    client: TestClient,
) -> None:
    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerToken"]["type"] == "http"
    assert schemes["bearerToken"]["scheme"] == "bearer"
    assert "pw_" in schemes["bearerToken"]["bearerFormat"]
    assert schemes["sessionCookie"] == {
        **schemes["sessionCookie"],
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
    }
    paths = spec["paths"]
    assert paths["/api/v1/accounts"]["get"]["security"] == BOTH
    assert paths["/api/v1/automations"]["post"]["security"] == BOTH
    assert "security" not in paths["/api/v1/auth/login"]["post"]
    assert "security" not in paths["/api/v1/health"]["get"]


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/accounts", "get", [401]),
        ("/api/v1/auth/login", "post", [400, 401, 403, 409, 422, 429]),
        ("/api/v1/automations", "post", [400, 401, 403, 409, 422, 429]),
        ("/api/v1/automations/{automation_id}", "get", [401, 404, 422]),
        ("/api/v1/automations/{automation_id}", "patch", [401, 403, 404, 409, 422, 429]),
        ("/api/v1/connections/{connection_id}", "delete", [401, 403, 404, 409, 422, 429]),
    ],
)
def test_a_sample_of_operations_documents_the_projects_error_body(
    client: TestClient, path: str, method: str, statuses: list[int]
) -> None:
    spec = _spec(client)
    for status in statuses:
        assert _error_schema(spec, path, method, status) == {"$ref": ERROR_REF}, status


def test_fastapis_own_error_shapes_appear_nowhere(client: TestClient) -> None:
    spec = _spec(client)
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in spec["components"]["schemas"]
    for item in spec["paths"].values():
        for operation in item.values():
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
    info = spec["components"]["schemas"]["ErrorInfo"]
    assert set(info["properties"]) == {"code", "message", "details"}
    assert set(info["required"]) == {"code", "message"}


def _check(response: Any, status: int, code: str, spec: dict[str, Any], path: str) -> None:
    """The server answered `status` with `code`, in the documented shape, and the
    operation documents that status."""
    method = response.request.method.lower()
    assert response.status_code == status, response.text
    body = StrictError.model_validate(response.json())
    assert body.error.code == code
    assert _error_schema(spec, path, method, status) == {"$ref": ERROR_REF}


def test_what_the_server_sends_matches_what_is_documented(
    client: TestClient, alice: SignedIn
) -> None:
    spec = _spec(client)
    _check(client.get("/api/v1/accounts"), 401, "unauthenticated", spec, "/api/v1/accounts")
    login = "/api/v1/auth/login"
    _check(client.post(login, json={"email": "x"}), 422, "validation_error", spec, login)
    assert client.post(login, json={}).json()["error"]["details"]
    wrong = {"email": alice.email, "password": "not the password at all"}
    _check(client.post(login, json=wrong), 401, "invalid_credentials", spec, login)
    cross_site = client.post(login, json=wrong, headers={"Sec-Fetch-Site": "cross-site"})
    _check(cross_site, 403, "csrf_failed", spec, login)
    register = "/api/v1/auth/register"
    # an address already in use is answered like a new one (no enumeration)
    again = client.post(register, json={"email": alice.email, "password": alice.password})
    fresh = client.post(register, json={"email": "new@example.com", "password": alice.password})
    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    one = "/api/v1/automations/{automation_id}"
    _check(alice.client.get("/api/v1/automations/nope"), 404, "not_found", spec, one)
    for _ in range(5):
        client.post(login, json=wrong)
    _check(client.post(login, json=wrong), 429, "too_many_attempts", spec, login)


def test_a_router_added_later_is_documented_the_same_way(app: FastAPI) -> None:
    later = APIRouter(prefix="/api/v1/later")

    @later.get("/things/{thing_id}")
    def thing(thing_id: str, caller: CurrentCaller) -> dict[str, str]:
        return {"id": thing_id, "user": caller.user.id}

    @later.post("/things")
    def make_thing(body: dict[str, int]) -> dict[str, int]:
        return body

    app.include_router(later)
    with TestClient(app) as client:
        spec = _spec(client)
    read = spec["paths"]["/api/v1/later/things/{thing_id}"]["get"]
    assert read["security"] == BOTH
    assert set(read["responses"]) == {"200", "401", "404", "422"}
    write = spec["paths"]["/api/v1/later/things"]["post"]
    assert set(write["responses"]) == {"200", "400", "403", "409", "422", "429"}
    for operation in (read, write):
        for status, answer in operation["responses"].items():
            if status != "200":
                assert answer["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
