"""Operator help for what usually goes by e-mail: `potwise user verify`, `invite` and
`reset-link` (links are printed, for servers that send no mail), and
`potwise mail outbox` (what was sent, what waits, what failed and why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from potwise.cli import startup
from potwise.cli.app import console
from potwise.cli.user import user_app

mail_app = typer.Typer(help="Outgoing e-mail.", no_args_is_help=True)

T = TypeVar("T")


def _with_db(work: Callable[..., T]) -> T:
    from potwise.db.engine import make_engine, make_session_factory
    from potwise.services.account_mail import mailer_for

    settings = startup.load()
    startup.migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            return work(db, mailer_for(settings))
    finally:
        engine.dispose()


@user_app.command("verify")
def user_verify(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
) -> None:
    """Confirm a user's e-mail address (rules that move money wait for it)."""
    from potwise.services import verification

    user = _with_db(lambda db, _: verification.operator_verify(db, email))
    console.print(f"confirmed the address of {user.email}")


@user_app.command("invite")
def user_invite(
    email: Annotated[
        str | None, typer.Option("--email", help="Also send the invitation to this address.")
    ] = None,
) -> None:
    """Print a single-use invitation link (7 days), for POTWISE_REGISTRATION=invite."""
    from potwise.services import registration

    link = _with_db(lambda db, mailer: registration.invite(db, mailer, email=email))
    typer.echo(link)


@user_app.command("reset-link")
def user_reset_link(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
) -> None:
    """Print a single-use link (30 minutes) for the user to choose a new password."""
    from potwise.services import password_reset

    typer.echo(_with_db(lambda db, mailer: password_reset.operator_link(db, mailer, email)))


@mail_app.command("outbox")
def mail_outbox(
    failed: Annotated[bool, typer.Option("--failed", help="Only messages that failed.")] = False,
) -> None:
    """The newest messages: sent, waiting (with the next try) or failed (with why)."""
    from potwise.services.mail import outbox

    def rows(db: object, _: object) -> list[str]:
        found = outbox.recent(db, status="failed" if failed else None)  # type: ignore[arg-type]
        return [
            f"{m.created_at:%Y-%m-%d %H:%M:%S} {m.status:<6} {m.kind:<18} {m.to_address} "
            f"attempts={m.attempts}"
            + (f" next={m.next_attempt_at:%H:%M:%S}" if m.status == "queued" else "")
            + (f" error={m.last_error}" if m.last_error else "")
            for m in found
        ]

    lines = _with_db(rows)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    if not lines:
        console.print("no messages")
