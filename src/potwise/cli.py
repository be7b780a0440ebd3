"""The `potwise` command line. Exit codes: 0 ok, 1 failure (one line on stderr), 2 usage."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from potwise.banks.errors import BankError
from potwise.demo import DemoError
from potwise.domain.errors import DomainError
from potwise.logs import configure_logging
from potwise.runtime import settle_heap
from potwise.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from potwise.services.connections import ConnectionsContext

app = typer.Typer(
    name="potwise",
    help="potwise: a self-hosted money autopilot for Monzo and Open Banking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)
automations_app = typer.Typer(help="Money-moving rules.", no_args_is_help=True)
insight_app = typer.Typer(
    help="Spending insight: what each transaction is (spending, income, internal movement) "
    "and its category.",
    no_args_is_help=True,
)
app.add_typer(automations_app, name="automations")
app.add_typer(insight_app, name="insight")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")

console = Console()
err = Console(stderr=True)


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


def _context(settings: Settings) -> ConnectionsContext:
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.services.connections import build_context

    return build_context(settings, make_session_factory(make_engine(settings.database_url)))


def _run_web(settings: Settings, host: str, port: int, *, with_scheduler: bool) -> None:
    import uvicorn

    from potwise.jobs.scheduler import build_scheduler
    from potwise.services.automations import executor
    from potwise.web.app import create_app

    web = create_app(settings)
    # Money moves left open by a crash or a lost answer are finished first, exactly once.
    executor.reconcile(web.state.connections)
    scheduler = build_scheduler(web.state.connections, blocking=False) if with_scheduler else None
    settle_heap()
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
    from potwise.jobs.scheduler import build_scheduler
    from potwise.jobs.wiring import worker_context
    from potwise.services.automations import executor

    settings = _settings()
    _migrate(settings)
    ctx = worker_context(settings)
    executor.reconcile(ctx)
    scheduler = build_scheduler(ctx, blocking=True)
    settle_heap()
    console.print("potwise worker running; Ctrl+C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the web app.")] = 8000,
    sandbox_port: Annotated[int, typer.Option(help="Port for the bank sandbox.")] = 8765,
    years: Annotated[int, typer.Option(min=1, max=10, help="Years of sandbox history.")] = 1,
) -> None:
    """Run the bank sandbox and the app together, with a demo user connected to sandbox
    Monzo, American Express and Barclaycard through the real OAuth flows."""
    import threading

    from potwise import demo as demo_setup
    from potwise.jobs.scheduler import build_scheduler
    from potwise.sandbox.app import create_sandbox_app
    from potwise.web.app import create_app

    for taken in (port, sandbox_port):
        if not demo_setup.port_is_free(taken):
            raise Failure(f"port {taken} is in use; pick another with --port / --sandbox-port")
    settings = demo_setup.demo_settings(_settings(), port=port, sandbox_port=sandbox_port)
    _migrate(settings)
    console.print(f"starting the bank sandbox ({years} year(s) of history) and the app...")
    sandbox_server = demo_setup.start_server(create_sandbox_app(years=years), sandbox_port)
    web = create_app(settings)
    web_server = demo_setup.start_server(web, port)
    app_url = f"http://127.0.0.1:{port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    try:
        demo_setup.prepare(settings, web.state.session_factory, web.state.connections)
        console.print("connecting Monzo, American Express and Barclaycard (real OAuth flows)...")
        connected, rule = demo_setup.connect_everything(app_url, sandbox_url)
    except (demo_setup.DemoError, DomainError):
        web_server.stop()
        sandbox_server.stop()
        raise
    scheduler = build_scheduler(web.state.connections, blocking=False)
    scheduler.start()
    console.print(f"\n[bold]potwise demo[/bold] is running at [link={app_url}]{app_url}[/link]")
    console.print(
        f"  sign in as [bold]{demo_setup.DEMO_EMAIL}[/bold] "
        f"with password [bold]{demo_setup.DEMO_PASSWORD}[/bold]"
    )
    console.print(f"  connected: {', '.join(c['display_name'] for c in connected)}")
    if rule is not None:
        console.print(f"  credit-card pot rule: {rule['first_run']['explanation']}")
    console.print(f"  bank sandbox control page: {sandbox_url}/_sandbox")
    console.print(f"  API docs: {app_url}/api/docs")
    console.print("  press Ctrl+C to stop\n")
    stop = threading.Event()
    try:
        while web_server.thread.is_alive() and not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        web_server.stop()
        sandbox_server.stop()


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


@app.command()
def sync(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's connections (e-mail).")
    ] = None,
) -> None:
    """Sync every connection now, with progress and a summary."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table
    from sqlalchemy import select

    from potwise.db.models import Connection, SyncRun, User
    from potwise.services.cashflow import alignment as commitment_alignment
    from potwise.services.insight import budgets
    from potwise.services.sync import engine

    settings = _settings()
    _migrate(settings)
    ctx = _context(settings)
    # Budget alerts due after these syncs go out now, as after any other sync.
    budgets.install(ctx.events, ctx.session_factory, fallback_timezone=settings.timezone)
    # The commitments detection finds are stored after these syncs, as after any other.
    commitment_alignment.install(
        ctx.events, ctx.session_factory, fallback_timezone=settings.timezone
    )
    settle_heap()
    with ctx.session_factory() as db:
        statement = select(Connection.id, Connection.display_name, User.email).join(
            User, User.id == Connection.user_id
        )
        if user is not None:
            owner = db.scalar(select(User.id).where(User.email == user.strip().lower()))
            if owner is None:
                raise Failure(f"no user {user}")
            statement = statement.where(Connection.user_id == owner)
        rows = db.execute(statement.order_by(User.email, Connection.created_at)).all()
    names = {cid: (name, email) for cid, name, email in rows}
    due = [cid for cid in engine.due_connection_ids(ctx) if cid in names]
    if not due:
        console.print("No connections to sync.")
        return
    results: list[SyncRun] = []
    with Progress(
        TextColumn("syncing"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("sync", total=len(due))

        def done(run: SyncRun) -> None:
            results.append(run)
            progress.advance(task)

        engine.sync_many(ctx, due, trigger="cli", on_done=done)
    table = Table(title="Sync summary")
    for column in ("user", "connection", "status", "transactions", "api calls", "errors"):
        table.add_column(column)
    for run in sorted(results, key=lambda r: names[r.connection_id]):
        name, email = names[run.connection_id]
        table.add_row(
            email,
            name,
            run.status,
            str(run.counts.get("transactions", 0)),
            str(run.api_calls),
            "; ".join(e["message"] for e in run.errors)[:80],
        )
    console.print(table)
    failed = [r for r in results if r.status == "failed"]
    if failed or len(results) < len(due):
        raise Failure(f"{len(failed) or len(due) - len(results)} of {len(due)} syncs failed")


@automations_app.command("list")
def automations_list() -> None:
    """Show every rule with its status and last run."""
    from rich.table import Table
    from sqlalchemy import select

    from potwise.db.models import Automation, User
    from potwise.services.automations import pause

    settings = _settings()
    _migrate(settings)
    ctx = _context(settings)
    with ctx.session_factory() as db:
        rows = db.execute(
            select(Automation, User.email)
            .join(User, User.id == Automation.user_id)
            .order_by(User.email, Automation.created_at)
        ).all()
        paused = pause.globally_paused(db)
    if paused:
        console.print("[bold]All automations are paused on this server.[/bold]")
    table = Table(title="Automations")
    for column in ("id", "user", "kind", "name", "enabled", "status", "last run"):
        table.add_column(column)
    for rule, email in rows:
        table.add_row(
            rule.id,
            email,
            rule.kind,
            rule.name,
            "yes" if rule.enabled else "no",
            rule.status + (f" ({rule.status_reason})" if rule.status_reason else ""),
            rule.last_run_at.strftime("%Y-%m-%d %H:%M") if rule.last_run_at else "never",
        )
    console.print(table)


@automations_app.command("run")
def automations_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Explain what would move; move nothing.")
    ] = False,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule (its id).")] = None,
) -> None:
    """Run every enabled rule now (or one), and print what each decided and why."""
    from potwise.domain.money import Money
    from potwise.services.automations import executor, runner

    settings = _settings()
    _migrate(settings)
    ctx = _context(settings)
    if not dry_run:
        executor.reconcile(ctx)
    ids = [rule] if rule else runner.rules_touching(ctx)
    if not ids:
        console.print("No enabled rules.")
        return
    failed = 0
    for rule_id in ids:
        outcome = runner.run_rule(ctx, rule_id, trigger="cli", dry_run=dry_run)
        moved = ", ".join(f"{t.direction} {Money(t.amount, t.currency)}" for t in outcome.transfers)
        console.print(f"[bold]{rule_id}[/bold] {outcome.run.status}: {outcome.run.explanation}")
        if moved:
            console.print(f"  {'would move' if dry_run else 'moved'}: {moved}")
        failed += outcome.run.status == "failed"
    if failed:
        raise Failure(f"{failed} rule run(s) failed")


@automations_app.command("pause")
def automations_pause() -> None:
    """Stop every money move on this server at once (previews still work)."""
    from potwise.services.automations import pause

    settings = _settings()
    _migrate(settings)
    with _context(settings).session_factory() as db:
        pause.set_global_pause(db, True)
    console.print("All automations are paused. `potwise automations resume` starts them again.")


@automations_app.command("resume")
def automations_resume() -> None:
    """Let automations move money again after a pause."""
    from potwise.services.automations import pause

    settings = _settings()
    _migrate(settings)
    with _context(settings).session_factory() as db:
        pause.set_global_pause(db, False)
    console.print("Automations resumed.")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt stored tokens and secrets with the newest key (first in ENCRYPTION_KEYS)."""
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.services.keys import rotate_all
    from potwise.services.vault import Vault

    settings = _settings()
    _migrate(settings)
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


@insight_app.command("reclassify")
def insight_reclassify(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's transactions (e-mail).")
    ] = None,
) -> None:
    """Classify every transaction again, from scratch.

    Recognises pot moves, transfers between your own accounts and card
    repayments (pairing both halves), refunds and income, and chooses each
    category (your own choices and rules first). Your own overrides are kept.
    New transactions are classified after every sync anyway: this is for
    after an upgrade of the rules, or to check what changed.
    """
    from rich.table import Table
    from sqlalchemy import select

    from potwise.db.engine import make_engine, make_session_factory
    from potwise.db.models import User
    from potwise.services.insight import classify

    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            statement = select(User.id, User.email).order_by(User.email)
            if user is not None:
                statement = statement.where(User.email == user.strip().lower())
            users = db.execute(statement).all()
            if user is not None and not users:
                raise Failure(f"no user {user}")
            table = Table(title="Reclassified")
            for column in ("user", "transactions", "changed", "seconds"):
                table.add_column(column)
            for user_id, email in users:
                result = classify.reclassify_all(db, user_id)
                table.add_row(
                    email, str(result.examined), str(result.changed), f"{result.seconds:.2f}"
                )
    finally:
        engine.dispose()
    console.print(table)


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
    except (SettingsError, DomainError, Failure, DemoError, BankError) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        err.print(f"potwise: {message}", markup=False, highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
