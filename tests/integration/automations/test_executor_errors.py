"""The executor refuses an intent that cannot be right, and a transfer that is not there,
with the services' errors (the API answers 400 and 404, never 500)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine

from potwise.db.engine import make_session_factory
from potwise.db.models import Account, Pot
from potwise.domain.transfers import TransferStatus
from potwise.services.automations import executor
from potwise.services.errors import InvalidInput, NotFound


def _pot(**fields: Any) -> Pot:
    values: dict[str, Any] = {
        "id": "pot-1",
        "user_id": "ann",
        "connection_id": "monzo",
        "account_id": "current",
        "external_id": "pot_ext",
        "currency": "GBP",
    }
    return Pot(**{**values, **fields})


def _account(**fields: Any) -> Account:
    values: dict[str, Any] = {"id": "current", "user_id": "ann", "external_id": "acc_ext"}
    return Account(**{**values, **fields})


def _plan(pot: Pot | None = None, account: Account | None = None, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "user_id": "ann",
        "automation_id": "rule",
        "run_id": "run",
        "sequence": 0,
        "pot": pot or _pot(),
        "account": account or _account(),
        "direction": "deposit",
        "amount": 1899,
        "reason": "new spending",
        "state_after": None,
    }
    return executor.plan(**{**arguments, **changes})


def test_an_intent_is_planned_with_its_dedupe_id_fixed() -> None:
    transfer = _plan()
    assert transfer.status == TransferStatus.PLANNED == "planned"
    assert transfer.direction == "deposit"
    assert transfer.dedupe_id == executor.dedupe_id_for("rule", "run", 0)
    assert (transfer.pot_external_id, transfer.account_external_id) == ("pot_ext", "acc_ext")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"direction": "sideways"}, "unknown direction 'sideways'"),
        ({"amount": 0}, "positive whole number"),
        ({"amount": True}, "positive whole number"),
        ({"amount": 18.99}, "positive whole number"),
        ({"pot": _pot(user_id="bob")}, "inside one user's accounts"),
        ({"account": _account(user_id="bob")}, "inside one user's accounts"),
        ({"pot": _pot(account_id="savings")}, "does not belong to this current account"),
    ],
)
def test_an_intent_that_cannot_be_right_is_invalid_input(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        _plan(**changes)
    assert refused.value.code == "invalid_input"


def test_executing_a_transfer_that_is_not_there_is_not_found(engine: Engine) -> None:
    ctx: Any = SimpleNamespace(session_factory=make_session_factory(engine))
    with pytest.raises(NotFound) as missing:
        executor.execute(ctx, "no-such-transfer")
    assert missing.value.code == "not_found"
