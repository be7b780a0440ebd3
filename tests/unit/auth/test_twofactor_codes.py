"""TOTP arithmetic, recovery codes and the pending sign-in token, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from potwise.services.twofactor import codes, pending

MOMENT = datetime(2026, 12, 7, 9, 30, 10, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _code(at: datetime) -> str:
    return pyotp.TOTP(SECRET).at(at)


def test_the_code_an_app_shows_now_matches_its_step() -> None:
    step = codes.matching_step(SECRET, _code(MOMENT), MOMENT, after=0)
    assert step == int(MOMENT.timestamp()) // 30


@pytest.mark.parametrize("drift", [-30, 30])
def test_one_step_of_clock_drift_either_way_is_accepted(drift: int) -> None:
    phone = MOMENT + timedelta(seconds=drift)
    assert codes.matching_step(SECRET, _code(phone), MOMENT, after=0) is not None


@pytest.mark.parametrize("drift", [-60, 60, 3600])
def test_two_steps_away_is_refused(drift: int) -> None:
    phone = MOMENT + timedelta(seconds=drift)
    assert codes.matching_step(SECRET, _code(phone), MOMENT, after=0) is None


def test_a_step_already_used_is_refused() -> None:
    step = codes.step_at(MOMENT)
    assert codes.matching_step(SECRET, _code(MOMENT), MOMENT, after=step) is None
    assert codes.matching_step(SECRET, _code(MOMENT), MOMENT, after=step - 1) == step


@pytest.mark.parametrize("typed", ["123 456", "12345", "abcdef", "", "1234567"])
def test_only_six_digits_are_a_totp_code(typed: str) -> None:
    assert codes.looks_like_totp(typed) is (typed == "123 456")


def test_spaces_in_a_typed_code_are_ignored() -> None:
    value = _code(MOMENT)
    spaced = f"{value[:3]} {value[3:]}"
    assert codes.matching_step(SECRET, spaced, MOMENT, after=0) is not None


def test_recovery_codes_are_ten_distinct_and_match_however_typed() -> None:
    fresh = codes.new_recovery_codes()
    assert len(fresh) == 10
    assert len(set(fresh)) == 10
    for value in fresh:
        assert len(value) == 11
        assert value[5] == "-"
    first = fresh[0]
    assert codes.recovery_hash(first.upper().replace("-", " ")) == codes.recovery_hash(first)
    assert codes.recovery_hash(first) != codes.recovery_hash(fresh[1])


def test_the_uri_names_the_issuer_and_the_account() -> None:
    uri = codes.otpauth_uri(SECRET, "ann@example.com")
    assert uri.startswith("otpauth://totp/potwise:ann%40example.com?")
    assert f"secret={SECRET}" in uri
    assert "issuer=potwise" in uri


def test_a_pending_token_reads_back_until_it_expires() -> None:
    token = pending.issue("k" * 40, user_id="u1", password_hash="$argon2$x", now=MOMENT)
    assert pending.read("k" * 40, token, now=MOMENT + timedelta(minutes=4, seconds=59)) == (
        "u1",
        pending.fingerprint("$argon2$x"),
    )
    assert pending.read("k" * 40, token, now=MOMENT + timedelta(minutes=5, seconds=1)) is None


def test_a_tampered_or_foreign_pending_token_is_refused() -> None:
    token = pending.issue("k" * 40, user_id="u1", password_hash="h", now=MOMENT)
    body, _, mac = token.partition(".")
    other = pending.issue("k" * 40, user_id="u2", password_hash="h", now=MOMENT)
    assert pending.read("k" * 40, f"{other.partition('.')[0]}.{mac}", now=MOMENT) is None
    assert pending.read("another key" * 4, token, now=MOMENT) is None
    assert pending.read("k" * 40, body, now=MOMENT) is None
    assert pending.read("k" * 40, "not base64!.x", now=MOMENT) is None


def test_a_password_change_changes_the_fingerprint() -> None:
    assert pending.fingerprint("old hash") != pending.fingerprint("new hash")
