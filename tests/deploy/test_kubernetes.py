"""The Kubernetes manifests: what each workload runs, its probes, resources and
security context, and an example Secret that production refuses to start with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from potwise.settings import SettingsError, load_settings
from tests.deploy import commands
from tests.deploy.dockerfile import ROOT, stages

KUBERNETES = ROOT / "deploy" / "kubernetes"


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((KUBERNETES / name).read_text(encoding="utf-8"))
    return loaded


WORKLOADS = {"web.yaml": "web", "worker.yaml": "worker", "migrate-job.yaml": "migrate"}


def _container(name: str) -> dict[str, Any]:
    containers = _load(name)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


def test_web_runs_two_replicas_without_the_scheduler_probed_on_ready_and_health() -> None:
    web = _load("web.yaml")
    assert web["spec"]["replicas"] == 2
    container = _container("web.yaml")
    assert container["command"][:2] == ["potwise", "serve"]
    assert "--no-scheduler" in container["command"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/v1/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/v1/health"


def test_one_worker_replaced_by_recreate_so_two_schedulers_never_overlap() -> None:
    worker = _load("worker.yaml")
    assert worker["spec"]["replicas"] == 1
    assert worker["spec"]["strategy"] == {"type": "Recreate"}
    assert _container("worker.yaml")["command"] == ["potwise", "worker"]


def test_the_migration_job_applies_the_migrations() -> None:
    job = _load("migrate-job.yaml")
    assert job["kind"] == "Job"
    assert _container("migrate-job.yaml")["command"] == ["potwise", "db", "upgrade"]


@pytest.mark.parametrize("name", WORKLOADS)
def test_workload_commands_exist_in_the_cli(name: str) -> None:
    assert commands.check(_container(name)["command"]) == []


@pytest.mark.parametrize("name", WORKLOADS)
def test_workload_runs_non_root_read_only_with_bounded_resources(name: str) -> None:
    pod = _load(name)["spec"]["template"]["spec"]
    container = _container(name)
    image_uid = stages()[-1].user
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}" == (
        image_uid
    )
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    scratch = mounts["/tmp"]  # noqa: S108 (a path inside the pod, not a file here)
    assert "emptyDir" in volumes[scratch], "a read-only root needs a writable /tmp"
    # Settings from the ConfigMap; secrets from the mounted Secret's files (`_FILE`).
    assert container["envFrom"] == [{"configMapRef": {"name": "potwise"}}]
    assert volumes[mounts["/run/secrets/potwise"]]["secret"]["secretName"] == "potwise"


def test_the_configmap_reads_every_secret_from_the_mounted_secret() -> None:
    data = _load("configmap.yaml")["data"]
    secret_keys = _load("secret.example.yaml")["stringData"].keys()
    files = {v.rsplit("/", 1)[-1] for k, v in data.items() if k.endswith("_FILE")}
    assert files == set(secret_keys)
    assert data["POTWISE_ENV"] == "production"
    assert not any(k.endswith(("SECRET_KEY", "ENCRYPTION_KEYS", "DATABASE_URL")) for k in data)


def test_the_example_secret_holds_placeholders_production_refuses(tmp_path: Path) -> None:
    values = _load("secret.example.yaml")["stringData"]
    assert all("PLACEHOLDER" in value for value in values.values())
    with pytest.raises(SettingsError):
        load_settings(
            env="production",
            secret_key=values["secret-key"],
            encryption_keys=values["encryption-keys"],
            database_url=values["database-url"],
            data_dir=tmp_path,
            _env_file=None,
        )
