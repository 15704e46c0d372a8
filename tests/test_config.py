from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.errors import ConfigError


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.database.url == "sqlite:///./var/sokbo.db"
    assert settings.feeds.poll_interval == 300
    urls = [source.url for source in settings.feeds.sources]
    assert len(urls) >= 5 and not any("korea.kr/rss" in url for url in urls)
    example = load_settings(Path(__file__).resolve().parents[1] / "config.example.toml", {})
    assert example.feeds.sources == settings.feeds.sources  # the example shows the defaults
    assert example.feeds.user_agent == settings.feeds.user_agent
    assert settings.secrets.openai_api_key is None


def test_environment_overrides_database_and_secrets(tmp_path: Path) -> None:
    env = {"SOKBO_DATABASE_URL": "postgresql://x@127.0.0.1/db", "OPENAI_API_KEY": "sk-secret"}
    settings = load_settings(None, env)
    assert settings.database.url == "postgresql://x@127.0.0.1/db"
    assert settings.secrets.openai_api_key == "sk-secret"
    assert "sk-secret" not in repr(settings.secrets)


def test_invalid_value_names_key_value_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[feeds]\npoll_interval = -5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    message = str(info.value)
    assert "feeds.poll_interval" in message and "-5" in message and "greater than" in message


def test_unknown_key_and_secret_in_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\ntoken = "abc"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"telegram\.token"):
        load_settings(path, {})
    path.write_text('[secrets]\nopenai_api_key = "abc"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="environment"):
        load_settings(path, {})


def test_cli_exits_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[digest]\ndefault_time = '25:00'\n", encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "digest.default_time" in err and "Traceback" not in err


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    load_settings(example, {})


def test_unreachable_database_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOKBO_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and "Traceback" not in err


def test_database_from_a_newer_version_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    import sqlite3

    db = tmp_path / "newer.db"
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_future')")
    monkeypatch.setenv("SOKBO_DATABASE_URL", f"sqlite:///{db}")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "newer version of sokbo" in err and "Traceback" not in err
