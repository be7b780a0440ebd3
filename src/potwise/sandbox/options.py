"""Tunable behaviour of the sandbox (defaults follow the reference documents)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class SandboxOptions:
    # Monzo: access tokens live 6 h in the docs' example (`expires_in` 21600).
    monzo_token_ttl: float = 21600
    # [A] Monzo does not document the code lifetime; ten minutes is generous and short.
    monzo_code_ttl: float = 600
    # SCA: full history for 5 minutes after the in-app approval, then 90 days only.
    monzo_full_history_window: float = 300
    monzo_history_days: int = 90
    # None: a person (or a control call) approves in the "app"; a number: approve after N s.
    monzo_auto_approve_after: float | None = None
    truelayer_token_ttl: float = 3600
    truelayer_code_ttl: float = 300
    truelayer_consent_days: int = 90
    # [A] The reference's pick: the deep-history window after consent lasts 5 minutes.
    truelayer_sca_window: float = 300
    truelayer_history_days: int = 90
    # Refusal for old history after the window: `sca_exceeded` (docs) or `access_denied`.
    truelayer_history_error: str = "sca_exceeded"
    # Unattended calls per consent per 24 h: an int for all providers, a per-provider dict,
    # or None to switch the cap off.
    truelayer_unattended_limit: int | dict[str, int] | None = 4
    # [A] Refresh rotates the refresh token (old one → invalid_grant); False keeps the old one
    # valid and omits `refresh_token` from the response, as some integrators observed.
    truelayer_rotate_refresh: bool = True
    # Webhook delivery: 5 attempts with exponential backoff starting here (seconds).
    webhook_retry_base: float = 1.0
    webhook_timeout: float = 5.0
    frozen_clock: bool = False
    faults: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_kwargs(cls, options: dict[str, Any]) -> SandboxOptions:
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown sandbox options: {', '.join(sorted(unknown))}")
        return cls(**options)

    def unattended_limit(self, provider_id: str) -> int | None:
        limit = self.truelayer_unattended_limit
        if isinstance(limit, dict):
            return limit.get(provider_id, limit.get("default", 4))
        return limit
