"""`potwise automations`: list, run, pause and resume the money-moving rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import Failure, console

if TYPE_CHECKING:
    from potwise.services.context import ConnectionsContext

automations_app = typer.Typer(help="Money-moving rules.", no_args_is_help=True)


@automations_app.command("list")
def automations_list() -> None:
    """Show every rule with its status and last run."""
    from rich.table import Table
    from sqlalchemy import select

    from potwise.db.models import Automation, User
    from potwise.services.automations import pause

    settings = startup.load()
    startup.migrate(settings)
    ctx = startup.context(settings)
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
        bool,
        typer.Option(
            "--dry-run",
            help="Say what each rule would do on the data as last synced; "
            "ask no bank, move and store nothing.",
        ),
    ] = False,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule (its id).")] = None,
) -> None:
    """Run every enabled rule now (or one), and print what each decided and why."""
    from potwise.domain.money import Money
    from potwise.services.automations import executor, runner

    settings = startup.load()
    startup.migrate(settings)
    ctx = startup.context(settings)
    if not dry_run:
        executor.reconcile(ctx)
    ids = [rule] if rule else runner.rules_touching(ctx)
    if not ids:
        console.print("No enabled rules.")
        return
    if dry_run:
        _dry_runs(ctx, ids)
        return
    failed = 0
    for rule_id in ids:
        outcome = runner.run_rule(ctx, rule_id, trigger="cli")
        moved = ", ".join(f"{t.direction} {Money(t.amount, t.currency)}" for t in outcome.transfers)
        console.print(f"[bold]{rule_id}[/bold] {outcome.run.status}: {outcome.run.explanation}")
        if moved:
            console.print(f"  moved: {moved}")
        failed += outcome.run.status == "failed"
    if failed:
        raise Failure(f"{failed} rule run(s) failed")


def _dry_runs(ctx: ConnectionsContext, ids: list[str]) -> None:
    """What each rule would do, on the mirror as it is: nothing is fetched or written."""
    from zoneinfo import ZoneInfo

    from potwise.domain.money import Money
    from potwise.services.automations.dry_run import dry_run

    console.print(
        "Dry run: decided on the data as last synced; nothing is fetched, stored or moved."
    )
    for rule_id in ids:
        would = dry_run(ctx, rule_id)
        console.print(f"[bold]{rule_id}[/bold] {would.status}: {would.explanation}")
        if would.data_as_of is not None:
            local = would.data_as_of.astimezone(ZoneInfo(would.timezone))
            console.print(f"  data as of {local:%Y-%m-%d %H:%M}")
        moves = ", ".join(f"{m.direction} {Money(m.amount, m.currency)}" for m in would.moves)
        console.print(f"  would move: {moves or 'nothing'}")


@automations_app.command("pause")
def automations_pause() -> None:
    """Stop every money move on this server at once (previews still work)."""
    from potwise.services.automations import pause

    settings = startup.load()
    startup.migrate(settings)
    with startup.context(settings).session_factory() as db:
        pause.set_global_pause(db, True)
    console.print("All automations are paused. `potwise automations resume` starts them again.")


@automations_app.command("resume")
def automations_resume() -> None:
    """Let automations move money again after a pause."""
    from potwise.services.automations import pause

    settings = startup.load()
    startup.migrate(settings)
    with startup.context(settings).session_factory() as db:
        pause.set_global_pause(db, False)
    console.print("Automations resumed.")
