"""TrueLayer Data API v1 client: one class, an injected sync HTTP client.

Every call is a GET, so every call goes through `call_safely` (bounded
retries with backoff for outages and rate limits, never for
`provider_request_limit_exceeded`). Answers are mapped to domain types in
`mapping.py`; errors are translated once in `failures.py`.

Attended and unattended calls: banks only have to answer four calls per
consent per 24 hours made without the user present. Pass `psu_ip` (the
user's IP address) only when a person triggered the call (a page load, a
button): the `X-PSU-IP` header declares the user present, and is sent then
and only then.

Not applicable endpoints: a provider that does not offer an endpoint
answers `501 endpoint_not_supported` (Amex `/accounts`, First Direct
standing orders, `/cards` where there are none); list methods return an
empty list for it. Direct debits, standing orders and pending
transactions also answer `403 access_denied` where there are none or the
provider refuses them (reference §6, "not applicable shapes"); those three
list those as empty too. Everywhere else a 403 `access_denied` means the
consent is gone (ConsentExpired). `accounts()` and `cards()` therefore
treat 403 as ConsentExpired: call each only when the connection's granted
scopes (`TokenSet.scope`, or `me().scopes`) include `accounts` / `cards`.

How a call is made is in `calls.py`; how its answer is read, in `answers.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from potwise.banks.truelayer import answers, mapping, schemas
from potwise.banks.truelayer.calls import PSU_IP_HEADER, DataApiCalls
from potwise.domain.mirror import (
    AccountBalance,
    BankAccount,
    BankTransaction,
    DirectDebit,
    StandingOrder,
    TransactionStatus,
)

__all__ = ["PSU_IP_HEADER", "TrueLayerClient", "window_params"]


def window_params(from_: datetime | None, to: datetime | None) -> dict[str, str]:
    """The `from`/`to` query parameters for a time window.

    Sent as `YYYY-MM-DD` (UTC dates), the format the documentation gives;
    both days are included by the API, so the window asked for is always
    covered. Both are sent or neither: a lone `from` was seen to be ignored
    (reference §4), so asking for one without the other is refused here.
    """
    if from_ is None and to is None:
        return {}
    if from_ is None or to is None:
        raise ValueError("give both from_ and to, or neither (TrueLayer ignores a lone 'from')")
    if from_.tzinfo is None or to.tzinfo is None:
        raise ValueError("from_ and to must be timezone-aware")
    if from_ > to:
        raise ValueError("from_ must not be after to")
    return {
        "from": from_.astimezone(UTC).date().isoformat(),
        "to": to.astimezone(UTC).date().isoformat(),
    }


class TrueLayerClient(DataApiCalls):
    """The Data API for one connection (one access token)."""

    # -- connection ------------------------------------------------------------

    def me(self) -> mapping.ConnectionDetails:
        """Provider, granted scopes and consent dates (`consent_expires_at`)."""
        item = self._one("/me", schemas.Me, what="connection details")
        return mapping.map_me(item)

    def info(self) -> schemas.Info | None:
        """The account holder's identity, if the provider gives one."""
        items = self._list("/info", schemas.Info, what="identity")
        return items[0] if items else None

    # -- bank accounts -----------------------------------------------------------

    def accounts(self) -> list[BankAccount]:
        items = self._list("/accounts", schemas.Account, what="accounts", not_supported_ok=True)
        return self._map(lambda: [mapping.map_account(item) for item in items])

    def balance(self, account_id: str) -> AccountBalance:
        response, item = self._one_with_response(
            f"/accounts/{_segment(account_id)}/balance",
            schemas.AccountBalance,
            what="account balance",
        )
        observed_at = answers.observed_at(response)
        return self._map(
            lambda: mapping.map_account_balance(account_id, item, observed_at=observed_at)
        )

    def transactions(
        self, account_id: str, *, from_: datetime | None = None, to: datetime | None = None
    ) -> list[BankTransaction]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/transactions",
            schemas.Transaction,
            what="transactions",
            params=window_params(from_, to),
        )
        return self._map(
            lambda: [
                mapping.map_account_transaction(account_id, item, status=TransactionStatus.SETTLED)
                for item in items
            ]
        )

    def pending_transactions(self, account_id: str) -> list[BankTransaction]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/transactions/pending",
            schemas.Transaction,
            what="pending transactions",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(
            lambda: [
                mapping.map_account_transaction(account_id, item, status=TransactionStatus.PENDING)
                for item in items
            ]
        )

    def standing_orders(self, account_id: str) -> list[StandingOrder]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/standing_orders",
            schemas.StandingOrder,
            what="standing orders",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(lambda: mapping.map_standing_orders(account_id, items))

    def direct_debits(self, account_id: str) -> list[DirectDebit]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/direct_debits",
            schemas.DirectDebit,
            what="direct debits",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(lambda: [mapping.map_direct_debit(account_id, item) for item in items])

    # -- cards -------------------------------------------------------------------

    def cards(self) -> list[BankAccount]:
        items = self._list("/cards", schemas.Card, what="cards", not_supported_ok=True)
        return self._map(lambda: [mapping.map_card(item) for item in items])

    def card_balance(self, card_id: str, *, provider_id: str | None = None) -> AccountBalance:
        """The card's balance, negative when the user owes.

        `provider_id` (the card's `BankAccount.provider_type`) lets the mapping
        drop Amex's unreliable `credit_limit`.
        """
        response, item = self._one_with_response(
            f"/cards/{_segment(card_id)}/balance", schemas.CardBalance, what="card balance"
        )
        observed_at = answers.observed_at(response)
        return self._map(
            lambda: mapping.map_card_balance(
                card_id, item, provider_id=provider_id, observed_at=observed_at
            )
        )

    def card_transactions(
        self, card_id: str, *, from_: datetime | None = None, to: datetime | None = None
    ) -> list[BankTransaction]:
        items = self._list(
            f"/cards/{_segment(card_id)}/transactions",
            schemas.CardTransaction,
            what="card transactions",
            params=window_params(from_, to),
        )
        return self._map(
            lambda: [
                mapping.map_card_transaction(card_id, item, status=TransactionStatus.SETTLED)
                for item in items
            ]
        )

    def card_pending_transactions(self, card_id: str) -> list[BankTransaction]:
        items = self._list(
            f"/cards/{_segment(card_id)}/transactions/pending",
            schemas.CardTransaction,
            what="pending card transactions",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(
            lambda: [
                mapping.map_card_transaction(card_id, item, status=TransactionStatus.PENDING)
                for item in items
            ]
        )


def _segment(external_id: str) -> str:
    """An id as one path segment: ids are opaque, so escape anything odd."""
    return quote(external_id, safe="")
