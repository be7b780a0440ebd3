"""What a command does first: settings and logging, migrations, the context.

Everything, the settings included, is imported inside the functions, so
`potwise --help` stays quick.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO, cast

from potwise.cli.logstream import LOGS

if TYPE_CHECKING:
    from potwise.services.context import ConnectionsContext
    from potwise.settings import Settings


def load(*, demo: bool = True, **overrides: object) -> Settings:
    """The settings (from the environment), with logging and the clock set up to match.

    With `demo`, a running `potwise demo`'s file (`.potwise/demo.env`) is read beneath
    the environment and `.env`, so a second terminal's commands use that demo."""
    from potwise.logs import configure_logging
    from potwise.settings import load_settings

    settings = load_settings(**overrides)
    if demo and "_env_file" not in overrides:
        settings = _with_running_demo(settings, overrides)
    # A text stream in all but name: io.TextIOBase is not typing.TextIO to a type checker.
    stream = cast("TextIO", LOGS)
    configure_logging(production=settings.is_production, level=settings.log_level, stream=stream)
    if settings.clock_url is not None:
        from potwise.bootstrap import install_clock

        install_clock(settings)
    return settings


_said: list[str] = []


def _say_once(message: str) -> None:
    if not _said:
        _said.append(message)
        sys.stderr.write(f"potwise: {message}\n")


def _with_running_demo(settings: Settings, overrides: dict[str, object]) -> Settings:
    """The settings with the running demo's file beneath the environment and `.env`."""
    from potwise import demo_env
    from potwise.settings import load_settings

    found = demo_env.read(settings.data_dir)
    if found is None:
        return settings
    if not found.running:
        _say_once(f"ignoring {found.path}: the demo that wrote it is no longer running")
        return settings
    _say_once(
        f"using the demo running at {found.public_url or 'this directory'} "
        f"(settings from {found.path}; the environment and .env come first)"
    )
    return load_settings(_env_file=(found.path, ".env"), **overrides)


def migrate(settings: Settings) -> None:
    """Apply pending migrations (every command that touches the database does first)."""
    from potwise.db import migrate as migrations
    from potwise.db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()


def context(settings: Settings) -> ConnectionsContext:
    """The context every service is handed, on the settings' database, with the same
    work after a sync as the web app and the worker (run inline here)."""
    from potwise.bootstrap import bootstrap

    return bootstrap(settings)
