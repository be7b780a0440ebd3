"""`potwise db`: database tasks."""

from __future__ import annotations

import typer

from potwise.cli import startup
from potwise.cli.app import console

db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending database migrations."""
    from potwise.db import migrate
    from potwise.db.engine import make_engine

    settings = startup.load()
    startup.migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        console.print(f"database at revision {migrate.current_revision(engine)}")
    finally:
        engine.dispose()
