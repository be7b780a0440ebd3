"""PostgreSQL: pg_dump's custom format, and pg_restore, when they are on PATH.

The connection goes to the tools as a libpq URI without the password; the password
travels in PGPASSWORD, so it is in no command line, message or log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from potwise.services.backup.errors import BackupError

# What the README documents for a machine without the client tools.
BY_HAND = (
    "pg_dump --format=custom --no-owner --no-privileges --file=potwise.pgdump DATABASE_URL "
    '(see the README\'s "Operations: backups")'
)


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI (no password, no driver name) and the tools' environment."""
    url = make_url(database_url)
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    # `URL.set` leaves a field alone when given None: build the password-less URI anew.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools (the server's "
            f"major version or newer), or back up by hand: {BY_HAND}"
        )
    return found


def _run(name: str, *args: str, environment: dict[str, str]) -> None:
    # The tool is found on PATH by name; the arguments are ours, not a user's text.
    result = subprocess.run(  # noqa: S603
        [_tool(name), *args], capture_output=True, text=True, env=environment, check=False
    )
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {result.returncode}"
        raise BackupError(f"{name} failed: {reason}")


def dump(database_url: str, into: Path) -> None:
    """Write the whole database in pg_dump's custom format (no owners, no grants)."""
    uri, environment = _libpq(database_url)
    _run(
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={into}",
        f"--dbname={uri}",
        environment=environment,
    )


def load(database_url: str, dump_file: Path) -> None:
    """Restore a dump into the (emptied) database in one transaction: all or nothing."""
    uri, environment = _libpq(database_url)
    _run(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={uri}",
        str(dump_file),
        environment=environment,
    )
