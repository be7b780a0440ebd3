"""Health, readiness, error bodies and security headers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from potwise.db.engine import make_engine
from potwise.web.app import create_app
from tests.conftest import make_settings


def test_health_is_ok(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_migrated(client: TestClient) -> None:
    response = client.get("/api/v1/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "current"}


def test_not_ready_when_migrations_are_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    client = TestClient(create_app(make_settings(tmp_path, url), engine=engine))
    response = client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    client = TestClient(create_app(make_settings(tmp_path, url)))
    response = client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_with_error_body(client: TestClient) -> None:
    response = client.put("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_responses_carry_request_id_and_security_headers(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_api_docs_are_served_without_external_assets(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/static/js/api-docs.js").status_code == 200
    # Every script has a source of ours: nothing inline, so the policy allows none.
    assert page.text.count("<script") == page.text.count('<script src="/')
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/auth/login" in spec["paths"]


def test_the_api_shows_each_rule_kinds_config_and_names_a_bad_field(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for model, field in [
        ("SweepConfig", "threshold"),
        ("AutosortConfig", "steps"),
        ("TopupConfig", "floor"),
        ("GoalConfig", "target_date"),
        ("CardPotConfig", "card_account_ids"),
    ]:
        assert field in schemas[model]["properties"], model
    body = spec["paths"]["/api/v1/automations"]["post"]["requestBody"]["content"]
    union = body["application/json"]["schema"]
    assert union["discriminator"]["propertyName"] == "kind"
    assert set(union["discriminator"]["mapping"]) == {
        "card_pot",
        "sweep",
        "autosort",
        "topup",
        "goal",
    }
