"""Where a running `potwise demo` is, for the commands run from a second terminal.

While it runs, the demo writes `<data dir>/demo.env` (by default `.potwise/demo.env`):
the `POTWISE_*` settings that point at its database and its bank sandbox, in the
`.env` format, with a first comment naming the process that wrote it. It removes
the file when it stops. A command run meanwhile reads it beneath the real
environment and `.env` (both still win), and says so once on stderr; a file left by
a demo that is no longer running is ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from potwise.settings import Settings

FILE_NAME = "demo.env"
#: The settings the demo changes, as written to the file (`POTWISE_` + upper case).
WRITTEN = (
    "database_url",
    "public_url",
    "monzo_auth_url",
    "monzo_api_url",
    "truelayer_auth_url",
    "truelayer_api_url",
    "monzo_client_id",
    "monzo_client_secret",
    "truelayer_client_id",
    "truelayer_client_secret",
)
_PID = re.compile(r"^# potwise demo, process (\d+)")
_PUBLIC_URL = re.compile(r"^POTWISE_PUBLIC_URL='(.*)'$")


@dataclass(frozen=True)
class DemoEnv:
    """A demo's file as found: where it is, who wrote it, and the demo's address."""

    path: Path
    pid: int | None
    public_url: str | None

    @property
    def running(self) -> bool:
        """Whether the process that wrote the file is still alive."""
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # alive, someone else's
        return True


def path_in(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def _quoted(value: str) -> str:
    """A single-quoted `.env` value (backslashes and quotes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _absolute_database_url(url: str) -> str:
    """A SQLite file named relative to the demo's directory, named absolutely."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str(Path(database).resolve())).render_as_string(hide_password=False)


def sandbox_settings(sandbox_url: str) -> dict[str, str]:
    """Settings the file carries beyond `WRITTEN`, derived from the sandbox's address."""
    # A second terminal's commands follow the demo's clock, as the demo itself does.
    return {"POTWISE_CLOCK_URL": f"{sandbox_url}/_sandbox/clock"}


def write(settings: Settings, *, sandbox_url: str, pid: int | None = None) -> Path:
    """Write the running demo's settings (mode 0600) and return the file's path."""
    lines = [
        f"# potwise demo, process {pid or os.getpid()}: its database and bank sandbox.",
        "# Read by potwise commands run meanwhile, beneath the environment and .env.",
        "# Removed when the demo stops.",
    ]
    for name in WRITTEN:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if name == "database_url":
            value = _absolute_database_url(str(value))
        if value is not None:
            lines.append(f"POTWISE_{name.upper()}={_quoted(str(value))}")
    for name, value in sandbox_settings(sandbox_url).items():
        lines.append(f"{name}={_quoted(value)}")
    path = path_in(settings.data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(partial, path)
    return path


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def read(data_dir: Path) -> DemoEnv | None:
    """The demo file in `data_dir`, if there is one."""
    path = path_in(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    pid = public_url = None
    for line in text.splitlines():
        if (found := _PID.match(line)) is not None:
            pid = int(found.group(1))
        elif (found := _PUBLIC_URL.match(line)) is not None:
            public_url = found.group(1)
    return DemoEnv(path, pid, public_url)
