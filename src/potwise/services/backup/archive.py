"""The backup file: a gzip-compressed tar of a manifest, the key material and the database.

```
manifest.json      format, potwise version, Alembic revision, database kind,
                   created_at, and the SHA-256 of every other member
keys.json          SECRET_KEY, ENCRYPTION_KEYS (newest first), VAPID_PRIVATE_KEY
database.sqlite3   (SQLite) a consistent copy of the database file, or
database.pgdump    (PostgreSQL) pg_dump's custom format
```

The file is created with mode 0600 (it holds the keys) under a temporary name and
renamed into place when complete, so a half-written backup never has the real name.
Reading takes only the members named above, as regular files, and checks each one
against the manifest before anything is restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from potwise.services.backup.errors import BackupError

FORMAT = "potwise-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEYS = "keys.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_MEMBERS = {MANIFEST, KEYS, *DATABASE_MEMBERS.values()}
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    """What the backup holds and how to check it."""

    potwise_version: str
    alembic_revision: str
    database: str  # "sqlite" or "postgresql"
    created_at: str  # RFC 3339, UTC
    checksums: dict[str, str] = field(default_factory=dict)  # member -> SHA-256 (hex)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.database]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write(target: Path, manifest: Manifest, members: dict[str, Path]) -> None:
    """Write the backup file at `target` (mode 0600), the manifest first.

    `manifest.checksums` must already name every member; a file already at `target`
    is refused rather than replaced."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose another name with --to")
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
            for name, path in members.items():
                info = tar.gettarinfo(str(path), arcname=name)
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def read(source: Path, into: Path) -> Manifest:
    """Unpack the backup at `source` into the folder `into` and check every member
    against the manifest; the manifest is returned only when all of them match."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    hashes: dict[str, str] = {}
    try:
        with tarfile.open(source, mode="r:gz") as tar:
            for member in tar:
                if member.name not in _MEMBERS or not member.isfile():
                    raise BackupError(
                        f"{source} is not a potwise backup (unexpected {member.name!r})"
                    )
                hashes[member.name] = _unpack(tar, member, into / member.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{source} is not a potwise backup, or it is damaged ({exc})") from exc
    if MANIFEST not in hashes:
        raise BackupError(f"{source} is not a potwise backup (no manifest)")
    try:
        data = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{source} is not a potwise backup (its manifest is not JSON)") from exc
    manifest = _manifest(source, data)
    _check(source, manifest, hashes)
    return manifest


def _unpack(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> str:
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError(f"cannot read {member.name} from the backup")
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with handle, os.fdopen(fd, "wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _manifest(source: Path, data: Any) -> Manifest:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{source} is not a potwise backup (unknown manifest)")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{source} is backup format {data.get('format_version')}; this potwise reads "
            f"format {FORMAT_VERSION}"
        )
    try:
        manifest = Manifest(**data)
    except TypeError as exc:
        raise BackupError(f"{source} has a manifest this potwise cannot read") from exc
    if not isinstance(manifest.checksums, dict) or manifest.database not in DATABASE_MEMBERS:
        raise BackupError(f"{source} has a manifest this potwise cannot read")
    return manifest


def _check(source: Path, manifest: Manifest, hashes: dict[str, str]) -> None:
    expected = {KEYS, manifest.database_member}
    if set(manifest.checksums) != expected or set(hashes) - {MANIFEST} != expected:
        raise BackupError(f"{source} is incomplete: it must hold {', '.join(sorted(expected))}")
    for name in sorted(expected):
        if hashes[name] != manifest.checksums[name]:
            raise BackupError(
                f"{source} failed its checksum ({name} was changed or damaged); nothing restored"
            )
