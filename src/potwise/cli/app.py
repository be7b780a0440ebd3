"""The root `potwise` command, its consoles, and the one failure a command raises."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="potwise",
    help="potwise: a self-hosted money autopilot for Monzo and Open Banking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: Typer's Rich panels label every flag `<bool>` (even --help).
    rich_markup_mode=None,
)

console = Console()
err = Console(stderr=True)


class Failure(Exception):
    """A one-line reason to stop with exit code 1."""


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        console.print(f"potwise {version('potwise')}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
            expose_value=False,
        ),
    ] = False,
) -> None:
    """potwise: a self-hosted money autopilot for Monzo and Open Banking."""
