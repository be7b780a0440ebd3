"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

SQLite: each test gets a copy of a database file migrated once per run.
PostgreSQL (`POTWISE_TEST_DATABASE_URL`): each run migrates its own schema
once, and every test starts from empty tables (truncated after each test),
so runs can repeat against the same server without interfering.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db import migrate
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Base
from potwise.services import passwords
from potwise.settings import Settings, load_settings

PG_URL = os.environ.get("POTWISE_TEST_DATABASE_URL")


@pytest.fixture(autouse=True, scope="session")
def _cheaper_password_hashing() -> Iterator[None]:
    """Argon2id at production cost takes ~0.2 s a hash, and the suite signs in
    hundreds of users; tests use a cheaper Argon2id profile (the same code path).
    The rehash-on-login test still sees its older, weaker hash upgraded."""
    fast = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=16 * 1024, parallelism=1),))
    saved = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = fast
    passwords._DUMMY_HASH = fast.hash("potwise-dummy-password-for-timing")
    yield
    passwords._hasher, passwords._DUMMY_HASH = saved


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    """Each test starts on a fresh system clock; a clock a test installed (a followed
    sandbox clock, a fixed one) goes with it."""
    with clock.using(clock.SystemClock()):
        yield


BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    assert PG_URL is not None
    schema = f"potwise_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, schema=schema)
    migrate.upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated database for this test (one per backend)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "potwise.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    assert PG_URL is not None
    return PG_URL


@pytest.fixture
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[Engine]:
    """An engine on this test's database (its own schema on PostgreSQL)."""
    schema = None
    if database_url.startswith("postgresql"):
        schema = request.getfixturevalue("pg_schema")
    engine = make_engine(database_url, schema=schema)
    yield engine
    if engine.dialect.name == "postgresql":
        _empty(engine)
    engine.dispose()


def _empty(engine: Engine, attempts: int = 5) -> None:
    """Empty every table of the test's schema. A product thread the test left behind
    (a background sync finishing) may still be writing: PostgreSQL then picks one side
    of the deadlock to fail, and the emptying is tried again once it has finished."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    for attempt in range(attempts):
        try:
            with engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    """Settings for a test: explicit secrets, nothing read from the developer's `.env`."""
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "secret_key": "test-" + "k" * 40 + uuid.uuid4().hex,
        "encryption_keys": Fernet.generate_key().decode(),
        "public_url": "http://testserver",
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)
