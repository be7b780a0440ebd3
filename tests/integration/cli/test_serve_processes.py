"""`potwise serve` runs the scheduler beside the web app; `--no-scheduler` runs the web
app alone (real processes on loopback, a temporary SQLite database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from tests.support.loopback import free_port

START_TIMEOUT = 60


def _serve(tmp_path: Path, *options: str) -> tuple[int, str]:
    """Start `potwise serve`, wait until HEAD /api/v1/health answers 200, stop it;
    the answer's status and what the process logged."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update(
        {
            "POTWISE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
            "POTWISE_DATA_DIR": str(tmp_path / "data"),
        }
    )
    port = free_port()
    health = f"http://127.0.0.1:{port}/api/v1/health"
    process = subprocess.Popen(
        [sys.executable, "-m", "potwise.cli", "serve", "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    status = 0
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx2.head(health, timeout=2).status_code
                break
            except httpx2.TransportError:
                time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    return status, err


@pytest.mark.parametrize(
    ("options", "scheduled"), [((), True), (("--no-scheduler",), False)], ids=["serve", "web-only"]
)
def test_serve_runs_the_scheduler_unless_told_not_to(
    tmp_path: Path, options: tuple[str, ...], scheduled: bool
) -> None:
    status, logged = _serve(tmp_path, *options)
    assert status == 200, logged
    assert "Traceback" not in logged
    assert ("scheduler.started" in logged) is scheduled, logged


def _help(command: str) -> str:
    """`potwise COMMAND --help`, its lines joined (wide, so nothing wraps mid-phrase)."""
    shown = subprocess.run(
        [sys.executable, "-m", "potwise.cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    return " ".join(shown.split())


def test_help_says_one_scheduler_per_deployment() -> None:
    serve = _help("serve")
    assert "--no-scheduler" in serve
    assert "exactly one scheduler" in serve
    assert "serve --no-scheduler" in _help("worker")
