"""OAuth token sets as both providers hand them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TokenSet:
    """Tokens from a code exchange or a refresh. Never logged: `repr` hides them.

    `expires_at` is when the access token stops working (computed from
    `expires_in` at the moment the response arrived). `refresh_token` is None
    for clients that get none (Monzo non-confidential clients).
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    scope: str | None = None
    # The provider's id for the user, when the token response carries one (Monzo `user_id`).
    provider_user_id: str | None = None
