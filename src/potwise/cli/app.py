"""The root `potwise` command, its consoles, and the one failure a command raises."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="potwise",
    help="potwise: a self-hosted money autopilot for Monzo and Open Banking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err = Console(stderr=True)


class Failure(Exception):
    """A one-line reason to stop with exit code 1."""
