"""`potwise --help` and `--version` load the command line alone: the web app, the
database, the settings, the bank clients and the sandbox wait for a command that
uses them. Checked by what a fresh process has imported, not by a stopwatch."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

# Runs the real entry point, then lists what the process imported.
SCRIPT = """
import json, sys
from potwise.cli import main
sys.argv = ["potwise", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    # (Not pydantic itself: Typer parses a command's parameters with it.)
    "pydantic_settings",
    "httpx2",
    "cryptography",
    "holidays",
    "structlog",
    "potwise.web",
    "potwise.db",
    "potwise.services",
    "potwise.bootstrap",
    "potwise.banks",
    "potwise.sandbox",
    "potwise.jobs",
    "potwise.settings",
    "potwise.demo",
    "potwise.domain",
)


def _run(*args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(args)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return result, report


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("sync", "--help"),
        ("automations", "--help"),
        ("backup", "--help"),
        ("restore", "--help"),
    ],
)
def test_help_and_version_import_none_of_the_heavy_modules(args: tuple[str, ...]) -> None:
    _result, report = _run(*args)
    assert report["code"] == 0
    modules = report["modules"]
    assert isinstance(modules, list)
    loaded = sorted(
        name
        for name in modules
        if any(name == heavy or name.startswith(heavy + ".") for heavy in HEAVY)
    )
    assert loaded == []


def test_the_check_sees_the_heavy_modules_a_command_imports() -> None:
    """A command that does its work imports them, and the same check sees it: the
    test above can fail. (An empty password fails the policy before any database.)"""
    result, report = _run("user", "create", "eve@example.com", "--password-stdin")
    assert report["code"] == 1, result.stderr
    modules = report["modules"]
    assert isinstance(modules, list)
    assert "potwise.services" in modules


def test_version_prints_the_installed_version() -> None:
    result, report = _run("--version")
    assert report["code"] == 0
    assert result.stdout == f"potwise {version('potwise')}\n"


def test_help_is_plain_and_lists_every_command() -> None:
    result, report = _run("--help")
    assert report["code"] == 0
    assert "<bool>" not in result.stdout
    assert "--version" in result.stdout
    commands = ("serve", "worker", "demo", "sandbox", "sync", "automations", "db", "user")
    for command in (*commands, "backup", "restore"):
        assert f"\n  {command} " in result.stdout
    # No command's one-line help is cut short.
    commands = result.stdout.split("Commands:", 1)[1]
    assert "..." not in commands
