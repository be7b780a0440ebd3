"""The `potwise` command line. Exit codes: 0 ok, 1 failure (one line on stderr), 2 usage.

One module per command group: `servers` (serve, worker, demo, sandbox), `sync`,
`automations`, `insight`, `db`, `user`, `keys`, `backup` (backup, restore); `startup`
is what each command does first. Start-up stays quick: this package and the command
modules import only Typer and Rich's console at the top; the settings, the database,
the web app, the bank clients and the sandbox are imported inside the commands that
use them (tests/unit/cli/test_startup_imports.py checks `potwise --help` loads none of them).
"""

from __future__ import annotations

from potwise.cli import (
    automations,
    backup,
    db,
    insight,
    keys,
    servers,
    sync,
    user,
    user_delete,
    user_mail,
)
from potwise.cli.app import Failure, app, err

__all__ = ["Failure", "app", "backup", "main", "servers", "sync", "user_delete"]

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
    except Exception as exc:
        reason = _expected_failure(exc)
        if reason is None:
            raise
        err.print(f"potwise: {reason}", markup=False, highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


def _expected_failure(exc: Exception) -> str | None:
    """The one-line reason of a failure a command may meet, or None for a bug.

    The error types are imported here, once something has failed: a command that
    raised one of them has imported its module already."""
    from potwise.banks.errors import BankError
    from potwise.clock import ClockError
    from potwise.demo import DemoError
    from potwise.domain.errors import DomainError
    from potwise.settings import SettingsError

    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, SettingsError | ClockError | Failure | DemoError | BankError):
        return str(exc)
    return None
