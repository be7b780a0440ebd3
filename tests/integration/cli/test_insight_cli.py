"""`potwise insight reclassify`: real subprocesses on a temporary SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Connection, Transaction, User
from tests.integration.cli.test_cli import _run


def _seed(tmp_path: Path) -> None:
    assert (
        _run(
            tmp_path,
            "user",
            "create",
            "ann@example.com",
            "--password-stdin",
            stdin="a long cli passphrase\n",
        ).returncode
        == 0
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with make_session_factory(engine)() as db:
        user_id = db.scalar(select(User.id))
        assert user_id is not None
        connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        account = Account(
            user_id=user_id,
            connection_id=connection.id,
            external_id="acc",
            provider="monzo",
            kind="current",
            name="Current account",
            currency="GBP",
        )
        db.add(account)
        db.flush()
        for external_id, amount, pot in (("t1", -1200, "pot_1"), ("t2", -450, None)):
            db.add(
                Transaction(
                    user_id=user_id,
                    connection_id=connection.id,
                    account_id=account.id,
                    external_id=external_id,
                    created_at=datetime(2026, 1, 5, tzinfo=UTC),
                    amount=amount,
                    currency="GBP",
                    status="settled",
                    description="TESCO STORES 1",
                    merchant=None if pot else "Tesco",
                    pot_external_id=pot,
                    provider_category="groceries",
                )
            )
        db.commit()
    engine.dispose()


def test_reclassify_classifies_a_users_transactions_and_reports_it(tmp_path: Path) -> None:
    _seed(tmp_path)
    result = _run(tmp_path, "insight", "reclassify", "--user", "ann@example.com")
    assert result.returncode == 0, result.stderr
    assert "ann@example.com" in result.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with make_session_factory(engine)() as db:
        found = dict(db.execute(select(Transaction.external_id, Transaction.classification)).all())
    engine.dispose()
    assert found == {"t1": "pot_move", "t2": "spending"}


def test_reclassify_for_an_unknown_user_fails_with_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "insight", "reclassify", "--user", "nobody@example.com")
    assert result.returncode == 1
    assert result.stderr.strip() == "potwise: no user nobody@example.com"


def test_insight_help_explains_reclassify(tmp_path: Path) -> None:
    result = _run(tmp_path, "insight", "reclassify", "--help")
    assert result.returncode == 0
    assert "--user" in result.stdout and "overrides are kept" in result.stdout
