"""Restoring a backup onto an empty database, the keys first, then migrating to head."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.logs import get_logger
from potwise.services.backup import archive, keyring, postgres, sqlite
from potwise.services.backup.errors import BackupError
from potwise.services.backup.keyring import KeyMaterial
from potwise.services.backup.target import database_kind, drop_empty_tables, tables_with_rows
from potwise.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Restored:
    manifest: archive.Manifest
    keys_written: list[str]  # settings written under the data directory
    revision: str | None  # the database's revision now (head)


def read_keys(source: Path) -> KeyMaterial:
    """The key material of a backup, once every member passed its checksum."""
    with tempfile.TemporaryDirectory(prefix="potwise-restore-") as folder:
        archive.read(source, Path(folder))
        return KeyMaterial.from_file(Path(folder) / archive.KEYS)


def restore_backup(settings: Settings, source: Path) -> Restored:
    """Restore `source` onto the settings' database, which must hold no rows.

    In order: the file's checksums; the database kind and revision; the target's
    emptiness; the keys (given keys must match the backup's, data-directory keys are
    written back); the database; the migrations up to head. A refusal changes nothing."""
    kind = database_kind(settings.database_url)
    with tempfile.TemporaryDirectory(prefix="potwise-restore-") as folder:
        work = Path(folder)
        manifest = archive.read(source, work)
        if manifest.database != kind:
            raise BackupError(
                f"{source} holds a {manifest.database} database; the settings name a {kind} one"
            )
        _check_revision_known(manifest.alembic_revision)
        keys = KeyMaterial.from_file(work / archive.KEYS)
        engine = make_engine(settings.database_url)
        try:
            _refuse_unless_empty(engine, settings.database_url)
            wrong = keyring.mismatched(settings, keys)
            if wrong:
                raise BackupError(keyring.refusal(wrong, source))
            written = keyring.write_back(settings, keys)
            _load(kind, engine, settings.database_url, work / manifest.database_member)
            migrate.upgrade(engine)
            revision = migrate.current_revision(engine)
        finally:
            engine.dispose()
    log.info(
        "backup.restored",
        database=kind,
        from_revision=manifest.alembic_revision,
        revision=revision,
        keys_written=len(written),
    )
    return Restored(manifest, written, revision)


def _check_revision_known(revision: str) -> None:
    """A backup from a newer potwise cannot be migrated by this one."""
    try:
        ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_revision(revision)
    except CommandError as exc:
        raise BackupError(
            f"the backup is at database revision {revision}, which this potwise does not "
            "know: restore it with the potwise version that took it (or newer)"
        ) from exc


def _refuse_unless_empty(engine: Engine, database_url: str) -> None:
    full = tables_with_rows(engine)
    if full:
        where = make_url(database_url).render_as_string(hide_password=True)
        shown = ", ".join(full[:3]) + (", ..." if len(full) > 3 else "")
        raise BackupError(
            f"the database at {where} is not empty ({shown} hold rows); "
            "restore onto an empty database only"
        )


def _load(kind: str, engine: Engine, database_url: str, copy: Path) -> None:
    if kind == "sqlite":
        engine.dispose()  # no pooled connection of ours holds the file
        sqlite.load(database_url, copy)
        return
    drop_empty_tables(engine)
    engine.dispose()
    postgres.load(database_url, copy)
