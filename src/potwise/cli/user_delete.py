"""`potwise user delete`: an operator's way to erase a user, banks told first."""

from __future__ import annotations

from typing import Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import console, err
from potwise.cli.user import user_app


@user_app.command("delete")
def user_delete(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
) -> None:
    """Revoke at every bank, then erase everything the user owns. A move in flight is
    settled first; while Monzo cannot confirm it, nothing is erased (exit 1)."""
    from potwise.services import account_mail, leaving

    settings = startup.load()
    startup.migrate(settings)
    ctx = startup.context(settings)
    user_id = leaving.user_id_for(ctx, email)
    plan = leaving.plan(ctx, user_id)
    banks = ", ".join(plan.banks) or "none"
    console.print(f"{plan.email}: every rule paused, banks told ({banks}), every row erased.")
    if not yes:
        typer.confirm("Delete this user and everything they own?", abort=True)
    left = leaving.leave(ctx, account_mail.mailer_for(settings), user_id)
    rows = sum(left.erased.values())
    console.print(f"deleted {plan.email}: {rows} rows erased (reference {left.reference})")
    if left.revoke_by_hand:
        err.print(
            "could not reach "
            + ", ".join(left.revoke_by_hand)
            + ": potwise forgot its keys; the user should revoke its access there by hand"
        )
