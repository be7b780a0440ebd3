"""`potwise backup` and `potwise restore` end to end, on SQLite and PostgreSQL: a user
with a bank connected comes back on an empty database, signs in, and syncs with the
tokens the backup's keys decrypt. Each backend's databases are the test's own (SQLite
files; PostgreSQL databases created on the test server and dropped after)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from potwise.db import migrate
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Connection, User
from potwise.services.vault import Vault
from tests.conftest import BACKENDS, PG_URL
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.harness import PUBLIC_URL, connect, product, running_sandbox, settle, signed_in

EMAIL = "owner@example.com"


def _cli(
    tmp_path: Path, url: str, data_dir: Path, *args: str, **keys: str
) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own: settings from the environment only."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update({"POTWISE_DATABASE_URL": url, "POTWISE_DATA_DIR": str(data_dir)})
    environment.update({f"POTWISE_{name.upper()}": value for name, value in keys.items()})
    return subprocess.run(
        [sys.executable, "-m", "potwise.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=BACKENDS)
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A source and an empty target database of one backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'target.db'}"
        return
    assert PG_URL is not None
    names = [f"potwise_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("source", "target")]
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(PG_URL)
    urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
    try:
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_restored_instance_signs_the_user_in_and_syncs_with_the_backed_up_tokens(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    source_url, target_url = two_databases
    secret_key = "backup-" + uuid.uuid4().hex + uuid.uuid4().hex
    key = Fernet.generate_key().decode()
    source = make_engine(source_url)
    target = make_engine(target_url)
    with running_sandbox() as sandbox:
        migrate.upgrade(source)
        app = product(
            tmp_path / "a", source_url, source, sandbox, encryption_keys=key, secret_key=secret_key
        )
        client = signed_in(app, EMAIL)
        assert connect(client, sandbox, "truelayer", "uk-ob-barclaycard").status_code == 303
        settle(client)
        with make_session_factory(source)() as db:
            stored = db.scalars(select(Connection)).one()
            access_token = Vault([key]).decrypt(stored.access_token_enc or "")
        vapid = app.state.settings.vapid_private_key.get_secret_value()
        secrets = (secret_key, key, vapid, access_token)

        # The keys given in the environment, as in production.
        backup_file = tmp_path / "potwise.backup.tar.gz"
        taken = _cli(
            tmp_path,
            source_url,
            tmp_path / "source-data",
            "backup",
            "--to",
            str(backup_file),
            secret_key=secret_key,
            encryption_keys=key,
            vapid_private_key=vapid,
        )
        assert taken.returncode == 0, taken.stderr
        assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
        assert "keep it like a password" in taken.stdout

        # Restored where the keys live under the data directory (development).
        migrate.upgrade(target)  # an empty migrated schema counts as empty
        data_dir = tmp_path / "target-data"
        restored = _cli(tmp_path, target_url, data_dir, "restore", str(backup_file))
        assert restored.returncode == 0, restored.stderr
        assert (data_dir / "secret_key").read_text().strip() == secret_key
        assert (data_dir / "encryption_keys").read_text().strip() == key
        assert stat.S_IMODE((data_dir / "encryption_keys").stat().st_mode) == 0o600
        for output in (taken.stdout, taken.stderr, restored.stdout, restored.stderr):
            assert not [secret for secret in secrets if secret in output]

        # The restored instance: the password signs in, the token decrypts, a sync works.
        again = product(
            tmp_path / "b", target_url, target, sandbox, encryption_keys=key, secret_key=secret_key
        )
        browser = TestClient(again, base_url=PUBLIC_URL)
        login = browser.post("/api/v1/auth/login", json={"email": EMAIL, "password": GOOD_PASSWORD})
        assert login.status_code == 200, login.text
        connection_id = browser.get("/api/v1/connections").json()["items"][0]["id"]
        synced = browser.post(f"/api/v1/connections/{connection_id}/sync")
        assert synced.json()["status"] == "succeeded", synced.text

        # A second restore meets rows: refused in one line, and nothing changes.
        with make_session_factory(target)() as db:
            users = db.scalar(select(func.count()).select_from(User))
        keys_before = (data_dir / "encryption_keys").read_text()
        refused = _cli(tmp_path, target_url, data_dir, "restore", str(backup_file))
        assert refused.returncode == 1
        assert refused.stderr.count("\n") == 1
        assert "is not empty" in refused.stderr
        assert "restore onto an empty database only" in refused.stderr
        with make_session_factory(target)() as db:
            assert db.scalar(select(func.count()).select_from(User)) == users
        assert (data_dir / "encryption_keys").read_text() == keys_before
    source.dispose()
    target.dispose()


def test_in_production_keys_that_differ_stop_the_restore_until_the_shown_ones_are_set(
    tmp_path: Path,
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    engine = make_engine(source_url)
    migrate.upgrade(engine)
    engine.dispose()
    created = subprocess.run(  # the password on standard input, as an operator would
        [sys.executable, "-m", "potwise.cli", "user", "create", EMAIL, "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")},
            "POTWISE_DATABASE_URL": source_url,
            "POTWISE_DATA_DIR": str(tmp_path / "dev"),
        },
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    taken = _cli(tmp_path, source_url, tmp_path / "dev", "backup")  # development's own keys
    assert taken.returncode == 0, taken.stderr
    (backup_file,) = tmp_path.glob("potwise-backup-*.tar.gz")
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    kept = {name: (tmp_path / "dev" / name).read_text().strip() for name in ("secret_key",)}

    target_url = f"sqlite:///{tmp_path / 'production.db'}"
    prod = tmp_path / "prod"
    other = {
        "env": "production",
        "secret_key": "prod-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "encryption_keys": Fernet.generate_key().decode(),
    }
    refused = _cli(tmp_path, target_url, prod, "restore", str(backup_file), **other)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert "POTWISE_SECRET_KEY, POTWISE_ENCRYPTION_KEYS, POTWISE_VAPID_PRIVATE_KEY" in (
        refused.stderr
    )
    assert kept["secret_key"] not in refused.stdout + refused.stderr

    # --show-keys needs no settings at all, and prints each key as a setting.
    shown = _cli(tmp_path, target_url, prod, "restore", str(backup_file), "--show-keys")
    assert shown.returncode == 0, shown.stderr
    given = dict(line.split("=", 1) for line in shown.stdout.splitlines())
    assert given["POTWISE_SECRET_KEY"] == kept["secret_key"]
    settings = {name.removeprefix("POTWISE_").lower(): value for name, value in given.items()}
    settings |= {"env": "production", "vapid_subject": "mailto:ops@example.org"}
    restored = _cli(tmp_path, target_url, prod, "restore", str(backup_file), **settings)
    assert restored.returncode == 0, restored.stderr
    assert "the environment's keys match the backup's" in restored.stdout
    assert not (prod / "secret_key").exists()
    for value in given.values():
        assert value not in restored.stdout + restored.stderr
    engine = make_engine(target_url)
    with make_session_factory(engine)() as db:
        assert db.scalar(select(User.email)) == EMAIL
    engine.dispose()
