"""compose.yaml, read as Compose reads it: the services, their health checks and order,
the volumes, and secrets given only as Docker secrets through the `_FILE` settings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from potwise.settings import load_settings
from tests.deploy import commands
from tests.deploy.dockerfile import ROOT, stages

COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|KEYS?$|DATABASE_URL")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def test_web_serves_without_the_scheduler_and_the_worker_runs_it(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert {"web", "worker", "db", "caddy"} <= services.keys()
    assert services["web"]["command"][:2] == ["potwise", "serve"]
    assert "--no-scheduler" in services["web"]["command"]
    assert services["worker"]["command"] == ["potwise", "worker"]
    assert services["web"]["image"] == services["worker"]["image"]
    for name in ("web", "worker"):
        assert commands.check(services[name]["command"]) == []
        assert services[name]["environment"]["POTWISE_ENV"] == "production"


def test_postgres_16_is_health_checked_and_keeps_its_data_in_a_named_volume(
    compose: dict[str, Any],
) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]


def test_the_app_starts_only_once_the_database_is_healthy(compose: dict[str, Any]) -> None:
    for name in ("web", "worker"):
        depends = compose["services"][name]["depends_on"]
        assert depends["db"] == {"condition": "service_healthy"}
    # The web process migrates on start; the worker waits for it.
    assert compose["services"]["worker"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_caddy_is_optional_under_a_profile_with_its_caddyfile(compose: dict[str, Any]) -> None:
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["proxy"]
    mounted = [v.split(":")[0] for v in caddy["volumes"]]
    assert "./deploy/Caddyfile" in mounted
    assert "reverse_proxy web:8000" in (ROOT / "deploy" / "Caddyfile").read_text("utf-8")


def test_secrets_are_docker_secrets_read_through_file_settings(compose: dict[str, Any]) -> None:
    declared = compose["secrets"]
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert key.endswith("_FILE"), f"{name}: {key} must be given as a file"
                secret = str(value).removeprefix("/run/secrets/")
                assert secret in service["secrets"], f"{name}: {key} names no mounted secret"
        for secret in service.get("secrets", []):
            # A file beside compose.yaml, never an inline value or an environment variable.
            assert set(declared[secret]) == {"file"}, secret
            assert declared[secret]["file"].startswith("./deploy/secrets/")
    assert "deploy/secrets/" in (ROOT / ".gitignore").read_text("utf-8").splitlines()


def test_the_image_sets_no_setting_a_deployment_gives_as_a_file(
    compose: dict[str, Any],
) -> None:
    """An image-level POTWISE_DATABASE_URL would compete with POTWISE_DATABASE_URL_FILE."""
    image_env = stages()[-1].env
    for service in compose["services"].values():
        for key in service.get("environment") or {}:
            if key.endswith("_FILE"):
                assert key.removesuffix("_FILE") not in image_env, key


def test_the_env_example_holds_no_secret() -> None:
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key = line.partition("=")[0]
            assert not SECRET_NAME.search(key), f"{key} belongs in a secret file"


def test_the_secrets_script_writes_values_production_accepts(tmp_path: Path) -> None:
    """deploy/compose-secrets.sh, run in a copy: the keys pass production's checks, the
    database URL matches the PostgreSQL password, and a second run keeps every value."""
    script = tmp_path / "deploy" / "compose-secrets.sh"
    script.parent.mkdir()
    shutil.copy(ROOT / "deploy" / "compose-secrets.sh", script)
    subprocess.run(["/bin/sh", str(script)], check=True, capture_output=True, timeout=30)
    folder = script.parent / "secrets"
    written = {p.name: p.read_text("utf-8").strip() for p in folder.iterdir()}
    assert written.keys() == {"postgres_password", "database_url", "secret_key", "encryption_keys"}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert f":{written['postgres_password']}@db:5432/" in written["database_url"]
    settings = load_settings(
        env="production",
        secret_key=written["secret_key"],
        encryption_keys=written["encryption_keys"],
        database_url=written["database_url"],
        data_dir=tmp_path / "data",
        _env_file=None,
    )
    assert settings.fernet_keys() == [written["encryption_keys"]]
    subprocess.run(["/bin/sh", str(script)], check=True, capture_output=True, timeout=30)
    assert {p.name: p.read_text("utf-8").strip() for p in folder.iterdir()} == written


def _docker_compose() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, timeout=30, check=False)
        if probe.returncode == 0:
            return command
    return None


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    """`docker compose config` only parses (no daemon needed), when Compose is installed."""
    compose = _docker_compose()
    if compose is None:
        pytest.skip("Docker Compose is not installed here: the structural checks above stand")
    env_file = tmp_path / "compose.env"
    shutil.copy(ENV_EXAMPLE, env_file)
    result = subprocess.run(
        [
            *compose,
            "-f",
            str(COMPOSE),
            "--env-file",
            str(env_file),
            "--profile",
            "proxy",
            "config",
            "--quiet",
            "--no-path-resolution",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
