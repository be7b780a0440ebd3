"""Whether a `potwise ...` command line written in a deployment file exists in the CLI."""

from __future__ import annotations

from typing import Any

import typer

import potwise.cli


def check(argv: list[str]) -> list[str]:
    """Problems with `argv` (["potwise", "serve", "--host", ...]): unknown commands or options."""
    assert argv[0] == "potwise", f"not a potwise command: {argv}"
    # Typer's commands and groups (groups have `commands`, by name).
    command: Any = typer.main.get_command(potwise.cli.app)
    path: list[str] = []
    words = argv[1:]
    while hasattr(command, "commands") and words and not words[0].startswith("-"):
        found = command.commands.get(words[0])
        if found is None:
            return [f"unknown command {' '.join([*path, words[0]])!r}"]
        path.append(words.pop(0))
        command = found
    if hasattr(command, "commands"):
        return [f"{' '.join(path)!r} needs a subcommand"]
    # a flag pair (`--scheduler/--no-scheduler`) keeps its second name apart
    known = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    return [
        f"unknown option {word!r} of {' '.join(path)!r}"
        for word in words
        if word.startswith("--") and word.split("=")[0] not in known
    ]
