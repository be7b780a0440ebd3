"""The VAPID key for Web Push: generated once under the data directory in development
(like the secret key), checked in production, where push is on only with a key."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from potwise.settings import SettingsError, load_settings, new_vapid_key

STRONG_KEY = "x7Rk2pQ9vLm4Tz8Wc1Nb6Yh3Jd5Fs0Ga"


def _load(tmp_path: Path, **values: object):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, data_dir=tmp_path / "data", **values)


def _production(tmp_path: Path, **values: object):  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet

    return _load(
        tmp_path,
        env="production",
        secret_key=STRONG_KEY,
        encryption_keys=Fernet.generate_key().decode(),
        **values,
    )


def test_development_generates_the_vapid_key_once_in_a_private_file(tmp_path: Path) -> None:
    first, second = _load(tmp_path), _load(tmp_path)
    assert first.vapid_private_key is not None and second.vapid_private_key is not None
    value = first.vapid_private_key.get_secret_value()
    assert value == second.vapid_private_key.get_secret_value()
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())  # a usable key
    assert stat.S_IMODE((tmp_path / "data" / "vapid_private_key").stat().st_mode) == 0o600
    assert first.push_enabled


def test_production_without_a_key_has_push_off_and_writes_nothing(tmp_path: Path) -> None:
    settings = _production(tmp_path)
    assert not settings.push_enabled
    assert not (tmp_path / "data").exists()


def test_production_with_push_on_needs_the_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="POTWISE_VAPID_PRIVATE_KEY is required"):
        _production(tmp_path, vapid_subject="mailto:ops@example.org")


def test_production_needs_a_subject_push_services_accept(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="POTWISE_VAPID_SUBJECT"):
        _production(tmp_path, vapid_private_key=new_vapid_key())
    with pytest.raises(SettingsError, match="POTWISE_VAPID_SUBJECT"):
        _production(tmp_path, vapid_private_key=new_vapid_key(), vapid_subject="ops")
    settings = _production(
        tmp_path, vapid_private_key=new_vapid_key(), vapid_subject="mailto:ops@example.org"
    )
    assert settings.push_enabled


def test_a_der_key_is_taken_too(tmp_path: Path) -> None:
    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    settings = _load(tmp_path, vapid_private_key=base64.urlsafe_b64encode(der).decode())
    assert settings.push_enabled


@pytest.mark.parametrize("bad", ["not a key", base64.urlsafe_b64encode(b"\x00" * 32).decode()])
def test_a_bad_key_is_refused_without_echoing_it(tmp_path: Path, bad: str) -> None:
    with pytest.raises(SettingsError) as raised:
        _load(tmp_path, vapid_private_key=bad)
    assert "POTWISE_VAPID_PRIVATE_KEY" in str(raised.value)
    assert bad not in str(raised.value)
