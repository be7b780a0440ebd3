"""The image's recipe, proved outside a container (no Docker daemon needed).

Replays the Dockerfile's own steps: its build stage's `uv sync` commands, with that
stage's ENV, build a fresh virtualenv from uv.lock into a temporary directory; then
the runtime stage's CMD runs from it, with the runtime ENV, as the image's non-root
uid/gid when the test runs as root, in production mode against a throwaway PostgreSQL
database, until `/api/v1/ready` answers 200 and the image's HEALTHCHECK command passes.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, make_url, text

from tests.deploy.dockerfile import ROOT, Stage, stages

pytestmark = pytest.mark.image_recipe

PG_URL = os.environ.get("POTWISE_TEST_DATABASE_URL")
IMAGE_VENV = "/app/.venv"
IMAGE_DATA = "/data"
READY_WITHIN = 90.0  # generous: CI runs this beside the parallel suite


def _uv() -> str | None:
    """The uv running this suite (`uv run` exports it as UV), else one on PATH or in .tools."""
    for candidate in (os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".tools/bin/uv")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def recipe() -> tuple[Stage, Stage]:
    found = stages()
    assert len(found) >= 2, "expected a build stage and a runtime stage"
    return found[0], found[-1]


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temporary directory the image's uid can traverse (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="potwise-image-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def database_url() -> Iterator[str]:
    """A throwaway database on the test PostgreSQL server, dropped afterwards."""
    if PG_URL is None:
        pytest.skip("POTWISE_TEST_DATABASE_URL is not set: no PostgreSQL to serve from")
    name = f"potwise_image_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _build_venv(build: Stage, venv: Path) -> None:
    """Run the build stage's `uv` steps with its ENV, the venv redirected to `venv`."""
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not available: the image's build steps cannot be replayed")
    steps = [shlex.split(step) for step in build.run if step.startswith("uv ")]
    assert any(step[:2] == ["uv", "sync"] for step in steps), "the build stage runs no `uv sync`"
    assert all("--frozen" in step for step in steps), "every uv step must install from uv.lock"
    assert build.env.get("UV_PROJECT_ENVIRONMENT") == IMAGE_VENV
    env = {**os.environ, **build.env, "UV_PROJECT_ENVIRONMENT": str(venv)}
    for step in steps:
        subprocess.run([uv, *step[1:]], cwd=ROOT, env=env, check=True, timeout=180)


def _runtime_env(runtime: Stage, venv: Path, data: Path, database_url: str) -> dict[str, str]:
    """The runtime stage's ENV with the image's paths mapped onto the temporary ones."""
    env: dict[str, str] = {}
    for key, value in runtime.env.items():
        expanded = value.replace("${PATH}", os.environ.get("PATH", ""))
        env[key] = expanded.replace(IMAGE_VENV, str(venv)).replace(IMAGE_DATA, str(data))
    assert runtime.env.get("POTWISE_DATA_DIR") == IMAGE_DATA
    env.update(
        HOME=str(data),
        POTWISE_ENV="production",
        POTWISE_DATABASE_URL=database_url,
        POTWISE_SECRET_KEY=secrets.token_urlsafe(48),
        POTWISE_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        POTWISE_PUBLIC_URL="https://potwise.test",
        LANG="C.UTF-8",
    )
    return env


def _as_image_user(runtime: Stage, command: list[str], env: dict[str, str]) -> list[str]:
    """As root: the command under the image's uid/gid (its USER). Not root: as it is."""
    if os.geteuid() != 0:
        return command
    assert runtime.user is not None, "the runtime stage sets no USER"
    uid, _, gid = runtime.user.partition(":")
    assert uid.isdigit() and gid.isdigit(), "USER must be numeric uid:gid"
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop to the image's uid")
    wrapped = [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *command]
    probe = subprocess.run(
        [*wrapped[: -len(command)], env["PATH"].split(":")[0] + "/python", "-c", "pass"],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"the venv's interpreter is not reachable by uid {uid} on this machine")
    return wrapped


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    last = "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"the server exited with {server.returncode} before it was ready:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
        except OSError as error:
            last = str(error)
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"{url} was not ready within {READY_WITHIN:.0f} s ({last}):\n{tail}")


@pytest.mark.slow
def test_image_recipe_serves_ready_as_non_root_from_the_locked_venv(
    recipe: tuple[Stage, Stage], workdir: Path, database_url: str
) -> None:
    build, runtime = recipe
    venv, data = workdir / "venv", workdir / "data"
    _build_venv(build, venv)
    data.mkdir()
    if os.geteuid() == 0 and runtime.user:
        uid, _, gid = runtime.user.partition(":")
        os.chown(data, int(uid), int(gid))  # as the image's `chown ... /data`

    assert runtime.cmd is not None and runtime.healthcheck is not None
    env = _runtime_env(runtime, venv, data, database_url)
    port = _free_port()
    executable = shutil.which(runtime.cmd[0], path=env["PATH"])
    assert executable == str(venv / "bin" / runtime.cmd[0]), "CMD must run from the venv"
    # The image's CMD, on loopback and a free port (the last --host/--port wins).
    command = [executable, *runtime.cmd[1:], "--host", "127.0.0.1", "--port", str(port)]
    log = workdir / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            _as_image_user(runtime, command, env),
            cwd=data,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/api/v1/ready", server, log)
        if os.geteuid() == 0 and runtime.user:
            # setpriv execs the server: the process answering is the image's uid.
            assert Path(f"/proc/{server.pid}").stat().st_uid == int(runtime.user.split(":")[0])
        # The image's HEALTHCHECK command, with the image's port replaced by this one.
        check = [part.replace(":8000/", f":{port}/") for part in runtime.healthcheck]
        if check[0] == "python":
            check[0] = str(venv / "bin" / "python")
        subprocess.run(check, env=env, check=True, timeout=30)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
