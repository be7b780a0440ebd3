"""Many sandbox households at once, each a user with a Monzo connection (test setup).

The sandbox hands out ready tokens for the households it creates
(`POST /_sandbox/users {"count": N}`); they are stored as the OAuth callback would
have stored them. Setup only: the product's own paths are what the tests exercise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from potwise.db.models import Account, Connection, Pot, User
from potwise.services.automations import rules
from potwise.services.context import ConnectionsContext
from tests.support.harness import Sandbox


@dataclass(frozen=True)
class Household:
    name: str
    user_id: str
    connection_id: str


def add_monzo_households(ctx: ConnectionsContext, sandbox: Sandbox, n: int) -> list[Household]:
    """`n` new sandbox households, each stored as a user with an active Monzo connection."""
    response = sandbox.http.post("/_sandbox/users", json={"count": n, "years": 1}, timeout=300)
    made: list[dict[str, Any]] = response.raise_for_status().json()["users"]
    now = datetime.now(UTC)
    households = []
    with ctx.session_factory() as db:
        for entry in made:
            monzo = entry["monzo"]
            user = User(
                email=f"{entry['name']}-{uuid.uuid4().hex[:6]}@queue.test",
                password_hash="-",  # no login
                email_verified_at=now,
            )
            db.add(user)
            db.flush()
            connection = Connection(
                user_id=user.id,
                provider="monzo",
                display_name="Monzo",
                external_user_id=monzo["user_id"],
                access_token_enc=ctx.vault.encrypt(monzo["access_token"]),
                refresh_token_enc=ctx.vault.encrypt(monzo["refresh_token"]),
                token_expires_at=now + timedelta(seconds=int(monzo["expires_in"])),
                status="active",
            )
            db.add(connection)
            db.flush()
            households.append(Household(entry["name"], user.id, connection.id))
        db.commit()
    return households


def add_topup(ctx: ConnectionsContext, household: Household) -> str | None:
    """A top-up that finds the current account below its floor (£100,000) and
    withdraws from the household's fullest pot, the kind a sync of the connection
    wakes; the rule's id, or None without a pot."""
    return _add_rule(
        ctx,
        household,
        "topup",
        lambda pot_id: {"pot_id": pot_id, "floor": 10_000_000, "target": 10_000_000},
        fullest=True,
    )


def add_sweep(ctx: ConnectionsContext, household: Household) -> str | None:
    """A daily sweep (at local midnight: due at once, then handled for the day) of
    everything above £1 in the household's current account into its first pot, once
    the connection has synced; the rule's id, or None without a pot."""
    return _add_rule(
        ctx,
        household,
        "sweep",
        lambda pot_id: {
            "pot_id": pot_id,
            "threshold": 100,
            "keep_for_bills": False,
            "time": "00:00",
        },
    )


def _add_rule(
    ctx: ConnectionsContext,
    household: Household,
    kind: str,
    config: Callable[[str], dict[str, Any]],
    *,
    fullest: bool = False,
) -> str | None:
    """A rule of `kind` on the household's first pot by name (or its fullest), made as
    the user would; its id, or None without a pot."""
    with ctx.session_factory() as db:
        pot = db.scalar(
            select(Pot)
            .join(Account, Account.id == Pot.account_id)
            .where(Account.connection_id == household.connection_id, Pot.deleted.is_(False))
            .order_by(Pot.balance.desc() if fullest else Pot.name, Pot.name)
            .limit(1)
        )
        if pot is None:
            return None
        name = {"topup": "Top up", "sweep": "Sweep"}[kind]
        rule = rules.create(
            db,
            household.user_id,
            rules.RuleInput(kind=kind, name=name, enabled=True, config=config(pot.id)),
        )
        db.commit()
        return rule.id
