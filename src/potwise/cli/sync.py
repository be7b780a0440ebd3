"""`potwise sync`: every connection synced now, with progress and a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import Failure, app, console
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
    console.print(_summary(results, names))
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
    with Progress(
        TextColumn("syncing"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("sync", total=len(due))

        def done(run: SyncRun) -> None:
            results.append(run)
            progress.advance(task)

        engine.sync_many(ctx, due, trigger="cli", on_done=done)
    return results


def _summary(results: list[SyncRun], names: Names) -> Table:
    from rich.table import Table

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
    return table
