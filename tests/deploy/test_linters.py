"""The deployment files pass their linters: hadolint, yamllint and kubernetes-validate."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.deploy.dockerfile import DOCKERFILE, ROOT

KUBERNETES = ROOT / "deploy" / "kubernetes"
# A version whose schemas kubernetes-validate ships (it validates offline).
KUBERNETES_VERSION = "1.30.0"
YAML_FILES = [ROOT / "compose.yaml", *sorted((ROOT / "deploy").rglob("*.yaml"))]


def _tool(name: str) -> str:
    """A linter installed with the dev dependencies, beside this interpreter."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found is not None, f"{name} is not installed (a dev dependency: run `make env`)"
    return found


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run(
        [_tool("hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_passes_compose_and_every_manifest() -> None:
    result = subprocess.run(
        [_tool("yamllint"), "--strict", "-c", str(ROOT / ".yamllint"), *map(str, YAML_FILES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _manifests() -> list[Path]:
    return sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("path", _manifests(), ids=lambda p: p.name)
def test_manifest_is_valid_kubernetes(path: Path) -> None:
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    assert documents, f"{path.name} holds no resource"
    for document in documents:
        # strict: unknown fields (a misspelt key) are errors too
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_and_nothing_else() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text("utf-8"))
    assert sorted(kustomization["resources"]) == sorted(p.name for p in _manifests())
