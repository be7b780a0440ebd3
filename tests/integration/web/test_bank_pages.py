"""The read pages of the bank mirror: connections, accounts and pots, transactions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Pot, SyncRun, Transaction
from potwise.web.ui import transaction_pages
from tests.integration.conftest import SignedIn


@dataclass
class Household:
    monzo: Connection
    amex: Connection
    current: Account
    card: Account


def _household(db: Session, user_id: str) -> Household:
    now = datetime.now(UTC)
    monzo = Connection(
        user_id=user_id,
        provider="monzo",
        display_name="Monzo",
        last_synced_at=now - timedelta(minutes=5),
    )
    amex = Connection(
        user_id=user_id,
        provider="truelayer",
        provider_id="ob-amex",
        display_name="American Express",
        status="needs_reconnect",
        status_reason="The bank says the consent has ended.",
        consent_expires_at=now - timedelta(days=1),
    )
    db.add_all([monzo, amex])
    db.flush()
    current = Account(
        user_id=user_id,
        connection_id=monzo.id,
        external_id="acc_current",
        provider="monzo",
        kind="current",
        name="Current account",
        currency="GBP",
        balance=1_234_56,
        balance_at=now,
    )
    closed = Account(
        user_id=user_id,
        connection_id=monzo.id,
        external_id="acc_old",
        provider="monzo",
        kind="current",
        name="Old prepaid account",
        currency="GBP",
        balance=0,
        closed=True,
    )
    card = Account(
        user_id=user_id,
        connection_id=amex.id,
        external_id="acc_amex",
        provider="ob-amex",
        kind="credit_card",
        name="Platinum Cashback",
        currency="GBP",
        balance=-512_30,
        credit_limit=5_000_00,
    )
    db.add_all([current, closed, card])
    db.flush()
    db.add_all(
        [
            Pot(
                user_id=user_id,
                connection_id=monzo.id,
                account_id=current.id,
                external_id="pot_holiday",
                name="Holiday",
                currency="GBP",
                balance=300_00,
                goal=1_200_00,
            ),
            Pot(
                user_id=user_id,
                connection_id=monzo.id,
                account_id=current.id,
                external_id="pot_gone",
                name="Deleted wedding pot",
                currency="GBP",
                balance=0,
                deleted=True,
            ),
        ]
    )
    base = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    db.add_all(
        [
            Transaction(
                user_id=user_id,
                connection_id=monzo.id,
                account_id=current.id,
                external_id="tx_coffee",
                created_at=base,
                amount=-3_20,
                currency="GBP",
                status="pending",
                description="PRET A MANGER",
                merchant="Pret A Manger",
                category="eating_out",
            ),
            Transaction(
                user_id=user_id,
                connection_id=monzo.id,
                account_id=current.id,
                external_id="tx_salary",
                created_at=base - timedelta(days=2),
                amount=2_500_00,
                currency="GBP",
                status="settled",
                description="ACME LTD SALARY",
                category="income",
            ),
            Transaction(
                user_id=user_id,
                connection_id=amex.id,
                account_id=card.id,
                external_id="tx_flight",
                created_at=base - timedelta(days=10),
                amount=-199_99,
                currency="GBP",
                status="settled",
                description="BRITISH AIRWAYS",
                merchant="British Airways",
            ),
            Transaction(
                user_id=user_id,
                connection_id=amex.id,
                account_id=card.id,
                external_id="tx_declined",
                created_at=base - timedelta(days=11),
                amount=-50_00,
                currency="GBP",
                status="declined",
                description="SHADY SHOP",
            ),
        ]
    )
    db.add(
        SyncRun(
            user_id=user_id,
            connection_id=monzo.id,
            trigger="manual",
            started_at=now - timedelta(minutes=6),
            finished_at=now - timedelta(minutes=5),
            status="partial",
            counts={"accounts": 2, "transactions": 2},
            api_calls=7,
            errors=[{"where": "pots", "code": "bad_response", "message": "Pots answer was odd."}],
        )
    )
    db.commit()
    return Household(monzo, amex, current, card)


def _text(html: str) -> str:
    """The page's words without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("path", ["/connections", "/accounts", "/transactions"])
def test_signed_out_visits_go_to_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_navigation_marks_the_current_page(alice: SignedIn) -> None:
    for path in ("/accounts", "/transactions", "/connections"):
        html = alice.client.get(path).text
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
        assert current == [path]
        for link in ("/", "/accounts", "/transactions", "/connections", "/settings"):
            assert f'href="{link}"' in html


def test_empty_states_are_honest(alice: SignedIn) -> None:
    connections = alice.client.get("/connections")
    assert connections.status_code == 200
    assert "Nothing connected yet" in connections.text
    assert 'action="/connections/monzo/start"' in connections.text
    assert 'action="/connections/truelayer/start"' in connections.text
    for value in ('value=""', 'value="ob-amex"', 'value="uk-ob-barclaycard"', 'value="ob-natwest"'):
        assert value in connections.text
    assert "None set" in connections.text
    assert "never shown again" in connections.text
    assert "No accounts yet" in alice.client.get("/accounts").text
    transactions = alice.client.get("/transactions")
    assert transactions.status_code == 200
    assert "No transactions yet" in transactions.text
    dashboard = alice.client.get("/")
    assert 'href="/connections"' in dashboard.text
    assert "not available" not in dashboard.text


def test_connections_page_shows_status_runs_and_actions(alice: SignedIn, db: Session) -> None:
    home = _household(db, alice.user_id)
    response = alice.client.get("/connections")
    assert response.status_code == 200
    html = response.text
    text = _text(html)
    assert "Monzo" in text and "American Express" in text
    assert "Active" in text
    assert "Needs re-connecting" in text
    assert "The bank says the consent has ended." in text
    assert f'name="reconnect_id" value="{home.amex.id}"' in html
    assert f'action="/connections/{home.monzo.id}/sync"' in html
    assert f'action="/connections/{home.monzo.id}/disconnect"' in html
    assert "<details" in html and "Yes, disconnect Monzo" in text
    # The latest run of the Monzo connection, with its counts, calls and errors.
    assert "Partly succeeded" in text
    assert "7 API calls" in text
    assert "2 accounts" in text and "2 transactions" in text
    assert "Pots answer was odd." in text
    assert "No sync has run yet." in text  # the Amex connection
    # The TrueLayer connection's unattended budget, untouched today.
    assert "4 of 4 background calls left" in text
    # Its refresh plan: one whole refresh a day, and when the next is.
    assert "Planned refresh at 06:30 (3 calls each)" in text
    assert "next refresh at" in text
    assert "never" in text  # Amex never synced


def test_awaiting_approval_shows_instructions_and_check_button(
    alice: SignedIn, db: Session
) -> None:
    waiting = Connection(
        user_id=alice.user_id, provider="monzo", display_name="Monzo", status="awaiting_approval"
    )
    db.add(waiting)
    db.commit()
    html = alice.client.get("/connections").text
    text = _text(html)
    assert "Waiting for approval in the Monzo app" in text
    assert "Open the Monzo app and approve access" in text
    assert f'action="/connections/{waiting.id}/approval"' in html
    assert "Check approval" in text


def test_consent_expiring_soon_shows_days_left(alice: SignedIn, db: Session) -> None:
    db.add(
        Connection(
            user_id=alice.user_id,
            provider="truelayer",
            provider_id="uk-ob-barclaycard",
            display_name="Barclaycard",
            consent_expires_at=datetime.now(UTC) + timedelta(days=5, hours=2),
        )
    )
    db.commit()
    text = _text(alice.client.get("/connections").text)
    assert "Consent expires in 5 days" in text
    assert "5 days left" in text


def test_saved_client_id_is_shown_but_never_its_secret(alice: SignedIn) -> None:
    saved = alice.client.post(
        "/connections/clients/monzo",
        data={"client_id": "oauth2client_alice", "client_secret": "very-secret-value"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    html = alice.client.get("/connections?flash=client_saved").text
    assert "oauth2client_alice" in html
    assert "saved by you" in html
    assert "very-secret-value" not in html


def test_accounts_page_shows_balances_cards_owed_and_pots(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    response = alice.client.get("/accounts")
    assert response.status_code == 200
    html = response.text
    text = _text(html)
    assert "Current &amp; joint accounts" in html and "Credit cards" in text
    assert "£1,234.56" in text
    assert "£512.30 owed" in text
    assert "-£512.30" not in text
    assert "Credit limit £5,000.00" in text
    assert "Needs re-connecting" in text  # the card's connection is not active
    # Closed accounts stay, dimmed and labelled.
    assert "Old prepaid account" in text
    assert "account-closed" in html and "Closed" in text
    # Pots under their account, with goal progress; deleted pots hidden.
    assert "Holiday" in text and "£300.00" in text
    assert re.search(r'<progress[^>]*max="120000"[^>]*value="30000"', html)
    assert "25% of £1,200.00 goal" in text
    assert "Deleted wedding pot" not in text
    # Totals on their own lines: cash is not netted against the card.
    assert "Cash in current accounts £1,234.56" in text
    assert "Set aside in pots £300.00" in text
    assert "Owed on credit cards £512.30 owed" in text
    assert "£722.26" not in text


def test_transactions_page_lists_and_flags(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    response = alice.client.get("/transactions")
    assert response.status_code == 200
    html = response.text
    text = _text(html)
    assert "Pret A Manger" in text and "PRET A MANGER" in text
    assert "-£3.20" in text
    assert "+£2,500.00" in text
    assert "Pending" in text and "tx-pending" in html
    assert "Declined" in text
    assert "Eating out" in text
    assert "3 Nov 2026" in text and "12:00" in text  # 12:00 UTC is 12:00 GMT in November
    assert "Platinum Cashback" in text  # the account name
    assert "amount-out" in html and "amount-in" in html
    assert "Older" not in text
    order = [text.index(name) for name in ("Pret A Manger", "ACME", "British Airways")]
    assert order == sorted(order)


def test_transaction_filters(alice: SignedIn, db: Session) -> None:
    home = _household(db, alice.user_id)

    def titles(query: str) -> set[str]:
        response = alice.client.get(f"/transactions?{query}")
        assert response.status_code == 200, response.text
        return {
            name
            for name in ("Pret A Manger", "ACME LTD SALARY", "British Airways", "SHADY SHOP")
            if name in response.text
        }

    assert titles("q=pret") == {"Pret A Manger"}
    assert titles("q=airways") == {"British Airways"}
    assert titles(f"account={home.card.id}") == {"British Airways", "SHADY SHOP"}
    assert titles("status=pending") == {"Pret A Manger"}
    assert titles("status=declined") == {"SHADY SHOP"}
    assert titles("since=2026-11-01") == {"Pret A Manger", "ACME LTD SALARY"}
    assert titles("until=2026-11-01") == {"ACME LTD SALARY", "British Airways", "SHADY SHOP"}
    assert titles("since=2026-11-03&until=2026-11-03") == {"Pret A Manger"}
    filtered = alice.client.get("/transactions?q=nothing-matches")
    assert "No transactions match" in filtered.text
    # The form keeps what was asked.
    kept = alice.client.get(f"/transactions?q=pret&account={home.card.id}&status=pending").text
    assert 'value="pret"' in kept
    assert f'value="{home.card.id}" selected' in kept
    assert 'value="pending" selected' in kept


def test_since_is_local_midnight_in_london(alice: SignedIn, db: Session) -> None:
    home = _household(db, alice.user_id)
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    db.add(
        Transaction(
            user_id=alice.user_id,
            connection_id=home.monzo.id,
            account_id=home.current.id,
            external_id="tx_midnight",
            created_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
            amount=-1_00,
            currency="GBP",
            status="settled",
            description="Late night snack",
        )
    )
    db.commit()
    july = alice.client.get("/transactions?since=2026-07-01&until=2026-07-01").text
    assert "Late night snack" in july
    assert "1 Jul 2026" in _text(july) and "00:30" in july
    june = alice.client.get("/transactions?since=2026-06-30&until=2026-06-30").text
    assert "Late night snack" not in june


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "is not a date"),
        ("until=2026-13-45", "is not a date"),
        ("since=2026-11-05&until=2026-11-01", "is after"),
        ("status=lost", "Choose a status"),
        ("account=not-an-account", "Choose one of your accounts"),
        ("cursor=%%%not-a-cursor", "cursor is not valid"),
    ],
)
def test_bad_filters_answer_400_with_a_message(
    alice: SignedIn, db: Session, query: str, message: str
) -> None:
    _household(db, alice.user_id)
    response = alice.client.get(f"/transactions?{query}")
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert message in response.text
    assert 'role="alert"' in response.text


def test_older_link_pages_and_keeps_filters(
    alice: SignedIn, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transaction_pages, "PAGE_SIZE", 3)
    home = _household(db, alice.user_id)
    base = datetime(2026, 10, 1, tzinfo=UTC)
    db.add_all(
        Transaction(
            user_id=alice.user_id,
            connection_id=home.monzo.id,
            account_id=home.current.id,
            external_id=f"tx_bus_{n}",
            created_at=base - timedelta(days=n),
            amount=-1_75,
            currency="GBP",
            status="settled",
            description=f"TfL bus fare {n}",
        )
        for n in range(5)
    )
    db.commit()
    first = alice.client.get(f"/transactions?q=tfl&account={home.current.id}")
    links = re.findall(r'href="(/transactions\?[^"]*cursor=[^"]*)"', first.text)
    assert len(links) == 1
    older = links[0].replace("&amp;", "&")
    assert "q=tfl" in older and f"account={home.current.id}" in older
    assert [f"TfL bus fare {n}" in first.text for n in range(5)] == [True] * 3 + [False] * 2
    second = alice.client.get(older)
    assert second.status_code == 200
    assert [f"TfL bus fare {n}" in second.text for n in range(5)] == [False] * 3 + [True] * 2
    assert "Older" not in _text(second.text)
    assert "Newest" in second.text


def test_bob_never_sees_alices_rows(alice: SignedIn, bob: SignedIn, db: Session) -> None:
    home = _household(db, alice.user_id)
    for path in ("/connections", "/accounts", "/transactions"):
        html = bob.client.get(path).text
        for secret in (
            "Current account",
            "Platinum Cashback",
            "Holiday",
            "Pret A Manger",
            "£1,234.56",
            home.monzo.id,
            home.amex.id,
        ):
            # Whole words: the built-in category "Holidays" is in every user's filter.
            assert not re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", html), (path, secret)
    # Naming Alice's account in a filter reveals nothing either.
    response = bob.client.get(f"/transactions?account={home.current.id}")
    assert response.status_code == 400
    assert "Pret A Manger" not in response.text
