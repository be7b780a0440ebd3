"""`POTWISE_<NAME>_FILE`: a setting read from the file it names (container secrets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from potwise.settings import Settings, SettingsError, load_settings

STRONG_KEY = "q8Vd3Lr7Nc1Xw5Tb9Hm2Jk6Pz4Fs0GaY"  # 32 varied characters


def _load(tmp_path: Path, **values: object) -> Settings:
    return load_settings(_env_file=None, data_dir=tmp_path / "data", **values)


def _secret_file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / "run" / "secrets" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    path.chmod(0o400)
    return path


def test_secret_key_file_gives_the_value_without_its_trailing_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "POTWISE_SECRET_KEY_FILE", str(_secret_file(tmp_path, "key", STRONG_KEY + "\n"))
    )
    settings = _load(tmp_path, env="production", encryption_keys=Fernet.generate_key().decode())
    assert settings.require_secret_key() == STRONG_KEY
    # Nothing was generated in its place.
    assert not (tmp_path / "data" / "secret_key").exists()


def test_database_url_file_gives_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://potwise:s3cret@db.internal:5432/potwise"
    monkeypatch.setenv("POTWISE_DATABASE_URL_FILE", str(_secret_file(tmp_path, "db", url)))
    assert _load(tmp_path).database_url == url


def test_a_file_in_the_environment_outranks_the_value_in_dot_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dot_env = tmp_path / ".env"
    dot_env.write_text("POTWISE_DATABASE_URL=sqlite:///from-dot-env.db\n", encoding="utf-8")
    monkeypatch.setenv(
        "POTWISE_DATABASE_URL_FILE", str(_secret_file(tmp_path, "db", "sqlite:///from-file.db"))
    )
    settings = load_settings(_env_file=dot_env, data_dir=tmp_path / "data")
    assert settings.database_url == "sqlite:///from-file.db"


def test_a_file_named_in_dot_env_is_read_too(tmp_path: Path) -> None:
    path = _secret_file(tmp_path, "key", STRONG_KEY)
    dot_env = tmp_path / ".env"
    dot_env.write_text(f"POTWISE_SECRET_KEY_FILE={path}\n", encoding="utf-8")
    settings = load_settings(_env_file=dot_env, data_dir=tmp_path / "data")
    assert settings.require_secret_key() == STRONG_KEY


def test_both_the_value_and_its_file_are_refused_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POTWISE_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("POTWISE_SECRET_KEY_FILE", str(_secret_file(tmp_path, "key", STRONG_KEY)))
    with pytest.raises(SettingsError) as refused:
        _load(tmp_path)
    message = str(refused.value)
    assert "POTWISE_SECRET_KEY and POTWISE_SECRET_KEY_FILE" in message
    assert STRONG_KEY not in message
    assert "\n" not in message


def test_a_missing_file_is_refused_naming_the_variable_not_a_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "run" / "secrets" / "absent"
    monkeypatch.setenv("POTWISE_SECRET_KEY_FILE", str(missing))
    with pytest.raises(SettingsError, match="POTWISE_SECRET_KEY_FILE") as refused:
        _load(tmp_path)
    assert str(missing) in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_file_that_is_not_text_is_refused_without_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "binary"
    path.write_bytes(b"\xff\xfe" + STRONG_KEY.encode())
    monkeypatch.setenv("POTWISE_SECRET_KEY_FILE", str(path))
    with pytest.raises(SettingsError, match="POTWISE_SECRET_KEY_FILE") as refused:
        _load(tmp_path)
    assert STRONG_KEY not in str(refused.value)
    assert "xff" not in str(refused.value)


def test_a_setting_whose_own_name_ends_in_file_keeps_its_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _secret_file(tmp_path, "ca.pem", "not read here")
    monkeypatch.setenv("POTWISE_SMTP_CA_FILE", str(bundle))
    assert _load(tmp_path).smtp_ca_file == bundle


def test_forwarded_allow_ips_defaults_to_loopback_and_refuses_a_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _load(tmp_path).forwarded_allow_ips == "127.0.0.1"
    monkeypatch.setenv("POTWISE_FORWARDED_ALLOW_IPS", " 10.0.0.0/8 , ::1 ")
    assert _load(tmp_path).forwarded_allow_ips == "10.0.0.0/8,::1"
    monkeypatch.setenv("POTWISE_FORWARDED_ALLOW_IPS", "10.0.0.1,proxy.internal")
    with pytest.raises(SettingsError, match=r"proxy\.internal"):
        _load(tmp_path)
