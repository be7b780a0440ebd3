"""A household with a Monzo pot, an Amex card and a card-pot rule, driven over HTTP."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from potwise.db.models import Account, AutomationRun, Pot, Transfer
from potwise.services.automations import executor
from tests.support.harness import Sandbox


@dataclass
class World:
    client: TestClient
    sandbox: Sandbox
    rule_id: str
    pot: dict[str, Any]
    card: dict[str, Any]
    monzo_connection_id: str

    @property
    def ctx(self) -> Any:
        return self.client.app.state.connections  # type: ignore[attr-defined]

    def ledger(self) -> list[dict[str, Any]]:
        moves = self.sandbox.http.get("/_sandbox/users/demo/ledger").json()["moves"]
        return [m for m in moves if m["pot_id"] == self.pot["external_id"] and m["source"] == "api"]

    def sandbox_pot_balance(self) -> int:
        pots = self.sandbox.household()["monzo"]["pots"]
        return int(next(p["balance"] for p in pots if p["id"] == self.pot["external_id"]))

    def owed(self) -> int:
        [card] = self.sandbox.household()["truelayer"]["ob-amex"]
        pending = self.client.get(
            "/api/v1/transactions", params={"account_id": self.card["id"], "status": "pending"}
        ).json()["items"]
        return int(card["current"]) + sum(-t["amount"] for t in pending if t["amount"] < 0)

    def run(self, **kwargs: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/v1/automations/{self.rule_id}/run", **kwargs)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def runs(self) -> list[dict[str, Any]]:
        return list(self.client.get(f"/api/v1/automations/{self.rule_id}/runs").json()["items"])

    def wait_for_run(self, trigger: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self.runs():
                if run["trigger"] == trigger and run["finished_at"] is not None:
                    return run
            time.sleep(0.1)
        raise AssertionError(f"no {trigger} run: {self.runs()}")

    def spend_on_amex(self, pence: int, *, pending: bool = True) -> None:
        self.sandbox.add_transaction(
            bank="ob-amex",
            account=self.card["external_id"],
            amount=pence,
            kind="purchase",
            description="TEST SPEND",
            pending=pending,
        )

    def leave_intent_open(self, db: Session, amount: int = 777) -> Transfer:
        """A deposit intent stored as a process stores it just before it dies: planned,
        never sent (what reconciliation and the next run must finish)."""
        pot = db.get(Pot, self.pot["id"])
        account = db.get(Account, pot.account_id) if pot else None
        assert pot is not None and account is not None
        crashed = AutomationRun(user_id=pot.user_id, automation_id=self.rule_id, trigger="manual")
        db.add(crashed)
        db.flush()
        transfer = executor.plan(
            user_id=pot.user_id,
            automation_id=self.rule_id,
            run_id=crashed.id,
            sequence=0,
            pot=pot,
            account=account,
            direction="deposit",
            amount=amount,
            reason="planned just before the process died",
            state_after=None,
        )
        db.add(transfer)
        db.commit()
        return transfer
