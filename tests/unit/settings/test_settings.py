"""Settings: development secrets are generated once; production refuses weak ones."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from potwise.settings import SettingsError, load_settings

STRONG_KEY = "x7Rk2pQ9vLm4Tz8Wc1Nb6Yh3Jd5Fs0Ga"  # 32 varied characters


def _load(tmp_path: Path, **values: object):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, data_dir=tmp_path / "data", **values)


def test_development_generates_secrets_once_with_private_files(tmp_path: Path) -> None:
    first = _load(tmp_path)
    second = _load(tmp_path)
    assert first.secret_key is not None and second.secret_key is not None
    assert first.secret_key.get_secret_value() == second.secret_key.get_secret_value()
    assert first.fernet_keys() == second.fernet_keys()
    Fernet(first.fernet_keys()[0].encode())  # a usable key
    for name in ("secret_key", "encryption_keys"):
        mode = stat.S_IMODE((tmp_path / "data" / name).stat().st_mode)
        assert mode == 0o600, name


def test_environment_reads_the_contract_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POTWISE_PUBLIC_URL", "https://pots.example.org/")
    monkeypatch.setenv("POTWISE_MONZO_API_URL", "http://127.0.0.1:8765/monzo/api")
    monkeypatch.setenv("POTWISE_SYNC_INTERVAL_MINUTES", "15")
    monkeypatch.setenv("POTWISE_TIMEZONE", "Europe/London")
    settings = _load(tmp_path)
    assert settings.public_url == "https://pots.example.org"
    assert settings.secure_cookies
    assert settings.monzo_api_url == "http://127.0.0.1:8765/monzo/api"
    assert settings.sync_interval_minutes == 15
    assert settings.truelayer_providers == "uk-ob-all uk-oauth-all"


def test_production_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="POTWISE_SECRET_KEY"):
        _load(tmp_path, env="production", encryption_keys=Fernet.generate_key().decode())


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="POTWISE_SECRET_KEY is too short"):
        _load(
            tmp_path,
            env="production",
            secret_key="Zq8w-short",
            encryption_keys=Fernet.generate_key().decode(),
        )


@pytest.mark.parametrize(
    "placeholder",
    ["changeme-changeme-changeme-changeme", "your-secret-key-goes-here-please-123", "a" * 40],
)
def test_production_refuses_a_placeholder_secret_key(tmp_path: Path, placeholder: str) -> None:
    with pytest.raises(SettingsError, match="POTWISE_SECRET_KEY"):
        _load(
            tmp_path,
            env="production",
            secret_key=placeholder,
            encryption_keys=Fernet.generate_key().decode(),
        )


def test_production_refuses_missing_or_bad_encryption_keys(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="POTWISE_ENCRYPTION_KEYS"):
        _load(tmp_path, env="production", secret_key=STRONG_KEY)
    with pytest.raises(SettingsError, match="POTWISE_ENCRYPTION_KEYS"):
        _load(tmp_path, env="production", secret_key=STRONG_KEY, encryption_keys="not-a-key")


def test_production_accepts_strong_secrets_and_never_writes_files(tmp_path: Path) -> None:
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    settings = _load(tmp_path, env="production", secret_key=STRONG_KEY, encryption_keys=keys)
    assert len(settings.fernet_keys()) == 2
    assert not (tmp_path / "data").exists()


def test_errors_are_one_line_and_do_not_echo_the_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        _load(
            tmp_path,
            env="production",
            secret_key="changeme-changeme-changeme-changeme",
            encryption_keys=Fernet.generate_key().decode(),
        )
    assert "\n" not in str(caught.value)
    assert "changeme-changeme" not in str(caught.value)


def test_unknown_timezone_is_refused_with_the_setting_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="timezone"):
        _load(tmp_path, timezone="Mars/Olympus")


def test_secret_values_are_hidden_in_repr(tmp_path: Path) -> None:
    settings = _load(tmp_path, secret_key=STRONG_KEY)
    assert STRONG_KEY not in repr(settings)


def test_unattended_allowance_per_provider(tmp_path: Path) -> None:
    settings = _load(
        tmp_path, truelayer_unattended_calls_by_provider="ob-amex=10, uk-ob-barclaycard=8"
    )
    assert settings.unattended_allowance("ob-amex") == 10
    assert settings.unattended_allowance("uk-ob-barclaycard") == 8
    assert settings.unattended_allowance("ob-lloyds") == 4
    with pytest.raises(SettingsError, match="provider=calls"):
        _load(tmp_path, truelayer_unattended_calls_by_provider="ob-amex:10")
