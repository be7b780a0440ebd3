"""What a restore refuses, and how the tools are called (SQLite files; the PostgreSQL
round trip is in tests/integration/cli/test_backup_restore.py)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from potwise.cli import app
from potwise.db import migrate
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import User
from potwise.services import auth
from potwise.services.backup import (
    BackupError,
    archive,
    postgres,
    read_keys,
    restore_backup,
    take_backup,
)
from potwise.settings import Settings
from tests.conftest import make_settings
from tests.integration.conftest import GOOD_PASSWORD

NOW = datetime(2026, 1, 7, 9, 30, tzinfo=UTC)


def _database(path: Path, *, user: bool) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    if user:
        with make_session_factory(engine)() as db:
            auth.create_user(db, email="owner@example.com", password=GOOD_PASSWORD)
    engine.dispose()
    return url


def _users(url: str) -> int:
    engine = make_engine(url)
    try:
        if "users" not in inspect(engine).get_table_names():
            return 0
        with make_session_factory(engine)() as db:
            return db.scalar(select(func.count()).select_from(User)) or 0
    finally:
        engine.dispose()


@pytest.fixture
def source(tmp_path: Path) -> Settings:
    """Settings whose keys are given (as in production), on a database with one user."""
    return make_settings(tmp_path / "source", _database(tmp_path / "source.db", user=True))


@pytest.fixture
def backup_file(tmp_path: Path, source: Settings) -> Path:
    return take_backup(source, tmp_path / "backup.tar.gz", now=NOW).path


def _target(tmp_path: Path, **keys: object) -> Settings:
    return make_settings(tmp_path / "target", _database(tmp_path / "target.db", user=False), **keys)


def _same_keys(source: Settings) -> dict[str, object]:
    assert source.vapid_private_key is not None
    return {
        "secret_key": source.require_secret_key(),
        "encryption_keys": ",".join(source.fernet_keys()),
        "vapid_private_key": source.vapid_private_key.get_secret_value(),
    }


def _rewrite(backup: Path, change: dict[str, bytes]) -> None:
    """The same backup with some members' bytes replaced (the manifest kept as it was)."""
    with tarfile.open(backup, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]
    members.update(change)
    backup.unlink()
    with tarfile.open(backup, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_changed_backup_fails_its_checksum_and_nothing_is_restored(
    tmp_path: Path, source: Settings, backup_file: Path
) -> None:
    keys = read_keys(backup_file)
    _rewrite(backup_file, {archive.KEYS: keys.to_json().replace(b"secret_key", b"secret_kez")})
    target = _target(tmp_path, **_same_keys(source))
    with pytest.raises(BackupError, match="failed its checksum"):
        restore_backup(target, backup_file)
    assert _users(target.database_url) == 0


def test_given_keys_that_differ_are_named_never_shown_and_nothing_is_restored(
    tmp_path: Path, source: Settings, backup_file: Path
) -> None:
    target = _target(tmp_path)  # its own keys, given
    with pytest.raises(BackupError) as refused:
        restore_backup(target, backup_file)
    message = refused.value.message
    assert "POTWISE_SECRET_KEY, POTWISE_ENCRYPTION_KEYS" in message
    assert "--show-keys" in message
    for value in _same_keys(source).values():
        assert str(value) not in message
    assert _users(target.database_url) == 0


def test_a_newer_key_in_front_of_the_backups_key_is_accepted(
    tmp_path: Path, source: Settings, backup_file: Path
) -> None:
    keys = _same_keys(source)
    keys["encryption_keys"] = f"{Fernet.generate_key().decode()},{keys['encryption_keys']}"
    target = _target(tmp_path, **keys)
    done = restore_backup(target, backup_file)
    assert done.keys_written == []
    assert done.revision == migrate.head_revision()
    assert _users(target.database_url) == 1


def test_keys_kept_in_the_data_directory_are_written_back(
    tmp_path: Path, source: Settings, backup_file: Path
) -> None:
    target = _target(tmp_path, secret_key=None, encryption_keys=None, vapid_private_key=None)
    assert target.secrets_in_data_dir == {"secret_key", "encryption_keys", "vapid_private_key"}
    done = restore_backup(target, backup_file)
    assert sorted(done.keys_written) == [
        "POTWISE_ENCRYPTION_KEYS",
        "POTWISE_SECRET_KEY",
        "POTWISE_VAPID_PRIVATE_KEY",
    ]
    reloaded = make_settings(
        tmp_path / "target", target.database_url, secret_key=None, encryption_keys=None
    )
    assert reloaded.fernet_keys() == source.fernet_keys()
    assert reloaded.require_secret_key() == source.require_secret_key()


def test_a_backup_from_a_newer_potwise_is_refused(tmp_path: Path, source: Settings) -> None:
    member = tmp_path / "database.sqlite3"
    member.write_bytes(b"not used")
    keys = tmp_path / "keys.json"
    keys.write_bytes(read_keys(take_backup(source, tmp_path / "a.tar.gz", now=NOW).path).to_json())
    files = {archive.KEYS: keys, "database.sqlite3": member}
    manifest = archive.Manifest(
        potwise_version="99.0",
        alembic_revision="9999",
        database="sqlite",
        created_at=NOW.isoformat(),
        checksums={name: archive.sha256_of(path) for name, path in files.items()},
    )
    archive.write(tmp_path / "newer.tar.gz", manifest, files)
    with pytest.raises(BackupError, match="revision 9999, which this potwise does not know"):
        restore_backup(_target(tmp_path, **_same_keys(source)), tmp_path / "newer.tar.gz")


def test_a_sqlite_backup_is_not_restored_into_postgresql(
    tmp_path: Path, source: Settings, backup_file: Path
) -> None:
    target = make_settings(tmp_path / "pg", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(
        BackupError, match="holds a sqlite database; the settings name a postgresql"
    ):
        restore_backup(target, backup_file)


def test_an_existing_file_is_never_overwritten(
    tmp_path: Path, source: Settings, backup_file: Path
) -> None:
    before = backup_file.read_bytes()
    with pytest.raises(BackupError, match="already exists"):
        take_backup(source, backup_file, now=NOW)
    assert backup_file.read_bytes() == before


def test_without_pg_dump_the_error_gives_the_command_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres.shutil, "which", lambda _name: None)
    with pytest.raises(BackupError) as missing:
        postgres.dump("postgresql+psycopg://app:hunter2-long@db:5432/potwise", tmp_path / "x")
    assert "pg_dump was not found on PATH" in missing.value.message
    assert "pg_dump --format=custom" in missing.value.message
    assert "hunter2" not in missing.value.message


def test_the_password_reaches_pg_dump_in_its_environment_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append({"args": args, "env": kwargs["env"]})
        return subprocess.CompletedProcess(args, 1, "", "pg_dump: error: connection refused\n")

    monkeypatch.setattr(postgres.shutil, "which", lambda name: f"/bin/{name}")
    monkeypatch.setattr(postgres.subprocess, "run", run)
    with pytest.raises(BackupError, match="pg_dump failed: pg_dump: error: connection refused"):
        postgres.dump("postgresql+psycopg://app:hunter2-long@db:5432/potwise", tmp_path / "x")
    (call,) = calls
    assert not [arg for arg in call["args"] if "hunter2" in arg]
    assert "--dbname=postgresql://app@db:5432/potwise" in call["args"]
    assert call["env"]["PGPASSWORD"] == "hunter2-long"


def test_an_older_backup_is_migrated_to_head_after_its_restore(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, "0018")
    engine.dispose()
    old = make_settings(tmp_path / "old", url)
    taken = take_backup(old, tmp_path / "old.tar.gz", now=NOW)
    assert taken.manifest.alembic_revision == "0018"
    target = _target(tmp_path, **_same_keys(old))
    assert restore_backup(target, taken.path).revision == migrate.head_revision()


def test_a_backup_taken_during_a_write_holds_what_was_committed(
    tmp_path: Path, source: Settings
) -> None:
    path = source.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM users")  # not committed while the backup is taken
        taken = take_backup(source, tmp_path / "during.tar.gz", now=NOW)
        writer.rollback()
    target = _target(tmp_path, **_same_keys(source))
    restore_backup(target, taken.path)
    assert _users(target.database_url) == 1


def test_show_keys_prints_the_backups_keys_and_restores_nothing(
    tmp_path: Path, source: Settings, backup_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POTWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'untouched.db'}")
    shown = CliRunner().invoke(app, ["restore", str(backup_file), "--show-keys"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert f"POTWISE_SECRET_KEY={source.require_secret_key()}" in lines
    assert f"POTWISE_ENCRYPTION_KEYS={','.join(source.fernet_keys())}" in lines
    assert not (tmp_path / "untouched.db").exists()


def test_a_file_that_is_no_backup_is_refused_in_one_line(tmp_path: Path, source: Settings) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b not really gzip")
    target = _target(tmp_path, **_same_keys(source))
    with pytest.raises(BackupError, match="is not a potwise backup, or it is damaged"):
        restore_backup(target, junk)
    backup = take_backup(source, tmp_path / "b.tar.gz", now=NOW).path
    _rewrite(backup, {archive.MANIFEST: b"{not json"})
    with pytest.raises(BackupError, match="its manifest is not JSON"):
        restore_backup(target, backup)


def test_an_unreachable_postgresql_database_is_one_line(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "postgresql+psycopg://app:hunter2-long@127.0.0.1:1/none")
    with pytest.raises(BackupError) as failed:
        take_backup(settings, tmp_path / "x.tar.gz", now=NOW)
    assert failed.value.message.startswith("cannot reach the database: ")
    assert "\n" not in failed.value.message
    assert "hunter2" not in failed.value.message
