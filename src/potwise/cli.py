"""The `potwise` command line. Exit codes: 0 ok, 1 failure (one line on stderr), 2 usage."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import typer
from rich.console import Console

from potwise.domain.errors import DomainError
from potwise.logs import configure_logging
from potwise.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    name="potwise",
    help="potwise: a self-hosted money autopilot for Monzo and Open Banking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")

console = Console()
err = Console(stderr=True)

DEMO_EMAIL = "demo@potwise.local"
DEMO_PASSWORD = "demo-potwise-pounds"  # noqa: S105 - a local demo login, printed on purpose


class Failure(Exception):
    """A one-line reason to stop with exit code 1."""


def _settings(**overrides: object) -> Settings:
    settings = load_settings(**overrides)
    configure_logging(production=settings.is_production, level=settings.log_level)
    return settings


def _migrate(settings: Settings) -> None:
    from potwise.db import migrate
    from potwise.db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def _run_web(settings: Settings, host: str, port: int, *, with_scheduler: bool) -> None:
    import uvicorn

    from potwise.jobs.scheduler import build_scheduler
    from potwise.web.app import create_app

    web = create_app(settings)
    scheduler = (
        build_scheduler(settings, web.state.session_factory, blocking=False)
        if with_scheduler
        else None
    )
    if scheduler is not None:
        scheduler.start()
    try:
        uvicorn.run(web, host=host, port=port, log_config=None, access_log=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Apply migrations, then run the web app and the scheduler."""
    settings = _settings()
    _migrate(settings)
    _run_web(settings, host, port, with_scheduler=True)


@app.command()
def worker() -> None:
    """Run the scheduled jobs only (for deployments with separate web processes)."""
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.jobs.scheduler import build_scheduler

    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    scheduler = build_scheduler(settings, make_session_factory(engine), blocking=True)
    console.print("potwise worker running; Ctrl+C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the web app.")] = 8000,
) -> None:
    """Migrate a local SQLite database, create the demo login and start the app."""
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.services import auth

    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as db:
        try:
            auth.create_user(db, email=DEMO_EMAIL, password=DEMO_PASSWORD)
        except DomainError as exc:
            if exc.code != "conflict":
                raise
    engine.dispose()
    url = f"http://127.0.0.1:{port}"
    console.print(f"\n[bold]potwise demo[/bold] is starting at [link={url}]{url}[/link]")
    console.print(
        f"  sign in as [bold]{DEMO_EMAIL}[/bold] with password [bold]{DEMO_PASSWORD}[/bold]"
    )
    console.print(f"  API docs at {url}/api/docs\n")
    _run_web(settings, "127.0.0.1", port, with_scheduler=True)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the generated households.")] = 1,
    years: Annotated[int, typer.Option(min=1, max=20, help="Years of history.")] = 1,
    users: Annotated[int, typer.Option(min=1, help="Households to create.")] = 1,
) -> None:
    """Run the bank sandbox alone: Monzo and TrueLayer simulators with a control page."""
    from potwise.sandbox.server import serve as serve_sandbox

    configure_logging(production=False)
    console.print(
        f"bank sandbox at http://{host}:{port}/_sandbox "
        f"(Monzo: /monzo/auth, /monzo/api; TrueLayer: /truelayer/auth, /truelayer/api)"
    )
    serve_sandbox(host=host, port=port, seed=seed, years=years, users=users)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending database migrations."""
    from potwise.db import migrate
    from potwise.db.engine import make_engine

    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        console.print(f"database at revision {migrate.current_revision(engine)}")
    finally:
        engine.dispose()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The new user's e-mail address.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (works even when registration is closed)."""
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.services import auth, passwords

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    passwords.check_policy(password, email=email)
    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            user = auth.create_user(db, email=email, password=password)
    finally:
        engine.dispose()
    console.print(f"created user {user.email}")


def main() -> None:
    """Entry point: expected failures become one line on stderr and exit code 1."""
    try:
        app()
    except (SettingsError, DomainError, Failure) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        err.print(f"potwise: {message}", markup=False, highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
