"""`potwise sync`'s summary: every error in full, the table on standard output alone,
the logs and the progress bar on standard error, and exit code 1 with one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from potwise.db import migrate
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import SyncRun
from tests.support.harness import connect, product, running_sandbox, signed_in

SECRET_KEY = "cli-" + "s" * 40
# The start of a log line as the terminal renderer writes it: `2026-... [warning  ] ...`.
LOG_LINE = re.compile(r"\[(debug|info|warning|error|critical)\s*\]")


def _sync(
    tmp_path: Path, url: str, keys: str, sandbox_url: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update(
        {
            "POTWISE_DATABASE_URL": url,
            "POTWISE_DATA_DIR": str(tmp_path / "cli-data"),
            "POTWISE_SECRET_KEY": SECRET_KEY,
            "POTWISE_ENCRYPTION_KEYS": keys,
            "POTWISE_MONZO_API_URL": f"{sandbox_url}/monzo/api",
            "POTWISE_MONZO_AUTH_URL": f"{sandbox_url}/monzo/auth",
            "POTWISE_TRUELAYER_API_URL": f"{sandbox_url}/truelayer/api",
            "POTWISE_TRUELAYER_AUTH_URL": f"{sandbox_url}/truelayer/auth",
            "POTWISE_MONZO_CLIENT_ID": "potwise-sandbox",
            "POTWISE_MONZO_CLIENT_SECRET": "sandbox-secret",
            "POTWISE_TRUELAYER_CLIENT_ID": "potwise-sandbox",
            "POTWISE_TRUELAYER_CLIENT_SECRET": "sandbox-secret",
            "COLUMNS": "80",  # a narrow terminal: the width the old table cut errors at
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "potwise.cli", "sync"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )


def test_a_failed_sync_prints_its_long_error_in_full_below_the_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'summary.db'}"
    keys = Fernet.generate_key().decode()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with running_sandbox() as sandbox:
        app = product(tmp_path, url, engine, sandbox, encryption_keys=keys, secret_key=SECRET_KEY)
        client = signed_in(app)
        assert (
            connect(client, sandbox, "truelayer", sandbox_provider="uk-ob-barclaycard").status_code
            == 303
        )
        # From now on the bank fails every call: the next sync fails.
        sandbox.fault(path="/truelayer/api/*", kind="error_5xx", status=503, probability=1.0)

        result = _sync(tmp_path, url, keys, sandbox.url)

    with make_session_factory(engine)() as db:
        run = db.scalars(select(SyncRun).where(SyncRun.trigger == "cli")).one()
        messages = [str(e["message"]) for e in run.errors]
    engine.dispose()

    assert run.status == "failed"
    assert result.returncode == 1, result.stdout + result.stderr
    # Exit 1 with one line saying why, last on standard error.
    assert result.stderr.rstrip().splitlines()[-1] == "potwise: 1 of 1 syncs failed"
    out = result.stdout
    assert "Sync summary" in out
    assert "failed" in out
    # Each error whole, on one line of its own below the table, though longer than
    # the 80 columns the table had.
    assert max(len(m) for m in messages) > 80, messages
    table_end = out.index("Errors:")
    for message in messages:
        assert message in out[table_end:], out
    # Standard output holds the summary alone: no log line and no progress bar in it.
    assert not LOG_LINE.search(out), out
    assert "syncing" not in out
    assert LOG_LINE.search(result.stderr), result.stderr
    assert "syncing" in result.stderr
