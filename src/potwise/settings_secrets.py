"""Development secrets kept under the data directory: the secret key, the encryption
keys and the VAPID key are generated once, mode 0600, and read back afterwards.

Production never comes here: its secrets are given (environment, `.env` or
`_FILE`), and `settings.finalise` refuses weak ones.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["read_or_create", "secret_file"]


def secret_file(data_dir: Path, name: str) -> Path:
    """Where a development secret (a field name: `secret_key`, ...) is kept."""
    return data_dir / name


def _read_secret(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def read_or_create(path: Path, make: str) -> str:
    """Read a generated development secret, creating it (mode 0600) the first time.

    Processes starting together (`serve --no-scheduler` beside a `worker`) must all
    end up with one key: each writes its candidate to a file of its own, and only the
    first link to the real name wins; the others read the winner's."""
    value = _read_secret(path)
    if value:
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)  # the folder also holds the database
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(make + "\n")
        try:
            os.link(candidate, path)
        except FileExistsError:
            if not _read_secret(path):  # an empty file an older version left behind
                os.replace(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
    return _read_secret(path)
