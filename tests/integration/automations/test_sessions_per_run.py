"""How many units of work a rule run opens: read, commit, call the bank, store the
outcome, and no more (each session is a round of connection checkout and commit)."""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Automation, Pot
from potwise.services import leases
from potwise.services.automations import runner
from tests.integration.automations.world import World

# The modules that run a rule and move its money; the balances refresh (the sync)
# and the token store open sessions of their own, counted apart.
AUTOMATIONS = ("potwise.services.automations.", "potwise.services.leases")


class CountingFactory:
    """A session factory that notes which module opened each session."""

    def __init__(self, inner: sessionmaker[Session]) -> None:
        self.inner = inner
        self.opened: Counter[str] = Counter()

    def __call__(self, **kwargs: Any) -> Session:
        frame = sys._getframe(1)
        self.opened[str(frame.f_globals.get("__name__"))] += 1
        return self.inner(**kwargs)

    def mine(self) -> int:
        return sum(n for module, n in self.opened.items() if module.startswith(AUTOMATIONS))

    def reset(self) -> None:
        self.opened.clear()


def _counted(world: World) -> tuple[Any, CountingFactory]:
    counting = CountingFactory(world.ctx.session_factory)
    return dataclasses.replace(world.ctx, session_factory=counting), counting


def test_a_run_opens_one_unit_of_work_per_step(world: World) -> None:
    ctx, sessions = _counted(world)

    moved = runner.run_rule(ctx, world.rule_id, trigger="manual")
    assert moved.run.status == "moved"
    print("moved:", sessions.mine(), dict(sessions.opened))
    # Read and lease, then the intent, the executor's two (sent, settled), and the record.
    assert sessions.mine() <= 5

    sessions.reset()
    nothing = runner.run_rule(ctx, world.rule_id, trigger="manual")
    assert nothing.run.status == "nothing"
    print("nothing:", sessions.mine(), dict(sessions.opened))
    # Read and lease, then the decision recorded (and the lease given back) in one.
    assert sessions.mine() <= 2

    sessions.reset()
    preview = runner.run_rule(ctx, world.rule_id, trigger="preview", dry_run=True)
    assert preview.run.status == "preview"
    print("preview:", sessions.mine(), dict(sessions.opened))
    assert sessions.mine() <= 2

    sessions.reset()
    after_sync = runner.run_rule(ctx, world.rule_id, trigger="sync")
    assert after_sync.run.status == "nothing"
    print("after a sync:", sessions.mine(), dict(sessions.opened))
    # Whether the sync that set it off was recent enough is read with the rest, at the start.
    assert sessions.mine() <= 2


def test_a_run_that_cannot_go_ahead_is_recorded_in_the_unit_of_work_that_found_out(
    world: World, db: Session
) -> None:
    ctx, sessions = _counted(world)
    rule = db.get(Automation, world.rule_id)
    assert rule is not None
    pot = db.get(Pot, rule.config["pot_id"])
    assert pot is not None
    key = f"account:{pot.account_id}"
    assert leases.try_acquire(db, key, "another-run", timedelta(minutes=5))
    # A run the clock set off stands aside at once (it comes back on the clock).
    stood_aside = runner.run_rule(ctx, world.rule_id, trigger="schedule")
    assert (stood_aside.run.status, stood_aside.run.reason) == ("skipped", "already_running")
    assert sessions.mine() == 1
    leases.release(db, key, "another-run")

    world.client.patch(f"/api/v1/automations/{world.rule_id}", json={"enabled": False})
    sessions.reset()
    off = runner.run_rule(ctx, world.rule_id, trigger="manual")
    assert (off.run.status, off.run.reason) == ("skipped", "disabled")
    assert sessions.mine() == 1
    # The lease went back with the record: the next run takes it.
    assert leases.try_acquire(db, key, "a-later-run", timedelta(minutes=5))


def test_a_run_the_user_asked_for_waits_for_the_run_in_progress(world: World, db: Session) -> None:
    rule = db.get(Automation, world.rule_id)
    assert rule is not None
    pot = db.get(Pot, rule.config["pot_id"])
    assert pot is not None
    key = f"account:{pot.account_id}"
    assert leases.try_acquire(db, key, "another-run", timedelta(minutes=5))
    freed = threading.Timer(0.5, lambda: _release(world, key))
    freed.start()
    asked = runner.run_rule(world.ctx, world.rule_id, trigger="manual")
    freed.join()
    assert asked.run.status in ("moved", "nothing"), asked.run.explanation


def _release(world: World, key: str) -> None:
    with world.ctx.session_factory() as other:
        leases.release(other, key, "another-run")
