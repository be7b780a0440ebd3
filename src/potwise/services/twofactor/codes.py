"""The arithmetic of the second factor, without a database: TOTP codes (RFC 6238,
SHA-1, six digits, 30-second steps, as every authenticator app reads them) and
recovery codes.

A code is accepted one step either side of now (clock drift between the phone and
the server), and only for a step newer than the last one accepted, so an
overheard code cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW_STEPS = 1
ISSUER = "potwise"
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without the ones people misread (0/o, 1/l/i).
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_HALF = 5


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def otpauth_uri(secret: str, account: str) -> str:
    """The `otpauth://` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise(code: str) -> str:
    """What a person typed, without spaces and dashes, lower-cased."""
    return "".join(ch for ch in code.strip().lower() if ch not in " -")


def looks_like_totp(code: str) -> bool:
    value = normalise(code)
    return len(value) == DIGITS and value.isdigit()


def matching_step(secret: str, code: str, moment: datetime, *, after: int) -> int | None:
    """The time step `code` belongs to, within the window around `moment` and newer
    than `after`; None when it matches none. Every candidate is compared in
    constant time."""
    value = normalise(code)
    if not looks_like_totp(value):
        return None
    now_step = step_at(moment)
    found: int | None = None
    for step in range(now_step - WINDOW_STEPS, now_step + WINDOW_STEPS + 1):
        if hmac.compare_digest(code_for_step(secret, step), value) and step > after:
            found = step
    return found


def new_recovery_codes() -> list[str]:
    """Ten codes like `k7m2p-x9qrt`: 50 random bits each."""

    def half() -> str:
        return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_HALF))

    return [f"{half()}-{half()}" for _ in range(RECOVERY_CODE_COUNT)]


def recovery_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()
