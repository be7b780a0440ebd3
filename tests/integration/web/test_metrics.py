"""`/metrics`: off without its token, behind it when set, Prometheus's text format."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import Engine

from potwise.settings import Settings
from potwise.web.app import create_app
from tests.conftest import make_settings

TOKEN = "scrape-" + "t" * 40
DASHBOARD = Path(__file__).parents[3] / "deploy" / "grafana" / "potwise-dashboard.json"
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _with_token(settings: Settings, engine: Engine) -> TestClient:
    with_token = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    return TestClient(create_app(with_token, engine=engine))


def _families(client: TestClient) -> set[str]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return {family.name for family in text_string_to_metric_families(response.text)}


def test_metrics_are_off_without_a_token(app: FastAPI) -> None:
    response = TestClient(app).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_scrape_without_the_token_is_refused(settings: Settings, engine: Engine) -> None:
    client = _with_token(settings, engine)
    refusals = [
        client.get("/metrics"),
        client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}),
        client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}),
        client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}),
        client.get("/metrics", headers={"Authorization": TOKEN}),
    ]
    for response in refusals:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert TOKEN not in response.text


def test_a_scrape_with_the_token_answers_the_text_format(
    settings: Settings, engine: Engine
) -> None:
    client = _with_token(settings, engine)
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert families["potwise_database_up"].samples[0].value == 1
    assert families["potwise_transfers_unsettled"].samples[0].value == 0
    assert "potwise_http_request_duration_seconds" in families
    assert TOKEN not in response.text


def _queried(dashboard: dict[str, object]) -> set[str]:
    text = json.dumps(dashboard)
    names = set(re.findall(r"\bpotwise_[a-z_]+", text))
    bare = set()
    for name in names:
        suffix = next((s for s in SUFFIXES if name.endswith(s)), "")
        bare.add(name.removesuffix(suffix))
    return bare


def test_the_dashboard_queries_only_metrics_that_are_exposed(
    settings: Settings, engine: Engine
) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["title"]
    datasources = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert [v["query"] for v in datasources] == ["prometheus"]
    queried = _queried(dashboard)
    assert len(queried) >= 10
    exposed = _families(_with_token(settings, engine))
    assert queried <= exposed, queried - exposed
    # And every family the scrape carries has a panel.
    assert exposed <= queried, exposed - queried


def test_a_blank_token_leaves_metrics_off(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    blank = make_settings(tmp_path, database_url, metrics_token="  ")
    assert blank.metrics_token is None
    assert TestClient(create_app(blank, engine=engine)).get("/metrics").status_code == 404
