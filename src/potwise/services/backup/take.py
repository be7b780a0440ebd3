"""Taking a backup: the database and the running settings' keys in one file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from sqlalchemy.exc import OperationalError

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.logs import get_logger
from potwise.services.backup import archive, postgres, sqlite
from potwise.services.backup.errors import BackupError
from potwise.services.backup.keyring import KeyMaterial
from potwise.services.backup.target import database_kind, unreachable
from potwise.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class BackupTaken:
    path: Path
    manifest: archive.Manifest
    size: int


def default_name(now: datetime) -> str:
    """`potwise-backup-20260107T093000Z.tar.gz`: sorts by time, says when."""
    return f"potwise-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def take_backup(settings: Settings, target: Path, *, now: datetime) -> BackupTaken:
    """Write the backup file at `target` (mode 0600; an existing file is refused).

    The database is copied while the app may be running: SQLite through its backup
    API, PostgreSQL with pg_dump. The keys are those the settings run with, whether
    generated under the data directory or given in the environment."""
    kind = database_kind(settings.database_url)
    target = target.expanduser().absolute()
    if target.exists():
        raise BackupError(f"{target} already exists; choose another name with --to")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    keys = KeyMaterial.of(settings)
    member = archive.DATABASE_MEMBERS[kind]
    # Beside the target (the same disk, not a small /tmp), private to us (mode 0700).
    with tempfile.TemporaryDirectory(prefix=".potwise-backup-", dir=target.parent) as folder:
        work = Path(folder)
        revision = _dump(kind, settings.database_url, work / member)
        keys_file = work / archive.KEYS
        fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(keys.to_json())
        members = {archive.KEYS: keys_file, member: work / member}
        manifest = archive.Manifest(
            potwise_version=version("potwise"),
            alembic_revision=revision,
            database=kind,
            created_at=now.isoformat(),
            checksums={name: archive.sha256_of(path) for name, path in members.items()},
        )
        archive.write(target, manifest, members)
    size = target.stat().st_size
    log.info("backup.taken", path=str(target), database=kind, revision=revision, bytes=size)
    return BackupTaken(target, manifest, size)


def _dump(kind: str, database_url: str, into: Path) -> str:
    if kind == "sqlite":
        return sqlite.dump(database_url, into)
    engine = make_engine(database_url)
    try:
        revision = migrate.current_revision(engine)
    except OperationalError as exc:
        raise unreachable(exc) from exc
    finally:
        engine.dispose()
    if revision is None:
        raise BackupError("the database has no potwise schema (no migration applied)")
    postgres.dump(database_url, into)
    return revision
