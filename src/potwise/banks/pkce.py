"""PKCE (RFC 7636, S256): binds an authorization code to the flow that asked for it.

Each flow draws its own verifier and sends only the challenge (its SHA-256) on the
authorize URL; the verifier goes to the token endpoint with the code. A code
issued to another flow cannot be exchanged without that flow's verifier, which
never leaves the server.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

__all__ = ["METHOD", "challenge", "new_verifier"]

METHOD = "S256"


def new_verifier() -> str:
    """43 characters of base64url (256 random bits), the shortest RFC 7636 allows."""
    return secrets.token_urlsafe(32)


def challenge(verifier: str) -> str:
    """`BASE64URL(SHA256(verifier))` without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
