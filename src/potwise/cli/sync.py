"""`potwise sync`: every connection synced now, with progress and a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import Failure, app, console, err
from potwise.cli.logstream import LOGS
from potwise.runtime import settle_heap

if TYPE_CHECKING:
    from rich.table import Table

    from potwise.db.models import SyncRun
    from potwise.services.context import ConnectionsContext

#: Each connection's (display name, owner's e-mail), by connection id.
Names = dict[str, tuple[str, str]]


@app.command()
def sync(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's connections (e-mail).")
    ] = None,
) -> None:
    """Sync every connection now, with progress and a summary."""
    from potwise.services.sync import schedule

    settings = startup.load()
    startup.migrate(settings)
    # What follows each sync (classification, rules, alerts, bills) runs as it does
    # after the web app's and the worker's syncs.
    ctx = startup.context(settings)
    settle_heap()
    names = _connection_names(ctx, user)
    due = [cid for cid in schedule.due_connection_ids(ctx) if cid in names]
    if not due:
        console.print("No connections to sync.")
        return
    results = _sync_with_progress(ctx, due)
    # The summary goes to standard output once the progress bar (on standard error) is
    # done; log lines wait until it is printed, so none lands inside the table.
    with LOGS.held():
        _print_summary(results, names)
    failed = [r for r in results if r.status == "failed"]
    if failed or len(results) < len(due):
        raise Failure(f"{len(failed) or len(due) - len(results)} of {len(due)} syncs failed")


def _connection_names(ctx: ConnectionsContext, user: str | None) -> Names:
    """Every connection (only `user`'s when given), with its name and owner."""
    from sqlalchemy import select

    from potwise.db.models import Connection, User

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
    return {cid: (name, email) for cid, name, email in rows}


def _sync_with_progress(ctx: ConnectionsContext, due: list[str]) -> list[SyncRun]:
    """Sync `due` side by side, a progress bar advancing as each finishes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from potwise.services.sync import engine

    results: list[SyncRun] = []
    # On standard error, beside the log lines it prints above itself (see `LOGS`);
    # standard output keeps the summary alone.
    with Progress(
        TextColumn("syncing"), BarColumn(), MofNCompleteColumn(), console=err
    ) as progress:
        task = progress.add_task("sync", total=len(due))

        def done(run: SyncRun) -> None:
            results.append(run)
            progress.advance(task)

        engine.sync_many(ctx, due, trigger="cli", on_done=done)
    return results


def _print_summary(results: list[SyncRun], names: Names) -> None:
    """The table, then every error in full below it: a table cell would cut or fold it."""
    table, errors = _summary(results, names)
    console.print(table)
    if errors:
        console.print("Errors:", style="bold")
    for where, message in errors:
        # Not wrapped by Rich: the terminal folds a long line and a pipe gets it whole.
        console.print(f"  {where}: {message}", markup=False, highlight=False, soft_wrap=True)


def _summary(results: list[SyncRun], names: Names) -> tuple[Table, list[tuple[str, str]]]:
    """The summary table, and each run's errors as (which connection, message)."""
    from rich.table import Table

    table = Table(title="Sync summary")
    for column in ("user", "connection", "status", "transactions", "api calls", "errors"):
        table.add_column(column)
    errors: list[tuple[str, str]] = []
    for run in sorted(results, key=lambda r: names[r.connection_id]):
        name, email = names[run.connection_id]
        table.add_row(
            email,
            name,
            run.status,
            str(run.counts.get("transactions", 0)),
            str(run.api_calls),
            str(len(run.errors)) if run.errors else "",
        )
        errors.extend((f"{email} / {name}", str(e["message"])) for e in run.errors)
    return table, errors
