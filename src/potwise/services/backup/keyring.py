"""The key material a backup carries, and how a restore puts it back.

A key is either kept under the data directory (generated there in development) or
given to the process (environment, `.env`, a file named by `X_FILE`). On restore the
first kind is written back where the settings read it; the second cannot be set from
here, so it must already match the backup's, or the restore stops and names the
settings to change. Values are never part of a message.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from potwise.services.backup.errors import BackupError
from potwise.settings import Settings
from potwise.settings_secrets import secret_file

# Field name -> the setting an operator sets.
SETTING_NAMES = {
    "secret_key": "POTWISE_SECRET_KEY",
    "encryption_keys": "POTWISE_ENCRYPTION_KEYS",
    "vapid_private_key": "POTWISE_VAPID_PRIVATE_KEY",
}


@dataclass(frozen=True)
class KeyMaterial:
    """The secrets needed to read what the database holds and to keep signing as before."""

    secret_key: str
    encryption_keys: tuple[str, ...]  # newest first
    vapid_private_key: str | None

    @classmethod
    def of(cls, settings: Settings) -> KeyMaterial:
        vapid = settings.vapid_private_key
        return cls(
            secret_key=settings.require_secret_key(),
            encryption_keys=tuple(settings.fernet_keys()),
            vapid_private_key=vapid.get_secret_value().strip() if vapid else None,
        )

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "secret_key": self.secret_key,
                "encryption_keys": list(self.encryption_keys),
                "vapid_private_key": self.vapid_private_key,
            }
        ).encode()

    @classmethod
    def from_file(cls, path: Path) -> KeyMaterial:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = tuple(str(key) for key in data["encryption_keys"])
            vapid = data.get("vapid_private_key")
            material = cls(str(data["secret_key"]), keys, str(vapid) if vapid else None)
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError("the backup's key material cannot be read") from exc
        if not material.secret_key or not material.encryption_keys:
            raise BackupError("the backup's key material is incomplete")
        return material

    def values(self) -> dict[str, str]:
        """The settings' values, by field name (ENCRYPTION_KEYS comma-separated)."""
        found = {"secret_key": self.secret_key, "encryption_keys": ",".join(self.encryption_keys)}
        if self.vapid_private_key:
            found["vapid_private_key"] = self.vapid_private_key
        return found


def mismatched(settings: Settings, backup: KeyMaterial) -> list[str]:
    """The given (not data-directory) keys that differ from the backup's, by field name.

    ENCRYPTION_KEYS matches when it holds every key of the backup (a newer key may come
    first: rotation); the others must be equal."""
    running = KeyMaterial.of(settings)
    kept = settings.secrets_in_data_dir
    wrong: list[str] = []
    if "secret_key" not in kept and running.secret_key != backup.secret_key:
        wrong.append("secret_key")
    if "encryption_keys" not in kept and not set(backup.encryption_keys) <= set(
        running.encryption_keys
    ):
        wrong.append("encryption_keys")
    if (
        "vapid_private_key" not in kept
        and backup.vapid_private_key is not None
        and running.vapid_private_key != backup.vapid_private_key
    ):
        wrong.append("vapid_private_key")
    return wrong


def refusal(wrong: list[str], source: Path) -> str:
    """The one line a restore stops with when given keys differ (names, never values)."""
    names = ", ".join(SETTING_NAMES[name] for name in wrong)
    return (
        f"{names} differ from the backup's; set them to the backup's values "
        f"(`potwise restore {source} --show-keys` prints them) and run the restore again"
    )


def write_back(settings: Settings, backup: KeyMaterial) -> list[str]:
    """Write the backup's keys where the settings keep them under the data directory
    (mode 0600, replaced atomically); the setting names written are returned."""
    written: list[str] = []
    values = backup.values()
    for name in sorted(settings.secrets_in_data_dir):
        if name in values:
            _write_secret(secret_file(settings.data_dir, name), values[name])
            written.append(SETTING_NAMES[name])
    return written


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
