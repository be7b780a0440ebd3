"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from potwise.services.errors import WeakPassword

MIN_LENGTH = 12
# Argon2 hashes any length, but a megabyte "password" is a denial of service.
MAX_LENGTH = 1024

# Passwords of 12+ characters that still top breach lists; shorter ones fail on length.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "1q2w3e4r5t6y",
        "aaaaaaaaaaaa",
        "abc123456789",
        "abcd12345678",
        "abcdefghijkl",
        "administrator",
        "changeme1234",
        "iloveyou1234",
        "letmein12345",
        "monkey123456",
        "passw0rd1234",
        "password1234",
        "password12345",
        "password123!",
        "password2024",
        "password2025",
        "password2026",
        "passwordpassword",
        "potwise12345",
        "potwisepotwise",
        "qwerty123456",
        "qwertyqwerty",
        "qwertyuiop12",
        "qwertyuiopas",
        "starwars1234",
        "sunshine1234",
        "welcome12345",
        "welcome123456",
        "zaq12wsxcde3",
        "1qaz2wsx3edc",
        "football1234",
        "baseball1234",
        "trustno11234",
        "princess1234",
        "dragon123456",
        "superman1234",
        "000000000000",
        "111111111111",
        "123123123123",
        "987654321098",
        "abcabcabcabc",
        "michael12345",
        "liverpool123",
        "arsenal12345",
        "chelsea12345",
        "manchester12",
        "london123456",
    }
)

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the e-mail is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("potwise-dummy-password-for-timing")


def check_policy(password: str, *, email: str | None = None) -> None:
    """Refuse passwords that are short, huge, common or the e-mail itself."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        raise WeakPassword("That password is too common; choose another.")
    if email and lowered in {email.lower(), email.split("@")[0].lower()}:
        raise WeakPassword("Don't use your e-mail address as your password.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored_hash: str | None) -> tuple[bool, str | None]:
    """(valid, new_hash): new_hash is set when the hash's parameters are out of date.

    With `stored_hash=None` a dummy hash is verified so the timing matches.
    """
    if len(password) > MAX_LENGTH:
        return False, None
    if stored_hash is None:
        _hasher.verify_and_update(password, _DUMMY_HASH)
        return False, None
    return _hasher.verify_and_update(password, stored_hash)
