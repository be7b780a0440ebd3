"""TrueLayer Data API v1 under /truelayer/api/data/v1.

Envelope `{"results": [...], "status": "Succeeded"}`, scopes per endpoint,
card-only providers (Amex answers `/accounts` with 501), card signs from the
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
from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox import truelayer_shapes as shapes
from potwise.sandbox.clock import parse_instant, tl_time
from potwise.sandbox.errors import TrueLayerError
from potwise.sandbox.household import Household
from potwise.sandbox.model import TLAccount
from potwise.sandbox.providers import PROVIDERS
from potwise.sandbox.tlnumbers import dumps, pence_to_major
from potwise.sandbox.truelayer_oauth import DAY, TLToken

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld


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


def build_router(world: SandboxWorld) -> APIRouter:
    router = APIRouter()
    auth = world.truelayer

    def session(request: Request, *scopes: str, counts: bool = True) -> tuple[TLToken, Household]:
        token = auth.authenticate(request)
        connection = token.connection
        if auth.consent_lapsed(connection):
            raise TrueLayerError(
                403,
                "access_denied",
                "The consent has expired or was revoked; the user must re-authenticate.",
            )
        if counts and request.headers.get("x-psu-ip") is None:
            limit = world.options.unattended_limit(connection.provider_id)
            if limit is not None:
                now = auth.now()
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
        missing = [s for s in scopes if s not in connection.scopes]
        if missing:
            raise TrueLayerError(
                403, "access_denied", f"The token does not grant the scopes: {' '.join(missing)}"
            )
        return token, world.household(connection.user)

    def item(h: Household, token: TLToken, account_id: str, kind: str) -> TLAccount:
        account = h.tl_accounts.get(account_id)
        if (
            account is None
            or account.provider_id != token.connection.provider_id
            or account.kind != kind
        ):
            raise TrueLayerError(404, "account_not_found", "account not found")
        return account

    def provider_items(h: Household, token: TLToken, kind: str) -> list[TLAccount]:
        pid = token.connection.provider_id
        return [a for a in h.tl_accounts.values() if a.provider_id == pid and a.kind == kind]

    def window(request: Request, token: TLToken) -> tuple[float, float]:
        params = request.query_params
        now = world.clock.now()
        connection = token.connection
        deep = auth.now() < connection.created + world.options.truelayer_sca_window

        def parse(name: str, end: bool) -> datetime | None:
            raw = params.get(name)
            if not raw:
                return None
            try:
                if len(raw) == 10:
                    day = date.fromisoformat(raw)
                    start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
                    # A date names a whole day, and the day given is included.
                    return start + timedelta(days=1) - timedelta(microseconds=1) if end else start
                return parse_instant(raw)
            except ValueError:
                raise TrueLayerError(
                    400, "validation_error", f"{name} must be an ISO 8601 date or date-time"
                ) from None

        start = parse("from", False)
        end = parse("to", True) or now
        if start is None:
            # [A] Without `from`: everything inside the deep-history window, else 89 days.
            start = datetime(1970, 1, 1, tzinfo=now.tzinfo) if deep else now - timedelta(days=89)
        if start > end:
            raise TrueLayerError(400, "invalid_date_range", "from must not be after to")
        horizon = now - timedelta(days=world.options.truelayer_history_days)
        if not deep and start < horizon:
            error = world.options.truelayer_history_error
            raise TrueLayerError(
                403,
                error,
                "SCA exemption has expired. This resource is protected and should be accessed "
                "shortly after PSU Authentication. In order to access this resource, please "
                "have the PSU re-authenticate.",
            )
        return start.timestamp(), end.timestamp()

    def settled(account: TLAccount, span: tuple[float, float]) -> list[dict[str, Any]]:
        lo = bisect_left(account.times, span[0])
        hi = bisect_right(account.times, span[1])
        return [shapes.tx_json(t) for t in account.settled[lo:hi]]

    def pending(account: TLAccount, span: tuple[float, float]) -> list[dict[str, Any]]:
        return [
            shapes.tx_json(t)
            for t in account.pending
            if span[0] <= t.timestamp.timestamp() <= span[1]
        ]

    @router.get("/me", response_model=None)
    async def me(request: Request) -> Response:
        token, _ = session(request, counts=False)
        c = token.connection
        created = datetime.fromtimestamp(c.created, world.clock.now().tzinfo)
        return _envelope(
            [
                {
                    "client_id": c.client_id,
                    "credentials_id": c.credentials_id,
                    "consent_status": "Authorised",
                    "consent_status_updated_at": tl_time(created),
                    "consent_created_at": tl_time(created),
                    "consent_expires_at": tl_time(
                        datetime.fromtimestamp(c.expires, world.clock.now().tzinfo)
                    ),
                    "provider": shapes.provider_json(PROVIDERS[c.provider_id]),
                    "scopes": c.scopes,
                    "privacy_policy": "Feb2019",
                }
            ],
            token,
        )

    @router.get("/info", response_model=None)
    async def info(request: Request) -> Response:
        token, h = session(request, "info")
        return _envelope(
            [{"full_name": h.main.full, "update_timestamp": tl_time(world.clock.now())}], token
        )

    @router.get("/accounts", response_model=None)
    async def accounts(request: Request) -> Response:
        token, h = session(request, "accounts")
        provider = PROVIDERS[token.connection.provider_id]
        if provider.provider_id == "ob-amex":
            # Amex offers cards only; `/accounts` is refused as not supported.
            raise _not_supported()
        now = world.clock.now()
        # Barclaycard (cards only too) answers with an empty list instead.
        return _envelope(
            [shapes.account_json(a, provider, now) for a in provider_items(h, token, "account")],
            token,
        )

    @router.get("/accounts/{account_id}", response_model=None)
    async def account(request: Request, account_id: str) -> Response:
        token, h = session(request, "accounts")
        found = item(h, token, account_id, "account")
        provider = PROVIDERS[found.provider_id]
        return _envelope([shapes.account_json(found, provider, world.clock.now())], token)

    @router.get("/accounts/{account_id}/balance", response_model=None)
    async def account_balance(request: Request, account_id: str) -> Response:
        token, h = session(request, "accounts", "balance")
        found = item(h, token, account_id, "account")
        return _envelope([shapes.account_balance_json(found, world.clock.now())], token)

    @router.get("/accounts/{account_id}/transactions", response_model=None)
    async def account_transactions(request: Request, account_id: str) -> Response:
        token, h = session(request, "accounts", "transactions")
        found = item(h, token, account_id, "account")
        return _envelope(settled(found, window(request, token)), token)

    @router.get("/accounts/{account_id}/transactions/pending", response_model=None)
    async def account_pending(request: Request, account_id: str) -> Response:
        token, h = session(request, "accounts", "transactions")
        found = item(h, token, account_id, "account")
        return _envelope(pending(found, window(request, token)), token)

    @router.get("/accounts/{account_id}/standing_orders", response_model=None)
    async def standing_orders(request: Request, account_id: str) -> Response:
        token, h = session(request, "accounts", "standing_orders")
        found = item(h, token, account_id, "account")
        now = world.clock.now()
        return _envelope(
            [
                {
                    "frequency": so.frequency,
                    "status": so.status,
                    "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00",
                    "currency": "GBP",
                    "meta": {"provider_account_id": found.number},
                    "next_payment_date": so.next_payment_date.isoformat() + "T00:00:00+00:00",
                    "next_payment_amount": pence_to_major(so.amount),
                    "first_payment_date": so.first_payment_date.isoformat() + "T00:00:00+00:00",
                    "first_payment_amount": pence_to_major(so.amount),
                    "final_payment_date": "9999-12-31T00:00:00+00:00",
                    "final_payment_amount": 0,
                    "payee": so.payee,
                    "reference": so.reference,
                }
                for so in found.standing_orders
            ],
            token,
        )

    @router.get("/accounts/{account_id}/direct_debits", response_model=None)
    async def direct_debits(request: Request, account_id: str) -> Response:
        token, h = session(request, "accounts", "direct_debits")
        found = item(h, token, account_id, "account")
        now = world.clock.now()
        results = []
        for dd in found.direct_debits:
            row: dict[str, Any] = {
                "direct_debit_id": dd.direct_debit_id,
                "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00",
                "name": dd.name,
                "status": dd.status,
                "currency": "GBP",
                "meta": {
                    "provider_mandate_identification": dd.mandate,
                    "provider_account_id": found.number,
                },
            }
            if dd.previous_payment_time is not None and dd.previous_payment_amount is not None:
                row["previous_payment_timestamp"] = dd.previous_payment_time.strftime(
                    "%Y-%m-%dT00:00:00+00:00"
                )
                row["previous_payment_amount"] = pence_to_major(dd.previous_payment_amount)
            results.append(row)
        return _envelope(results, token)

    @router.get("/cards", response_model=None)
    async def cards(request: Request) -> Response:
        token, h = session(request, "cards")
        provider = PROVIDERS[token.connection.provider_id]
        if not provider.has_cards:
            raise _not_supported()
        now = world.clock.now()
        return _envelope(
            [shapes.card_json(c, provider, now) for c in provider_items(h, token, "card")], token
        )

    @router.get("/cards/{account_id}", response_model=None)
    async def card(request: Request, account_id: str) -> Response:
        token, h = session(request, "cards")
        found = item(h, token, account_id, "card")
        provider = PROVIDERS[found.provider_id]
        return _envelope([shapes.card_json(found, provider, world.clock.now())], token)

    @router.get("/cards/{account_id}/balance", response_model=None)
    async def card_balance(request: Request, account_id: str) -> Response:
        token, h = session(request, "cards", "balance")
        found = item(h, token, account_id, "card")
        return _envelope([shapes.card_balance_json(found, world.clock.now())], token)

    @router.get("/cards/{account_id}/transactions", response_model=None)
    async def card_transactions(request: Request, account_id: str) -> Response:
        token, h = session(request, "cards", "transactions")
        found = item(h, token, account_id, "card")
        return _envelope(settled(found, window(request, token)), token)

    @router.get("/cards/{account_id}/transactions/pending", response_model=None)
    async def card_pending(request: Request, account_id: str) -> Response:
        token, h = session(request, "cards", "transactions")
        found = item(h, token, account_id, "card")
        return _envelope(pending(found, window(request, token)), token)

    return router
