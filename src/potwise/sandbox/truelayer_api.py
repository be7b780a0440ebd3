"""TrueLayer Data API v1 under /truelayer/api/data/v1.

Envelope `{"results": [...], "status": "Succeeded"}`, scopes per endpoint,
card-only providers (Amex and Capital One answer `/accounts` with 501), card signs from the
issuer's side, consent expiry (403 `access_denied`), the deep-history window
after consent (`sca_exceeded` for older than 90 days afterwards), and the
unattended-access cap (calls without `X-PSU-IP`, per consent per 24 h).
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox import truelayer_shapes as shapes
from potwise.sandbox.clock import parse_instant, tl_time
from potwise.sandbox.errors import TrueLayerError
from potwise.sandbox.household import Household
from potwise.sandbox.model import TLAccount
from potwise.sandbox.providers import NO_ACCOUNTS_ENDPOINT, PROVIDERS
from potwise.sandbox.routes import router_of
from potwise.sandbox.tlnumbers import dumps
from potwise.sandbox.truelayer_oauth import DAY, TLConnection, TLToken

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

Span = tuple[float, float]


def _envelope(results: list[dict[str, Any]], token: TLToken) -> Response:
    return Response(
        dumps({"results": results, "status": "Succeeded"}),
        media_type="application/json; charset=utf-8",
        headers={
            "X-TL-Correlation-Id": str(uuid.uuid4()),
            "X-Credentials-Id": token.connection.credentials_id,
        },
    )


def _not_supported() -> TrueLayerError:
    return TrueLayerError(501, "endpoint_not_supported", "Feature not supported by the provider")


def _bound(params: QueryParams, name: str, now: datetime, *, end: bool) -> datetime | None:
    """`from` or `to`: a date names a whole day (included), or an exact date-time."""
    raw = params.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
            return start + timedelta(days=1) - timedelta(microseconds=1) if end else start
        return parse_instant(raw)
    except ValueError:
        raise TrueLayerError(
            400, "validation_error", f"{name} must be an ISO 8601 date or date-time"
        ) from None


def _settled(account: TLAccount, span: Span) -> list[dict[str, Any]]:
    lo = bisect_left(account.times, span[0])
    hi = bisect_right(account.times, span[1])
    return [shapes.tx_json(t) for t in account.settled[lo:hi]]


def _pending(account: TLAccount, span: Span) -> list[dict[str, Any]]:
    return [
        shapes.tx_json(t) for t in account.pending if span[0] <= t.timestamp.timestamp() <= span[1]
    ]


class TrueLayerApi:
    """The Data API's handlers, bound to one sandbox world."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.auth = world.truelayer

    # ------------------------------------------------------------ sessions
    def session(
        self, request: Request, *scopes: str, counts: bool = True
    ) -> tuple[TLToken, Household]:
        """The token's consent, checked (alive, under the unattended cap, the scopes)."""
        token = self.auth.authenticate(request)
        connection = token.connection
        if self.auth.consent_lapsed(connection):
            raise TrueLayerError(
                403,
                "access_denied",
                "The consent has expired or was revoked; the user must re-authenticate.",
            )
        if counts and request.headers.get("x-psu-ip") is None:
            self._count_unattended(connection)
        missing = [s for s in scopes if s not in connection.scopes]
        if missing:
            raise TrueLayerError(
                403, "access_denied", f"The token does not grant the scopes: {' '.join(missing)}"
            )
        return token, self.world.household(connection.user)

    def _count_unattended(self, connection: TLConnection) -> None:
        limit = self.world.options.unattended_limit(connection.provider_id)
        if limit is None:
            return
        now = self.auth.now()
        calls = connection.unattended
        while calls and calls[0] <= now - DAY:
            calls.popleft()
        if len(calls) >= limit:
            raise TrueLayerError(
                429,
                "provider_request_limit_exceeded",
                "Maximum number of requests per user allowed by provider exceeded.",
            )
        # Failed calls count too; only token calls and /me (answered by TrueLayer,
        # not the bank) are free [A].
        calls.append(now)

    def window(self, request: Request, token: TLToken) -> Span:
        """The transactions' time span asked for, within what the consent may see."""
        params = request.query_params
        now = self.world.clock.now()
        options = self.world.options
        deep = self.auth.now() < token.connection.created + options.truelayer_sca_window
        start = _bound(params, "from", now, end=False)
        end = _bound(params, "to", now, end=True) or now
        if start is None:
            # [A] Without `from`: everything inside the deep-history window, else 89 days.
            start = datetime(1970, 1, 1, tzinfo=now.tzinfo) if deep else now - timedelta(days=89)
        if start > end:
            raise TrueLayerError(400, "invalid_date_range", "from must not be after to")
        horizon = now - timedelta(days=options.truelayer_history_days)
        if not deep and start < horizon:
            raise TrueLayerError(
                403,
                options.truelayer_history_error,
                "SCA exemption has expired. This resource is protected and should be accessed "
                "shortly after PSU Authentication. In order to access this resource, please "
                "have the PSU re-authenticate.",
            )
        return start.timestamp(), end.timestamp()

    def _found(
        self, request: Request, account_id: str, kind: str, *scopes: str
    ) -> tuple[TLToken, TLAccount]:
        """The session and one of its provider's accounts or cards (404 otherwise)."""
        token, h = self.session(request, *scopes)
        account = h.tl_accounts.get(account_id)
        if (
            account is None
            or account.provider_id != token.connection.provider_id
            or account.kind != kind
        ):
            raise TrueLayerError(404, "account_not_found", "account not found")
        return token, account

    @staticmethod
    def _provider_items(h: Household, token: TLToken, kind: str) -> list[TLAccount]:
        pid = token.connection.provider_id
        return [a for a in h.tl_accounts.values() if a.provider_id == pid and a.kind == kind]

    # ------------------------------------------------------------ the user
    async def me(self, request: Request) -> Response:
        token, _ = self.session(request, counts=False)
        c = token.connection
        tz = self.world.clock.now().tzinfo
        created = datetime.fromtimestamp(c.created, tz)
        return _envelope(
            [
                {
                    "client_id": c.client_id,
                    "credentials_id": c.credentials_id,
                    "consent_status": "Authorised",
                    "consent_status_updated_at": tl_time(created),
                    "consent_created_at": tl_time(created),
                    "consent_expires_at": tl_time(datetime.fromtimestamp(c.expires, tz)),
                    "provider": shapes.provider_json(PROVIDERS[c.provider_id]),
                    "scopes": c.scopes,
                    "privacy_policy": "Feb2019",
                }
            ],
            token,
        )

    async def info(self, request: Request) -> Response:
        token, h = self.session(request, "info")
        return _envelope(
            [{"full_name": h.main.full, "update_timestamp": tl_time(self.world.clock.now())}],
            token,
        )

    # ------------------------------------------------------------ accounts
    async def accounts(self, request: Request) -> Response:
        token, h = self.session(request, "accounts")
        provider = PROVIDERS[token.connection.provider_id]
        if provider.provider_id in NO_ACCOUNTS_ENDPOINT:
            # Amex and Capital One offer cards only; `/accounts` is refused as not supported.
            raise _not_supported()
        now = self.world.clock.now()
        # Barclaycard (cards only too) answers with an empty list instead.
        items = self._provider_items(h, token, "account")
        return _envelope([shapes.account_json(a, provider, now) for a in items], token)

    async def account(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "account", "accounts")
        provider = PROVIDERS[found.provider_id]
        return _envelope([shapes.account_json(found, provider, self.world.clock.now())], token)

    async def account_balance(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "account", "accounts", "balance")
        return _envelope([shapes.account_balance_json(found, self.world.clock.now())], token)

    async def account_transactions(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "account", "accounts", "transactions")
        return _envelope(_settled(found, self.window(request, token)), token)

    async def account_pending(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "account", "accounts", "transactions")
        return _envelope(_pending(found, self.window(request, token)), token)

    async def standing_orders(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "account", "accounts", "standing_orders")
        now = self.world.clock.now()
        rows = [shapes.standing_order_json(so, found, now) for so in found.standing_orders]
        return _envelope(rows, token)

    async def direct_debits(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "account", "accounts", "direct_debits")
        now = self.world.clock.now()
        rows = [shapes.direct_debit_json(dd, found, now) for dd in found.direct_debits]
        return _envelope(rows, token)

    # --------------------------------------------------------------- cards
    async def cards(self, request: Request) -> Response:
        token, h = self.session(request, "cards")
        provider = PROVIDERS[token.connection.provider_id]
        if not provider.has_cards:
            raise _not_supported()
        now = self.world.clock.now()
        items = self._provider_items(h, token, "card")
        return _envelope([shapes.card_json(c, provider, now) for c in items], token)

    async def card(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "card", "cards")
        provider = PROVIDERS[found.provider_id]
        return _envelope([shapes.card_json(found, provider, self.world.clock.now())], token)

    async def card_balance(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "card", "cards", "balance")
        return _envelope([shapes.card_balance_json(found, self.world.clock.now())], token)

    async def card_transactions(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "card", "cards", "transactions")
        return _envelope(_settled(found, self.window(request, token)), token)

    async def card_pending(self, request: Request, account_id: str) -> Response:
        token, found = self._found(request, account_id, "card", "cards", "transactions")
        return _envelope(_pending(found, self.window(request, token)), token)


def build_router(world: SandboxWorld) -> APIRouter:
    api = TrueLayerApi(world)
    return router_of(
        [
            ("GET", "/me", api.me),
            ("GET", "/info", api.info),
            ("GET", "/accounts", api.accounts),
            ("GET", "/accounts/{account_id}", api.account),
            ("GET", "/accounts/{account_id}/balance", api.account_balance),
            ("GET", "/accounts/{account_id}/transactions", api.account_transactions),
            ("GET", "/accounts/{account_id}/transactions/pending", api.account_pending),
            ("GET", "/accounts/{account_id}/standing_orders", api.standing_orders),
            ("GET", "/accounts/{account_id}/direct_debits", api.direct_debits),
            ("GET", "/cards", api.cards),
            ("GET", "/cards/{account_id}", api.card),
            ("GET", "/cards/{account_id}/balance", api.card_balance),
            ("GET", "/cards/{account_id}/transactions", api.card_transactions),
            ("GET", "/cards/{account_id}/transactions/pending", api.card_pending),
        ]
    )
