"""Monzo's developer API: every endpoint potwise uses, through one injected HTTP client.

Reads (GET, and the idempotent DELETE of a webhook) go through `call_safely`:
retried with backoff on 5xx, timeouts and 429, within the caller's
RetryPolicy. Writes that are not idempotent are sent exactly once: a pot
move that times out raises ProviderUnavailable and the caller retries it
with the *same* dedupe_id, which Monzo uses to move the money at most once.

Requests follow the reference: the bearer header on every call, query
strings for reads, form bodies for writes (a pot move with its parameters in
the query string is refused as "amount must be greater than 0").

The request plumbing is in `calls.py`; the transaction page walk in `pages.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from potwise import clock
from potwise.banks.errors import BadResponse, RequestRejected
from potwise.banks.monzo import mapping, schemas
from potwise.banks.monzo.calls import MonzoCalls, segment
from potwise.banks.monzo.errors import PROVIDER
from potwise.banks.monzo.pages import (
    MAX_PAGE,
    PageWalk,
    format_before,
    format_since,
    last_id_of_full_page,
)
from potwise.domain.mirror import AccountBalance, BankAccount, BankPot, BankTransaction

#: The account types listed, one request each: `account_type` is documented
#: as a single-valued filter, and without it Monzo also returns business,
#: loan, flex and closed prepaid accounts.
ACCOUNT_TYPES = ("uk_retail", "uk_retail_joint")


@dataclass(frozen=True)
class Identity:
    """`GET /ping/whoami`: what the access token is."""

    authenticated: bool
    client_id: str | None
    user_id: str | None


@dataclass(frozen=True)
class RegisteredWebhook:
    external_id: str
    account_external_id: str
    url: str


class MonzoClient(MonzoCalls):
    """One user's Monzo API, with one access token.

    `api_url` is the API's base URL (settings' `MONZO_API_URL`; it may carry
    a path prefix). The caller owns `http` (timeouts, transport) and refreshes
    the token when a call raises AuthExpired.
    """

    # -- identity ----------------------------------------------------------------------

    def whoami(self) -> Identity:
        """`GET /ping/whoami`: a cheap check that the token is accepted."""
        body = mapping.validate(schemas.WhoAmI, self._read("GET", "/ping/whoami"), what="whoami")
        return Identity(
            authenticated=body.authenticated, client_id=body.client_id, user_id=body.user_id
        )

    # -- accounts, balances, pots ----------------------------------------------------------

    def accounts(self, include_closed: bool = True) -> list[BankAccount]:
        """Current and joint accounts: one request per type, closed ones flagged
        (or left out when `include_closed` is False). Never picks by position.

        The types are asked for side by side (the others on a helper thread), so
        listing costs one round trip, not one per type; the first failure is raised.
        """

        def read(account_type: str) -> Any:
            return self._read("GET", "/accounts", params=(("account_type", account_type),))

        first, *others = ACCOUNT_TYPES
        with ThreadPoolExecutor(max_workers=len(others) or 1) as beside:
            asked = [beside.submit(read, account_type) for account_type in others]
            bodies = [read(first), *(answer.result() for answer in asked)]
        found: dict[str, BankAccount] = {}
        for account_type, body in zip(ACCOUNT_TYPES, bodies, strict=True):
            for account in mapping.accounts_from_json(body, requested_type=account_type):
                found.setdefault(account.external_id, account)
        return [a for a in found.values() if include_closed or not a.closed]

    def balance(self, account_id: str, *, now: datetime | None = None) -> AccountBalance:
        """`GET /balance`, stamped with `now` (the time of the call when not given)."""
        body = self._read("GET", "/balance", params=(("account_id", account_id),))
        at = now if now is not None else clock.now()
        return mapping.balance_from_json(body, account_id=account_id, at=at)

    def pots(self, account_id: str) -> list[BankPot]:
        """The pots of a current or joint account (deleted ones included, flagged)."""
        body = self._read("GET", "/pots", params=(("current_account_id", account_id),))
        return mapping.pots_from_json(body, account_id=account_id)

    # -- transactions -----------------------------------------------------------------------

    def _page_params(
        self,
        account_id: str,
        since: datetime | str | None,
        before: datetime | None,
        limit: int,
    ) -> tuple[tuple[str, str], ...]:
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        params: list[tuple[str, str]] = [
            ("account_id", account_id),
            ("expand[]", "merchant"),
            ("limit", str(limit)),
        ]
        if isinstance(since, datetime):
            params.append(("since", format_since(since)))
        elif since is not None:
            params.append(("since", since))
        if before is not None:
            params.append(("before", format_before(before)))
        return tuple(params)

    def transactions_page(
        self,
        account_id: str,
        *,
        since: datetime | str | None,
        before: datetime | None = None,
        limit: int = MAX_PAGE,
    ) -> list[BankTransaction]:
        """One page, oldest first, merchants expanded.

        `since` is an aware datetime (inclusive) or a transaction id
        (exclusive); None asks for the beginning of history, which Monzo only
        allows in the five minutes after a login (else HistoryWindowClosed).
        `before` is exclusive. `limit` is 1..100.
        """
        params = self._page_params(account_id, since, before, limit)
        body = self._read("GET", "/transactions", params=params)
        return mapping.transactions_from_json(body, account_id=account_id)

    def iter_transactions(
        self,
        account_id: str,
        *,
        since: datetime | str | None = None,
        before: datetime | None = None,
    ) -> Iterator[list[BankTransaction]]:
        """Every transaction from `since`, in pages of up to 100, oldest first.

        Walks forward with `since=<id of the last transaction>` and stops at
        the first page shorter than 100: the fewest calls pagination allows.
        Empty pages are not yielded.

        The walk is a chain of requests, each waiting for the one before. The
        first page is read on the caller's thread; when it is full, the rest
        are walked on a thread of their own that asks for the next page as
        soon as an answer's last id is read from the raw JSON (`PageWalk`),
        while this thread validates and maps the pages. A mapped page must
        agree on that id, else the walk ahead is dropped and started again
        from the right one.
        """

        def read(at: datetime | str | None, on_sent: Callable[[], None] | None = None) -> Any:
            params = self._page_params(account_id, at, before, MAX_PAGE)
            return self._read("GET", "/transactions", params=params, on_sent=on_sent)

        # The first page is read here: most syncs need no other, and no thread.
        cursor = since
        body = read(cursor)
        guess = last_id_of_full_page(body)
        pages = PageWalk(read, guess) if guess is not None and guess != cursor else None
        try:
            while True:
                page = mapping.transactions_from_json(body, account_id=account_id)
                if page:
                    yield page
                if len(page) < MAX_PAGE:
                    return
                last_id = page[-1].external_id
                if last_id == cursor:
                    # A server that ignored `since` would loop forever.
                    raise BadResponse(
                        "Monzo repeated a transaction page: pagination did not advance",
                        provider=PROVIDER,
                    )
                if pages is None or guess != last_id:
                    # The walk went on from another id (or never started): start it here.
                    if pages is not None:
                        pages.close()
                    pages = PageWalk(read, last_id)
                cursor, body, guess = pages.next()
        finally:
            if pages is not None:
                pages.close()

    def transaction(self, tx_id: str, *, account_id: str | None = None) -> BankTransaction:
        """`GET /transactions/{id}`, merchant expanded. `account_id` stands in
        if the answer omits the (undocumented) `account_id` field."""
        body = self._read(
            "GET", f"/transactions/{segment(tx_id)}", params=(("expand[]", "merchant"),)
        )
        return mapping.transaction_from_json(body, account_id=account_id)

    # -- money moves (never retried here) ----------------------------------------------------

    def deposit_to_pot(
        self, pot_id: str, *, source_account_id: str, amount: int, dedupe_id: str
    ) -> BankPot:
        """Move `amount` pence from the account into the pot. Sent once.

        On ProviderUnavailable the outcome is unknown: retry with the same
        `dedupe_id` (Monzo moves the money at most once per id).
        """
        body = self._move(
            pot_id,
            "deposit",
            {"source_account_id": source_account_id},
            amount=amount,
            dedupe_id=dedupe_id,
        )
        return mapping.pot_from_json(body, account_id=source_account_id)

    def withdraw_from_pot(
        self, pot_id: str, *, destination_account_id: str, amount: int, dedupe_id: str
    ) -> BankPot:
        """Move `amount` pence from the pot into the account. Sent once (see deposit)."""
        body = self._move(
            pot_id,
            "withdraw",
            {"destination_account_id": destination_account_id},
            amount=amount,
            dedupe_id=dedupe_id,
        )
        return mapping.pot_from_json(body, account_id=destination_account_id)

    def _move(
        self,
        pot_id: str,
        direction: str,
        account: dict[str, str],
        *,
        amount: int,
        dedupe_id: str,
    ) -> Any:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValueError("a pot move needs a positive whole number of pence")
        if not dedupe_id:
            raise ValueError("a pot move needs a dedupe_id")
        form = {**account, "amount": str(amount), "dedupe_id": dedupe_id}
        return self._send("PUT", f"/pots/{segment(pot_id)}/{direction}", data=form)

    # -- webhooks ------------------------------------------------------------------------------

    def register_webhook(self, account_id: str, url: str) -> str:
        """Register `url` for the account's `transaction.created` events; the webhook id.

        Not retried: registering twice makes two registrations. Check
        `list_webhooks` first when in doubt.
        """
        body = self._send("POST", "/webhooks", data={"account_id": account_id, "url": url})
        return mapping.validate(schemas.WebhookEnvelope, body, what="a webhook").webhook.id

    def list_webhooks(self, account_id: str) -> list[RegisteredWebhook]:
        body = self._read("GET", "/webhooks", params=(("account_id", account_id),))
        parsed = mapping.validate(schemas.WebhookList, body, what="a webhook list")
        return [
            RegisteredWebhook(external_id=w.id, account_external_id=w.account_id, url=w.url)
            for w in parsed.webhooks
        ]

    def delete_webhook(self, webhook_id: str) -> None:
        """Deregister a webhook (idempotent, so retried like a read).

        A 404 counts as done: after a retry whose first attempt did delete it,
        or when it was removed elsewhere, the webhook is gone either way.
        """
        try:
            self._read("DELETE", f"/webhooks/{segment(webhook_id)}")
        except RequestRejected as exc:
            if exc.status != 404:
                raise

    # -- feed --------------------------------------------------------------------------------

    def create_feed_item(
        self,
        account_id: str,
        *,
        title: str,
        image_url: str,
        body: str | None = None,
        url: str | None = None,
        background_color: str | None = None,
        title_color: str | None = None,
        body_color: str | None = None,
        on_sent: Callable[[], None] | None = None,
        timeout: float | None = None,
    ) -> None:
        """Post a `basic` item to the user's Monzo app feed. Not retried (it
        would show twice): `on_sent` is called once the request is written out,
        so the caller knows whether a failure may have reached Monzo."""
        form = {"account_id": account_id, "type": "basic", "params[title]": title}
        form["params[image_url]"] = image_url
        optional = {
            "url": url,
            "params[body]": body,
            "params[background_color]": background_color,
            "params[title_color]": title_color,
            "params[body_color]": body_color,
        }
        form.update({key: value for key, value in optional.items() if value is not None})
        self._send("POST", "/feed", data=form, on_sent=on_sent, timeout=timeout)
