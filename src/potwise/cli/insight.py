"""`potwise insight`: classifying transactions again, from scratch."""

from __future__ import annotations

from typing import Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import Failure, console

insight_app = typer.Typer(
    help="Spending insight: what each transaction is (spending, income, internal movement) "
    "and its category.",
    short_help="Spending insight: what each transaction is, and its category.",
    no_args_is_help=True,
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

    settings = startup.load()
    startup.migrate(settings)
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
