"""The README's deployment and operations sections, line by line, as far as this
machine allows: every command line names a command, option, file or object that
exists; the restore check runs exactly as written (paths and port aside) and the
restored instance signs its user in. What needs a container daemon or a cluster is
checked against the files it would read (see `_KNOWN`)."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
import yaml

from tests.deploy import commands
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
KUBERNETES = ROOT / "deploy" / "kubernetes"
#: The README's `potwise` is the one installed beside this Python.
POTWISE = str(Path(sys.executable).parent / "potwise")
BASH = shutil.which("bash") or "/bin/bash"
#: The README's sections an operator follows, from "Deploying" to the end of the
#: operations and configuration parts that give commands.
SECTIONS = ("## Deploying", "## Operations: backups", "## Configuration")


def _section(title: str) -> str:
    start = README.index(f"\n{title}\n")
    following = README.find("\n## ", start + len(title) + 2)
    return README[start : following if following != -1 else len(README)]


def _shell_lines() -> list[str]:
    """Every command line of the sections' `sh` blocks: continuations joined, comments
    and leading `NAME=value` assignments dropped."""
    lines: list[str] = []
    for title in SECTIONS:
        for block in re.findall(r"```sh\n(.*?)```", _section(title), flags=re.S):
            joined = block.replace("\\\n", " ")
            for raw in joined.splitlines():
                line = raw.split("  #")[0].split(" # ")[0].strip()
                if not line or line.startswith("#"):
                    continue
                for part in line.split("&&"):
                    words = shlex.split(part.strip())
                    while words and re.match(r"[A-Z_]+=", words[0]):
                        words.pop(0)
                    if words:
                        lines.append(shlex.join(words))
    return lines


def _manifest_names() -> set[str]:
    names = set()
    for path in KUBERNETES.glob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            if document and "kind" in document and "metadata" in document:
                names.add(f"{document['kind'].lower()}/{document['metadata']['name']}")
    return names


def _problems(argv: list[str]) -> list[str]:
    """What is wrong with one README command line; [] when it checks out."""
    head = argv[0]
    if argv[:2] == ["docker", "compose"]:
        return _compose(argv)
    checks = {
        "potwise": commands.check,
        "kubectl": _kubectl,
        "cp": _source_file,
        "sh": _source_file,
        # the shell's and git's own; pg_dump's line is the documented fallback
        "mkdir": lambda _: [],
        "cd": lambda _: [],
        "git": lambda _: [],
        "pg_dump": lambda _: [],
    }
    check = checks.get(head)
    return check(argv) if check else [f"no check for {shlex.join(argv)!r}: add one"]


def _compose(argv: list[str]) -> list[str]:
    if "exec" in argv:
        return commands.check(argv[argv.index("exec") + 2 :])
    return [] if argv[2] in {"build", "up", "down", "pull"} else [f"unchecked {argv}"]


def _source_file(argv: list[str]) -> list[str]:
    return [] if (ROOT / argv[1]).is_file() else [f"{argv[1]} does not exist"]


def _kubectl(argv: list[str]) -> list[str]:
    problems = []
    names = _manifest_names()
    for flag, value in itertools.pairwise(argv):
        if flag == "-f" and not (ROOT / value).is_file():
            problems.append(f"{value} does not exist")
        if flag == "-k" and not (ROOT / value / "kustomization.yaml").is_file():
            problems.append(f"{value} has no kustomization.yaml")
    for word in argv:
        if re.fullmatch(r"(job|deployment)/[a-z-]+", word) and word not in names:
            problems.append(f"{word} is not in {KUBERNETES.relative_to(ROOT)}")
    return problems


def test_every_command_line_names_what_exists() -> None:
    lines = _shell_lines()
    assert len(lines) >= 20, lines  # the sections were found
    problems = {line: _problems(shlex.split(line)) for line in lines}
    assert {line: found for line, found in problems.items() if found} == {}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_kustomization_applied_by_the_readme_builds() -> None:
    built = subprocess.run(
        [str(shutil.which("kubectl")), "kustomize", str(KUBERNETES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    kinds = {doc["kind"] for doc in yaml.safe_load_all(built.stdout) if doc}
    assert {"Deployment", "Service", "Ingress"} <= kinds


def _restore_block() -> str:
    section = _section("## Operations: backups")
    start = section.index("**Test a restore**")
    return re.findall(r"```sh\n(.*?)```", section[start:], flags=re.S)[0]


def _environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    return environment


def test_the_restore_check_runs_as_written_and_the_user_signs_in(tmp_path: Path) -> None:
    environment = _environment()
    live = tmp_path / "live"
    live.mkdir()
    instance = {
        **environment,
        "POTWISE_DATABASE_URL": f"sqlite:///{live / 'potwise.db'}",
        "POTWISE_DATA_DIR": str(live / "data"),
    }

    def potwise(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [POTWISE, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=instance,
            cwd=live,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    potwise("user", "create", "owner@example.com", "--password-stdin", stdin=GOOD_PASSWORD)
    backup = tmp_path / "backups" / "potwise-2026-01-07.tar.gz"
    backup.parent.mkdir()
    potwise("backup", "--to", str(backup))

    port = free_port()
    script = (
        _restore_block()
        .replace("/tmp/restore-test", str(tmp_path / "restore-test"))  # noqa: S108 - the README's
        .replace("/backups/potwise-2026-01-07.tar.gz", str(backup))
        .replace("--port 8001", f"--port {port}")
    )
    # The last command serves until stopped: run it in the background, then sign in.
    server = subprocess.Popen(
        [BASH, "-e", "-c", f"{script}\n"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        ready = 0
        while time.monotonic() < deadline and server.poll() is None and ready != 200:
            try:
                ready = httpx2.get(f"{base}/api/v1/ready", timeout=2).status_code
            except httpx2.TransportError:
                time.sleep(0.3)
        assert ready == 200, server.stderr.read() if server.poll() is not None else "not ready"
        login = httpx2.post(
            f"{base}/api/v1/auth/login",
            json={"email": "owner@example.com", "password": GOOD_PASSWORD},
            timeout=10,
        )
        assert login.status_code == 200, login.text
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    assert (tmp_path / "restore-test" / "restored.db").is_file()
