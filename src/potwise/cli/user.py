"""`potwise user`: managing users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import console

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)


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
    settings = startup.load()
    startup.migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            user = auth.create_user(db, email=email, password=password)
    finally:
        engine.dispose()
    console.print(f"created user {user.email}")


@user_app.command("reset-2fa")
def user_reset_2fa(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
) -> None:
    """Turn off a user's two-factor authentication (a lost phone). Their next sign-in
    needs the password alone; they can set it up again in Settings."""
    from sqlalchemy import select

    from potwise.db.engine import make_engine, make_session_factory
    from potwise.db.models import User
    from potwise.services import account_mail, auth
    from potwise.services.errors import NotFound
    from potwise.services.twofactor import factor

    settings = startup.load()
    startup.migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            address = auth.normalise_email(email)
            user = db.scalars(select(User).where(User.email == address)).one_or_none()
            if user is None:
                raise NotFound(f"No user with the address {address}.")
            was_on = factor.operator_reset(db, user.id)
            if was_on:
                account_mail.tell(db, account_mail.mailer_for(settings), user, "two_factor_reset")
    finally:
        engine.dispose()
    if was_on:
        console.print(f"two-factor authentication turned off for {address}")
    else:
        console.print(f"{address} had no two-factor authentication; nothing changed")
