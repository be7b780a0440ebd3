"""The `potwise` command line. Exit codes: 0 ok, 1 failure (one line on stderr), 2 usage.

One module per command group: `servers` (serve, worker, demo, sandbox), `sync`,
`automations`, `insight`, `db`, `user`, `keys`; `startup` is what each command
does first. Commands import what they need inside, so `potwise --help` stays quick.
"""

from __future__ import annotations

from potwise.banks.errors import BankError
from potwise.cli import automations, db, insight, keys, servers, sync, user, user_mail
from potwise.cli.app import Failure, app, err
from potwise.clock import ClockError
from potwise.demo import DemoError
from potwise.domain.errors import DomainError
from potwise.settings import SettingsError

__all__ = ["Failure", "app", "main", "servers", "sync"]

app.add_typer(automations.automations_app, name="automations")
app.add_typer(insight.insight_app, name="insight")
app.add_typer(db.db_app, name="db")
app.add_typer(user.user_app, name="user")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(user_mail.mail_app, name="mail")


def main() -> None:
    """Entry point: expected failures become one line on stderr and exit code 1."""
    try:
        app()
    except (SettingsError, ClockError, DomainError, Failure, DemoError, BankError) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        err.print(f"potwise: {message}", markup=False, highlight=False)
        raise SystemExit(1) from None
