"""`potwise demo` really runs: sandbox and app in one process, banks connected over OAuth."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.support.loopback import free_port


def test_demo_connects_three_banks_and_prints_the_login(tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment["POTWISE_DATA_DIR"] = str(tmp_path / "data")
    environment["POTWISE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "potwise.cli",
            "demo",
            "--port",
            str(port),
            "--sandbox-port",
            str(sandbox_port),
        ],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 150
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "press Ctrl+C to stop" in line:
                break
        text = "".join(output)
        assert "potwise demo is running at" in text, text[-3000:]
        assert "demo@potwise.local" in text
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
            login = browser.post(
                "/api/v1/auth/login",
                json={"email": "demo@potwise.local", "password": "demo-potwise-pounds"},
            )
            assert login.status_code == 200
            connections = browser.get("/api/v1/connections").json()["items"]
            assert sorted(c["provider_id"] or c["provider"] for c in connections) == [
                "monzo",
                "ob-amex",
                "uk-ob-barclaycard",
            ]
            assert all(c["status"] == "active" for c in connections)
            accounts = browser.get("/api/v1/accounts").json()["items"]
            assert {a["kind"] for a in accounts} >= {"current", "joint", "credit_card"}
            assert browser.get("/api/v1/transactions").json()["items"]
            [rule] = browser.get("/api/v1/automations").json()["items"]
            assert rule["kind"] == "card_pot"
            assert len(rule["config"]["card_account_ids"]) == 2
            runs = browser.get(f"/api/v1/automations/{rule['id']}/runs").json()["items"]
            first_run = runs[-1]  # newest first; later ones follow the scheduled syncs
            assert first_run["trigger"] == "manual"
            assert first_run["status"] in {"moved", "nothing"}
            assert "credit-card pot rule:" in text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
