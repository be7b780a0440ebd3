"""Processes starting together migrate once: the others wait, then find the head.
(And on a fresh data folder they share one generated development key.)

Three real `potwise db upgrade` processes are started at the same moment on a fresh
database, on SQLite (a file lock beside the database) and PostgreSQL (an advisory
lock; the schema is given in the URL, as a deployment would give it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import make_url, text

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.db.migration_lock import migration_lock, sqlite_lock_path
from potwise.settings import new_vapid_key
from tests.conftest import PG_URL

PROCESSES = 3
TIMEOUT = 180


def _environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update(
        {
            "POTWISE_DATABASE_URL": database_url,
            "POTWISE_DATA_DIR": str(tmp_path / "data"),
            # Given, so that no process generates its own development keys meanwhile.
            "POTWISE_SECRET_KEY": "lock-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "POTWISE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "POTWISE_VAPID_PRIVATE_KEY": new_vapid_key(),
        }
    )
    return environment


def _upgrade_all_at_once(tmp_path: Path, database_url: str) -> list[tuple[int, str, str]]:
    """Start the processes together; each one's exit code, stdout and stderr."""
    environment = _environment(tmp_path, database_url)
    started: list[subprocess.Popen[str]] = []
    try:
        for _ in range(PROCESSES):
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "potwise.cli", "db", "upgrade"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    cwd=tmp_path,
                    env=environment,
                )
            )
        results = []
        for process in started:
            out, err = process.communicate(timeout=TIMEOUT)
            results.append((process.returncode, out, err))
        return results
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def _assert_migrated_once(results: list[tuple[int, str, str]], versions: list[str]) -> None:
    head = migrate.head_revision()
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "UniqueViolation" not in err, err
        assert "already exists" not in err, err
        assert f"revision {head}" in out
    assert versions == [head]


def test_processes_starting_together_on_sqlite_migrate_once(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    url = f"sqlite:///{database}"
    results = _upgrade_all_at_once(tmp_path, url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            versions = list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()
    _assert_migrated_once(results, versions)
    assert (tmp_path / "fresh.db.migrate.lock").exists()


@pytest.fixture
def fresh_schema() -> Iterator[str]:
    """An empty PostgreSQL schema of this test's own, dropped afterwards."""
    if PG_URL is None:
        pytest.skip("POTWISE_TEST_DATABASE_URL is not set")
    schema = f"potwise_lock_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_processes_starting_together_on_postgresql_migrate_once(
    tmp_path: Path, fresh_schema: str
) -> None:
    assert PG_URL is not None
    # The documented way to keep potwise in a schema of its own: libpq's `options`.
    url = (
        make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={fresh_schema}"})
        .render_as_string(hide_password=False)
    )
    results = _upgrade_all_at_once(tmp_path, url)
    engine = make_engine(PG_URL, schema=fresh_schema)
    try:
        with engine.connect() as connection:
            versions = list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()
    _assert_migrated_once(results, versions)


def test_the_sqlite_lock_is_held_for_the_block_and_given_back(tmp_path: Path) -> None:
    import fcntl

    engine = make_engine(f"sqlite:///{tmp_path / 'held.db'}")
    path = sqlite_lock_path(engine)
    assert path == tmp_path / "held.db.migrate.lock"

    def free() -> bool:
        descriptor = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(descriptor)  # closing gives back a lock taken here
        return True

    try:
        with migration_lock(engine):
            assert not free()
        assert free()
    finally:
        engine.dispose()


def test_the_postgresql_lock_is_held_for_the_block_and_given_back() -> None:
    if PG_URL is None:
        pytest.skip("POTWISE_TEST_DATABASE_URL is not set")
    from potwise.db.migration_lock import ADVISORY_KEY

    engine, other = make_engine(PG_URL), make_engine(PG_URL)

    def free() -> bool:
        with other.connect() as connection:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            ).scalar_one()
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            return bool(taken)

    try:
        with migration_lock(engine):
            assert not free()
        assert free()
    finally:
        engine.dispose()
        other.dispose()


# Each process imports first, then all read or create the keys at one agreed moment.
_STARTER = """
import sys, time
from potwise.settings import load_settings
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
settings = load_settings(_env_file=None, data_dir=sys.argv[1])
print(settings.require_secret_key(), settings.fernet_keys()[0])
"""


def test_processes_starting_together_share_one_generated_key(tmp_path: Path) -> None:
    import time

    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    moment = str(time.time() + 3)
    started = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(tmp_path / "data"), moment],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(6)
    ]
    try:
        answers = [process.communicate(timeout=60) for process in started]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert all(process.returncode == 0 for process in started), answers
    assert len({out for out, _ in answers}) == 1
    # Only the keys are left in the folder: every candidate file was removed.
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        "encryption_keys",
        "secret_key",
        "vapid_private_key",
    ]
