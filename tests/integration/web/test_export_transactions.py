"""Transactions exported as CSV and OFX, read back with the csv module and ofxtools' parser."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ofxtools.models import CCSTMTRS, STMTRS
from ofxtools.Parser import OFXTree
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.engine import make_session_factory
from potwise.db.models import Transaction
from potwise.services.exports import COLUMNS, ofx_account_id, select_transactions
from potwise.services.exports.selection import transaction_batches
from tests.integration.conftest import SignedIn
from tests.integration.web.export_builders import Books

CSV_URL = "/api/v1/export/transactions.csv"
OFX_URL = "/api/v1/export/transactions.ofx"
JULY = datetime(2026, 7, 10, tzinfo=UTC)


@pytest.fixture
def books(alice: SignedIn, db: Session) -> Books:
    return Books.of(db, alice.user_id, at=JULY)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_ofx(content: bytes) -> object:
    tree = OFXTree()
    tree.parse(io.BytesIO(content))
    return tree.convert()


def statements_by_account(ofx: object) -> dict[str, STMTRS | CCSTMTRS]:
    return {s.account.acctid: s for s in ofx.statements}  # type: ignore[attr-defined]


def test_csv_has_one_row_per_transaction_with_pounds_pence_and_local_dates(
    alice: SignedIn, books: Books
) -> None:
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    tesco = books.add(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), -1234)
    salary = books.add(
        datetime(2026, 7, 3, 9, tzinfo=UTC),
        250000,
        merchant=None,
        description="ACME LTD SALARY",
        category="income",
        classification="income",
        settled_at=datetime(2026, 7, 3, 9, tzinfo=UTC),
    )
    pret = books.add(
        datetime(2026, 7, 4, 12, tzinfo=UTC),
        -5,
        merchant="Pret",
        description="PRET A MANGER",
        category="eating_out",
        status="pending",
        account="card",
    )

    answer = alice.client.get(CSV_URL)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        'attachment; filename="potwise-transactions-all-accounts-start-to-now.csv"'
    )
    rows = read_csv(answer.text)
    assert [r["external_id"] for r in rows] == [
        tesco.external_id,
        salary.external_id,
        pret.external_id,
    ]
    first, second, third = rows
    assert first["date"] == "2026-07-02"
    assert first["time"] == "2026-07-02T00:30:00+01:00"
    assert (first["amount"], first["amount_pence"], first["currency"]) == ("-12.34", "-1234", "GBP")
    assert (first["merchant"], first["description"]) == ("Tesco", "TESCO STORES 2345 LONDON")
    assert (first["category"], first["classification"], first["status"]) == (
        "groceries",
        "spending",
        "settled",
    )
    assert first["account"] == "Current account"
    assert first["id"] == tesco.id
    # The one name the pages show for it; the raw words stay in `description`.
    assert (second["merchant"], second["amount"], second["amount_pence"]) == (
        "Acme LTD Salary",
        "2500.00",
        "250000",
    )
    assert second["settled_date"] == "2026-07-03"
    assert (third["amount"], third["status"], third["account"]) == (
        "-0.05",
        "pending",
        "American Express",
    )


def test_csv_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe(
    alice: SignedIn, books: Books
) -> None:
    start = datetime(2026, 7, 1, 9, tzinfo=UTC)
    books.add(
        start, -100, merchant='=HYPERLINK("http://x.example","go")', description="+44 7700 900123"
    )
    books.add(start + timedelta(hours=1), -200, merchant="@SUM(A1:A9)", description="-ADJUSTMENT")
    books.add(start + timedelta(hours=2), -300, merchant="\tTabbed", description="\rReturned")
    books.add(start + timedelta(hours=3), 400, merchant="Plain", description="-12.50")

    rows = read_csv(alice.client.get(CSV_URL).text)

    # The merchant column holds the pages' clean names; whatever they are, none runs.
    assert all(r["merchant"][:1] not in ("=", "+", "-", "@", "\t", "\r") for r in rows)
    assert rows[3]["merchant"] == "Plain"
    assert [r["description"] for r in rows] == [
        "'+44 7700 900123",
        "'-ADJUSTMENT",
        "'\rReturned",
        "-12.50",  # a plain number stays a number
    ]
    assert [r["amount"] for r in rows] == ["-1.00", "-2.00", "-3.00", "4.00"]


def test_csv_of_one_account_and_whole_local_days(alice: SignedIn, books: Books) -> None:
    books.add(datetime(2026, 7, 1, 10, tzinfo=UTC), -100)
    books.add(datetime(2026, 7, 2, 10, tzinfo=UTC), -200)
    books.add(datetime(2026, 7, 2, 10, tzinfo=UTC), -300, account="card")
    books.add(datetime(2026, 7, 3, 22, 30, tzinfo=UTC), -400)  # 23:30 on the 3rd in London
    books.add(datetime(2026, 7, 3, 23, 30, tzinfo=UTC), -500)  # 00:30 on the 4th

    current = books.accounts["current"].id
    answer = alice.client.get(
        CSV_URL, params={"account_id": current, "since": "2026-07-02", "until": "2026-07-03"}
    )

    assert answer.status_code == 200, answer.text
    assert [r["amount_pence"] for r in read_csv(answer.text)] == ["-200", "-400"]
    assert answer.headers["content-disposition"] == (
        'attachment; filename="potwise-transactions-current-account-2026-07-02-to-2026-07-03.csv"'
    )
    # A time given as `until` is excluded, as in GET /transactions.
    timed = alice.client.get(
        CSV_URL, params={"account_id": current, "until": "2026-07-02T10:00:00Z"}
    )
    assert [r["amount_pence"] for r in read_csv(timed.text)] == ["-100"]


def test_a_personal_token_exports_too(app: FastAPI, alice: SignedIn, books: Books) -> None:
    tx = books.add(datetime(2026, 7, 1, 10, tzinfo=UTC), -100)
    token = alice.client.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    with TestClient(app) as script:
        answer = script.get(CSV_URL, headers={"Authorization": f"Bearer {token}"})
        unsigned = script.get(CSV_URL)
    assert [r["external_id"] for r in read_csv(answer.text)] == [tx.external_id]
    assert unsigned.status_code == 401


def test_ofx_has_a_statement_per_account_with_signed_amounts_and_bank_ids(
    alice: SignedIn, books: Books
) -> None:
    bought = datetime(2026, 7, 1, 10, tzinfo=UTC)
    tesco = books.add(bought, -1234, settled_at=bought + timedelta(days=1))
    salary = books.add(
        datetime(2026, 7, 2, 9, tzinfo=UTC), 250000, merchant=None, description="ACME LTD SALARY"
    )
    pending = books.add(datetime(2026, 7, 3, 9, tzinfo=UTC), -599, status="pending")
    declined = books.add(datetime(2026, 7, 3, 10, tzinfo=UTC), -100, status="declined")
    purchase = books.add(
        datetime(2026, 7, 4, 9, tzinfo=UTC), -4567, account="card", merchant="A" * 40
    )
    refund = books.add(datetime(2026, 7, 5, 9, tzinfo=UTC), 1000, account="card")

    answer = alice.client.get(OFX_URL)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ofx")
    assert answer.headers["content-disposition"].startswith('attachment; filename="potwise-')
    ofx = read_ofx(answer.content)
    by_account = statements_by_account(ofx)
    current = by_account[ofx_account_id(books.accounts["current"].external_id)]
    card = by_account[ofx_account_id(books.accounts["card"].external_id)]
    savings = by_account[ofx_account_id(books.accounts["savings"].external_id)]
    assert len(by_account) == 3

    assert isinstance(current, STMTRS)
    assert current.account.accttype == "CHECKING"
    assert current.curdef == "GBP"
    assert current.balance.balamt == Decimal("1234.56")
    entries = {t.fitid: t for t in current.transactions}
    assert set(entries) == {tesco.external_id, salary.external_id}
    bought_entry = entries[tesco.external_id]
    assert (bought_entry.trnamt, bought_entry.trntype) == (Decimal("-12.34"), "DEBIT")
    assert bought_entry.dtposted == bought + timedelta(days=1)
    assert bought_entry.dtuser == bought
    assert (bought_entry.name, bought_entry.memo) == ("Tesco", "TESCO STORES 2345 LONDON")
    assert (entries[salary.external_id].trnamt, entries[salary.external_id].trntype) == (
        Decimal("2500.00"),
        "CREDIT",
    )

    # Credit cards are card statements (CREDITCARDMSGSRSV1), in the same signs.
    assert isinstance(card, CCSTMTRS)
    assert ofx.creditcardmsgsrsv1 is not None  # type: ignore[attr-defined]
    assert card.balance.balamt == Decimal("-45.67")
    card_entries = {t.fitid: t for t in card.transactions}
    assert card_entries[purchase.external_id].trnamt == Decimal("-45.67")
    # The pages' name for it, cut to OFX's 32 characters.
    assert card_entries[purchase.external_id].name == "A" + "a" * 31
    assert card_entries[refund.external_id].trnamt == Decimal("10.00")

    # Without `since`, each statement starts at the first transaction exported.
    assert current.transactions.dtstart == bought
    assert current.transactions.dtend >= bought
    assert savings.account.accttype == "SAVINGS"
    assert list(savings.transactions) == []
    # Pending and declined transactions are not in the file at all.
    assert pending.external_id not in answer.text
    assert declined.external_id not in answer.text


def test_ofx_of_one_card_and_a_period(alice: SignedIn, books: Books) -> None:
    books.add(datetime(2026, 7, 1, 10, tzinfo=UTC), -100, account="card")
    inside = books.add(datetime(2026, 7, 2, 10, tzinfo=UTC), -200, account="card")
    books.add(datetime(2026, 7, 2, 11, tzinfo=UTC), -300)

    answer = alice.client.get(
        OFX_URL,
        params={
            "account_id": books.accounts["card"].id,
            "since": "2026-07-02",
            "until": "2026-07-02",
        },
    )

    assert answer.status_code == 200, answer.text
    ofx = read_ofx(answer.content)
    assert ofx.bankmsgsrsv1 is None  # type: ignore[attr-defined]
    [statement] = ofx.statements  # type: ignore[attr-defined]
    assert isinstance(statement, CCSTMTRS)
    assert [t.fitid for t in statement.transactions] == [inside.external_id]
    # The statement's period is the local days asked for (London is UTC+1 in July).
    assert statement.transactions.dtstart == datetime(2026, 7, 1, 23, tzinfo=UTC)
    assert statement.transactions.dtend == datetime(2026, 7, 2, 23, tzinfo=UTC)


@pytest.mark.parametrize("url", [CSV_URL, OFX_URL])
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"since": "2026-07-05", "until": "2026-07-01"}, "since is after until"),
        ({"since": "2026-07-04", "until": "2026-07-03"}, "since is after until"),
        ({"since": "2026-13-01"}, "not a day or a time"),
        ({"since": "last week"}, "not a day or a time"),
        ({"until": "2026-07-01T10:00:00"}, "no time zone"),
        ({"since": "1850-01-01"}, "between the years 1900 and 2999"),
        ({"until": "3000-01-01T00:00:00Z"}, "between the years 1900 and 2999"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused(
    alice: SignedIn, books: Books, url: str, params: dict[str, str], words: str
) -> None:
    answer = alice.client.get(url, params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"
    assert words in answer.json()["error"]["message"]


@pytest.mark.parametrize("url", [CSV_URL, OFX_URL])
def test_another_users_account_is_not_found_and_never_exported(
    alice: SignedIn, bob: SignedIn, books: Books, db: Session, url: str
) -> None:
    alices = books.add(datetime(2026, 7, 1, 10, tzinfo=UTC), -100)
    bobs_books = Books.of(db, bob.user_id, at=JULY)
    bobs = bobs_books.add(datetime(2026, 7, 1, 11, tzinfo=UTC), -200)

    aimed = bob.client.get(url, params={"account_id": books.accounts["current"].id})
    everything = bob.client.get(url)

    assert aimed.status_code == 404
    assert aimed.json()["error"]["code"] == "not_found"
    assert everything.status_code == 200
    assert bobs.external_id in everything.text
    assert alices.external_id not in everything.text
    for account in books.accounts.values():
        assert ofx_account_id(account.external_id) not in everything.text


def test_a_large_export_streams_every_row_once_in_order(
    alice: SignedIn, books: Books, db: Session
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    account = books.accounts["current"]
    rows = [
        Transaction(
            user_id=alice.user_id,
            connection_id=books.connection.id,
            account_id=account.id,
            external_id=f"tx_bulk_{i:05d}",
            # Three share each second, so batches end in the middle of a tie.
            created_at=start + timedelta(seconds=i // 3),
            amount=-(i + 1),
            currency="GBP",
            status="settled",
            description=f"ITEM {i}",
        )
        for i in range(1201)
    ]
    db.add_all(rows)
    db.commit()

    exported = read_csv(alice.client.get(CSV_URL).text)
    ofx = read_ofx(alice.client.get(OFX_URL, params={"account_id": account.id}).content)

    times = [(r["time"], r["id"]) for r in exported]
    assert len(exported) == 1201
    assert times == sorted(times)
    assert {r["external_id"] for r in exported} == {r.external_id for r in rows}
    [statement] = ofx.statements  # type: ignore[attr-defined]
    assert len({t.fitid for t in statement.transactions}) == 1201


def test_batches_page_through_ties_without_losing_or_repeating_a_row(
    alice: SignedIn, books: Books, db: Session, engine: Engine
) -> None:
    same_time = datetime(2026, 7, 1, 10, tzinfo=UTC)
    added = [books.add(same_time, -i) for i in range(1, 6)]
    selection = select_transactions(
        db, alice.user_id, account_id=None, since=None, until=None, zone=ZoneInfo("Europe/London")
    )
    sessions: sessionmaker[Session] = make_session_factory(engine)

    batches = list(
        transaction_batches(sessions, selection, [a.id for a in selection.accounts], batch_size=2)
    )

    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(t.id for b in batches for t in b) == sorted(t.id for t in added)


def test_a_user_without_accounts_gets_files_with_nothing_in_them(alice: SignedIn) -> None:
    as_csv = alice.client.get(CSV_URL)
    as_ofx = alice.client.get(OFX_URL)

    assert as_csv.status_code == 200
    assert as_csv.text.splitlines() == [",".join(COLUMNS)]
    assert as_ofx.status_code == 200
    assert read_ofx(as_ofx.content).statements == []  # type: ignore[attr-defined]
