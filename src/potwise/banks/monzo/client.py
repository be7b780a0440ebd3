"""Monzo's developer API: every endpoint potwise uses, through one injected HTTP client.

Reads (GET, and the idempotent DELETE of a webhook) go through `call_safely`:
retried with backoff on 5xx, timeouts and 429, within the caller's
RetryPolicy. Writes that are not idempotent are sent exactly once: a pot
move that times out raises ProviderUnavailable and the caller retries it
with the *same* dedupe_id, which Monzo uses to move the money at most once.

Requests follow the reference: the bearer header on every call, query
strings for reads, form bodies for writes (a pot move with its parameters in
the query string is refused as "amount must be greater than 0").
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx2

from potwise.banks.errors import BadResponse, RequestRejected
from potwise.banks.http import (
    DEFAULT_RETRY,
    CallStats,
    RetryPolicy,
    call_safely,
    parse_json,
    transport_error,
)
from potwise.banks.monzo import mapping, schemas
from potwise.banks.monzo.errors import PROVIDER, error_for_response
from potwise.domain.mirror import AccountBalance, BankAccount, BankPot, BankTransaction

#: The account types listed, one request each: `account_type` is documented
#: as a single-valued filter, and without it Monzo also returns business,
#: loan, flex and closed prepaid accounts.
ACCOUNT_TYPES = ("uk_retail", "uk_retail_joint")
#: Monzo's maximum page size (the default is 30).
MAX_PAGE = 100

Params = tuple[tuple[str, str], ...]


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


def format_since(when: datetime) -> str:
    """`since` (inclusive) to the second, rounded *down*: a little overlap, never a gap."""
    return _utc(when).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_before(when: datetime) -> str:
    """`before` (exclusive) to the second, rounded *up*: a little overlap, never a gap."""
    utc = _utc(when)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("Monzo time filters need an aware datetime")
    return when.astimezone(UTC)


class MonzoClient:
    """One user's Monzo API, with one access token.

    `api_url` is the API's base URL (settings' `MONZO_API_URL`; it may carry
    a path prefix). The caller owns `http` (timeouts, transport) and refreshes
    the token when a call raises AuthExpired.
    """

    def __init__(
        self,
        http: httpx2.Client,
        *,
        api_url: str,
        access_token: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        stats: CallStats | None = None,
    ) -> None:
        self._http = http
        self._api_url = api_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._retry = retry
        self._stats = stats

    def __repr__(self) -> str:  # never shows the token
        return f"MonzoClient(api_url={self._api_url!r})"

    # -- transport -------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Mapping[str, str] | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> Any:
        """One request, answered with its JSON object or a translated error.

        `on_sent` is called once the request is on its way (written to the
        connection, before the answer is awaited), where the transport reports it.
        """
        if self._stats is not None:
            self._stats.record_call()
        try:
            response = self._http.request(
                method,
                self._api_url + path,
                params=params,
                data=data,
                headers=self._headers,
                extensions=None if on_sent is None else {"trace": _when_sent(on_sent)},
            )
        except httpx2.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from None
        if not response.is_success:
            raise error_for_response(response)
        if not response.content.strip():
            # Monzo's empty successes are `{}`; an empty body means the same.
            # Calls that need a body still fail validation on it.
            return {}
        body = parse_json(response, provider=PROVIDER)
        if not isinstance(body, dict):
            raise BadResponse(
                f"Monzo answered {method} {path} with JSON that is not an object",
                provider=PROVIDER,
            )
        return body

    def _read(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> Any:
        """An idempotent request, retried within the policy (`on_sent`: see `_send`)."""
        return call_safely(
            lambda: self._send(method, path, params=params, on_sent=on_sent),
            policy=self._retry,
            stats=self._stats,
        )

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
        at = now if now is not None else datetime.now(UTC)
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
        soon as an answer's last id is read from the raw JSON (`_PageWalk`),
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
        guess = _last_id_of_full_page(body)
        pages = _PageWalk(read, guess) if guess is not None and guess != cursor else None
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
                    pages = _PageWalk(read, last_id)
                cursor, body, guess = pages.next()
        finally:
            if pages is not None:
                pages.close()

    def transaction(self, tx_id: str, *, account_id: str | None = None) -> BankTransaction:
        """`GET /transactions/{id}`, merchant expanded. `account_id` stands in
        if the answer omits the (undocumented) `account_id` field."""
        body = self._read(
            "GET", f"/transactions/{_segment(tx_id)}", params=(("expand[]", "merchant"),)
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
        return self._send("PUT", f"/pots/{_segment(pot_id)}/{direction}", data=form)

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
            self._read("DELETE", f"/webhooks/{_segment(webhook_id)}")
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
    ) -> None:
        """Post a `basic` item to the user's Monzo app feed. Not retried (it
        would show twice)."""
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
        self._send("POST", "/feed", data=form)


def _segment(value: str) -> str:
    """An id as one URL path segment (ids are opaque; never let one add a path)."""
    if not value:
        raise ValueError("an id must not be empty")
    return quote(value, safe="")


#: A page's answer as the walk hands it over: (the cursor it was asked with, its
#: JSON, its last id when the page is full).
_Answer = tuple[datetime | str | None, Any, str | None]
#: Reads the page after a cursor; the callable is called once the request is sent.
_ReadPage = Callable[[datetime | str | None, Callable[[], None]], Any]


class _PageWalk:
    """Requests transaction pages one after another on a thread of its own.

    Each next page is asked for as soon as the answer before it has arrived
    and its last id is read (`_last_id_of_full_page`), with no other thread
    in between: an answer is handed to the reader only once the request for
    the page after it is on its way (or has failed), so validating, mapping and
    writing it run while the bank is answering and never delay the chain's next
    request. At most one answer waits unread: when the reader stops early, at
    most three requests beyond what it read were made. Answers and the first
    error reach the reader in order, through `next`.
    """

    def __init__(self, read: _ReadPage, cursor: datetime | str | None):
        self._read = read
        self._answers: queue.Queue[_Answer | BaseException] = queue.Queue(maxsize=1)
        self._held: _Answer | None = None  # read, handed over once the next request is sent
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(cursor,), name="monzo-pages", daemon=True
        )
        self._thread.start()

    def _run(self, cursor: datetime | str | None) -> None:
        try:
            while not self._stop.is_set():
                try:
                    body = self._read(cursor, self._hand_over)
                finally:
                    self._hand_over()  # a transport that reports no sending, or a failure
                guess = _last_id_of_full_page(body)
                if guess is None or guess == cursor:
                    self._offer((cursor, body, guess))
                    return  # the last page, or one the reader must look at first
                self._held = (cursor, body, guess)
                cursor = guess
        except BaseException as exc:  # handed to the reader, raised there
            self._offer(exc)

    def _hand_over(self) -> None:
        """Give the reader the answer held back (once; later calls do nothing)."""
        held, self._held = self._held, None
        if held is not None:
            self._offer(held)

    def _offer(self, item: _Answer | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._answers.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def next(self) -> _Answer:
        """The next answer: (the cursor it was asked with, its JSON, its last id if full)."""
        item = self._answers.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop asking; wait for a request already on its way (its answer is not used)."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._answers.get(timeout=0.05)
        self._thread.join()


def _when_sent(on_sent: Callable[[], None]) -> Callable[[str, dict[str, Any]], None]:
    """A transport trace hook calling `on_sent` once the request is written out."""

    def trace(event: str, _info: dict[str, Any]) -> None:
        if event.endswith(".send_request_body.complete"):
            on_sent()

    return trace


def _last_id_of_full_page(body: Any) -> str | None:
    """The id a full page's mapping will end on (the newest `created`, the last
    of equals), read cheaply from the raw answer; None when the page is not
    full or does not look right (then nothing is requested early)."""
    if not isinstance(body, dict):
        return None
    items = body.get("transactions")
    if not isinstance(items, list) or len(items) < MAX_PAGE:
        return None
    newest: tuple[datetime, str] | None = None
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return None
        try:
            created = schemas.parse_timestamp(item.get("created"))
        except ValueError:
            return None
        if newest is None or created >= newest[0]:
            newest = (created, item["id"])
    return newest[1] if newest is not None else None
