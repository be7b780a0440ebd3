"""A running demo from a second terminal: the demo writes `.potwise/demo.env` while it
runs, and `potwise` commands run in that directory use its database and sandbox (the
environment and `.env` still first), saying so once on stderr; the file goes when the
demo stops, and a file left by a demo that is gone is ignored.

The demo's pieces run in this process on free loopback ports; the commands are real
subprocesses in the demo's directory, with no `POTWISE_*` variable of their own."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from potwise import demo
from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.db.models import Connection
from potwise.settings import load_settings
from tests.support.loopback import free_port

RULE_NAME = "Cover my credit cards"


def _cli(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update({"COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "potwise.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=directory,
        timeout=180,
        check=False,
    )


def _statuses(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Connection.status)))
    finally:
        engine.dispose()


def _start_demo(directory: Path) -> tuple[demo.RunningDemo, str]:
    """The demo as `potwise demo` starts it, its data under `directory/.potwise`."""
    data_dir = directory / ".potwise"
    database_url = f"sqlite:///{data_dir / 'potwise.db'}"
    port, sandbox_port = free_port(), free_port()
    base = load_settings(data_dir=data_dir, database_url=database_url, _env_file=None)
    settings = demo.demo_settings(base, port=port, sandbox_port=sandbox_port)
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return demo.start(settings, port=port, sandbox_port=sandbox_port), database_url


def _check_file(running: demo.RunningDemo, database_url: str) -> Path:
    env_file = running.env_file
    assert env_file is not None
    assert env_file == running.settings.data_dir / "demo.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # it holds the client secrets
    written = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    assert written["POTWISE_DATABASE_URL"] == f"'{database_url}'"
    assert written["POTWISE_PUBLIC_URL"] == f"'{running.app_url}'"
    assert written["POTWISE_MONZO_API_URL"] == f"'{running.sandbox_url}/monzo/api'"
    assert written["POTWISE_TRUELAYER_AUTH_URL"] == f"'{running.sandbox_url}/truelayer/auth'"
    assert {"POTWISE_MONZO_CLIENT_SECRET", "POTWISE_TRUELAYER_CLIENT_ID"} <= set(written)
    return env_file


def _check_commands(directory: Path, running: demo.RunningDemo, database_url: str) -> None:
    synced = _cli(directory, "sync")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "Sync summary" in synced.stdout
    said = [line for line in synced.stderr.splitlines() if line.startswith("potwise: ")]
    assert said == [said[0]] and f"using the demo running at {running.app_url}" in said[0], (
        synced.stderr
    )
    assert sorted(_statuses(database_url)) == ["active", "active", "active"]

    listed = _cli(directory, "automations", "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert RULE_NAME in listed.stdout
    assert "using the demo running at" in listed.stderr


def _check_environment_first(directory: Path) -> None:
    elsewhere = f"sqlite:///{directory / 'elsewhere.db'}"
    by_variable = _cli(directory, "automations", "list", POTWISE_DATABASE_URL=elsewhere)
    assert by_variable.returncode == 0, by_variable.stderr
    assert RULE_NAME not in by_variable.stdout
    (directory / ".env").write_text(f"POTWISE_DATABASE_URL={elsewhere}\n")
    try:
        by_dotenv = _cli(directory, "automations", "list")
    finally:
        (directory / ".env").unlink()
    assert by_dotenv.returncode == 0, by_dotenv.stderr
    assert RULE_NAME not in by_dotenv.stdout


def test_commands_from_a_second_terminal_use_the_running_demo(tmp_path: Path) -> None:
    running, database_url = _start_demo(tmp_path)
    try:
        env_file = _check_file(running, database_url)
        _check_commands(tmp_path, running, database_url)
        _check_environment_first(tmp_path)
    finally:
        running.stop()
    assert not env_file.exists()


def test_a_file_left_by_a_demo_that_is_gone_is_ignored(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    data_dir = tmp_path / ".potwise"
    data_dir.mkdir()
    (data_dir / "demo.env").write_text(
        f"# potwise demo, process {gone.stdout.strip()}: its database and bank sandbox.\n"
        f"POTWISE_DATABASE_URL='sqlite:///{tmp_path / 'no-such-dir' / 'demo.db'}'\n"
    )
    listed = _cli(tmp_path, "automations", "list")
    assert listed.returncode == 0, listed.stderr
    assert "no longer running" in listed.stderr
    assert (data_dir / "potwise.db").exists()  # the default database, not the demo's
