"""`potwise keys`: the encryption keys of stored tokens and secrets."""

from __future__ import annotations

import typer

from potwise.cli import startup
from potwise.cli.app import console

keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt stored tokens and secrets with the newest key (first in ENCRYPTION_KEYS)."""
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.services.keys import rotate_all
    from potwise.services.vault import Vault

    settings = startup.load()
    startup.migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            count = rotate_all(db, Vault(settings.fernet_keys()))
    finally:
        engine.dispose()
    console.print(
        f"re-encrypted {count} secret(s) with the newest key; "
        "older keys can now be removed from POTWISE_ENCRYPTION_KEYS"
    )
