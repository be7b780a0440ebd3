"""`potwise sync` and `potwise keys rotate` against a real database and the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Connection
from potwise.services.vault import Vault
from tests.support.harness import connect, product, running_sandbox, signed_in


def _cli(
    tmp_path: Path, url: str, keys: str, *args: str, sandbox_url: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update(
        {
            "POTWISE_DATABASE_URL": url,
            "POTWISE_DATA_DIR": str(tmp_path / "cli-data"),
            "POTWISE_SECRET_KEY": "cli-" + "q" * 40,
            "POTWISE_ENCRYPTION_KEYS": keys,
            "POTWISE_MONZO_API_URL": f"{sandbox_url}/monzo/api",
            "POTWISE_MONZO_AUTH_URL": f"{sandbox_url}/monzo/auth",
            "POTWISE_TRUELAYER_API_URL": f"{sandbox_url}/truelayer/api",
            "POTWISE_TRUELAYER_AUTH_URL": f"{sandbox_url}/truelayer/auth",
            "POTWISE_MONZO_CLIENT_ID": "potwise-sandbox",
            "POTWISE_MONZO_CLIENT_SECRET": "sandbox-secret",
            "POTWISE_TRUELAYER_CLIENT_ID": "potwise-sandbox",
            "POTWISE_TRUELAYER_CLIENT_SECRET": "sandbox-secret",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "potwise.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_sync_command_syncs_every_connection_and_keys_rotate_re_encrypts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    old_key = Fernet.generate_key().decode()
    engine = make_engine(url)
    with running_sandbox() as sandbox:
        from potwise.db import migrate

        migrate.upgrade(engine)
        app = product(
            tmp_path, url, engine, sandbox, encryption_keys=old_key, secret_key="cli-" + "q" * 40
        )
        client = signed_in(app)
        assert (
            connect(client, sandbox, "truelayer", sandbox_provider="uk-ob-barclaycard").status_code
            == 303
        )

        synced = _cli(tmp_path, url, old_key, "sync", sandbox_url=sandbox.url)
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert "Sync summary" in synced.stdout
        assert "succeeded" in synced.stdout

        new_key = Fernet.generate_key().decode()
        rotated = _cli(
            tmp_path, url, f"{new_key},{old_key}", "keys", "rotate", sandbox_url=sandbox.url
        )
        assert rotated.returncode == 0, rotated.stderr
        assert "re-encrypted" in rotated.stdout
        with make_session_factory(engine)() as db:
            connection = db.scalars(select(Connection)).one()
            assert connection.access_token_enc is not None
            Vault([new_key]).decrypt(connection.access_token_enc)  # readable with the new key alone

        # Only the new key from now on: the product still syncs.
        again = _cli(tmp_path, url, new_key, "sync", sandbox_url=sandbox.url)
        assert again.returncode == 0, again.stdout + again.stderr

        nobody = _cli(
            tmp_path, url, new_key, "sync", "--user", "nobody@example.com", sandbox_url=sandbox.url
        )
        assert nobody.returncode == 1
        assert "no user" in nobody.stderr
    engine.dispose()
