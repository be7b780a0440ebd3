"""`potwise backup` and `potwise restore`: one file with the database and the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import app, console


@app.command(short_help="Write one file with the database and the keys to come back with.")
def backup(
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="The file to write (default: potwise-backup-<UTC time>.tar.gz here).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Write the database and the keys that decrypt its tokens to one file (mode 0600).

    The app may keep running. The file holds the keys: keep it like a password."""
    from potwise import clock
    from potwise.services.backup import default_name, take_backup

    settings = startup.load()
    now = clock.wall()
    taken = take_backup(settings, to if to is not None else Path(default_name(now)), now=now)
    manifest = taken.manifest
    console.print(
        f"backup written to {taken.path} ({taken.size} bytes; {manifest.database} database at "
        f"revision {manifest.alembic_revision}); it holds the keys: keep it like a password",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command(short_help="Restore a backup onto an empty database, keys included.")
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `potwise backup`.")],
    show_keys: Annotated[
        bool,
        typer.Option(
            "--show-keys",
            help="Print the backup's keys as POTWISE_ settings and stop; restores nothing.",
        ),
    ] = False,
) -> None:
    """Restore a backup onto an empty database, then migrate it to this version.

    Keys kept under the data directory are written back; keys given in the environment
    must match the backup's, or nothing is restored (--show-keys prints the values)."""
    from potwise.services.backup import SETTING_NAMES, read_keys, restore_backup

    if show_keys:
        # No settings needed: production refuses to start without the keys this prints.
        for name, value in read_keys(file).values().items():
            # Never wrapped: a key cut in two is no key.
            console.print(
                f"{SETTING_NAMES[name]}={value}", markup=False, highlight=False, soft_wrap=True
            )
        return
    settings = startup.load()
    done = restore_backup(settings, file)
    keys = (
        f"keys written to {settings.data_dir}: {', '.join(done.keys_written)}"
        if done.keys_written
        else "the environment's keys match the backup's"
    )
    console.print(
        f"restored the {done.manifest.database} database taken {done.manifest.created_at} "
        f"(revision {done.manifest.alembic_revision}, now {done.revision}); {keys}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
