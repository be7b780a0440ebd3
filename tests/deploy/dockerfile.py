"""A small reader of the repository's Dockerfile: its stages, ARG defaults, ENV, RUN,
USER, VOLUME, CMD and HEALTHCHECK, so tests can replay the recipe instead of copying it."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    run: list[str] = field(default_factory=list)
    user: str | None = None
    volumes: list[str] = field(default_factory=list)
    expose: list[str] = field(default_factory=list)
    cmd: list[str] | None = None
    healthcheck: list[str] | None = None
    args: dict[str, str] = field(default_factory=dict)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        found.append((keyword.upper(), rest.strip()))
    return found


def _expand(value: str, variables: dict[str, str]) -> str:
    """${NAME} and $NAME from the build arguments; others (${PATH}) are left as they are."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return variables.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, value)


def _key_values(arguments: str, variables: dict[str, str]) -> dict[str, str]:
    pairs = {}
    for item in shlex.split(arguments):
        key, sep, value = item.partition("=")
        assert sep, f"ENV/ARG without '=': {item!r}"
        pairs[key] = _expand(value, variables)
    return pairs


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    """The stages in order, each with what the tests replay."""
    global_args: dict[str, str] = {}
    found: list[Stage] = []
    for keyword, arguments in instructions(path.read_text(encoding="utf-8")):
        stage = found[-1] if found else None
        variables = {**global_args, **(stage.args if stage else {})}
        if keyword == "ARG":
            name, _, default = arguments.partition("=")
            (stage.args if stage else global_args)[name] = _expand(default, variables)
        elif keyword == "FROM":
            base, _, name = _expand(arguments, global_args).partition(" AS ")
            found.append(Stage(name=name.strip(), base=base.strip()))
        elif stage is None:
            continue
        elif keyword == "ENV":
            stage.env.update(_key_values(arguments, {**variables, **stage.env}))
        elif keyword == "RUN":
            stage.run.append(_expand(arguments, variables))
        elif keyword == "USER":
            stage.user = _expand(arguments, variables)
        elif keyword == "VOLUME":
            stage.volumes.extend(shlex.split(arguments))
        elif keyword == "EXPOSE":
            stage.expose.extend(arguments.split())
        elif keyword == "CMD":
            stage.cmd = json.loads(arguments)
        elif keyword == "HEALTHCHECK":
            _, _, command = arguments.partition("CMD ")
            stage.healthcheck = json.loads(command)
    return found
