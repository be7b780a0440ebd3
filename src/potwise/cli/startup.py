"""What a command does first: settings and logging, migrations, the context.

Everything heavier than the settings is imported inside the functions, so
`potwise --help` stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from potwise.logs import configure_logging
from potwise.settings import Settings, load_settings

if TYPE_CHECKING:
    from potwise.services.context import ConnectionsContext


def load(**overrides: object) -> Settings:
    """The settings (from the environment), with logging and the clock set up to match."""
    settings = load_settings(**overrides)
    configure_logging(production=settings.is_production, level=settings.log_level)
    if settings.clock_url is not None:
        from potwise.bootstrap import install_clock

        install_clock(settings)
    return settings


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
