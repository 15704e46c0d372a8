"""Settings: TOML file + environment → one frozen, validated :class:`Settings`.

Secrets come only from the environment. An invalid file raises :class:`ConfigError`
naming the key, the value and what is allowed; the CLI turns that into exit status 2.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.sources.catalog import catalog

DEFAULT_CONFIG_PATH = Path("config.toml")

PositiveSeconds = Annotated[float, Field(gt=0, le=7 * 24 * 3600)]


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedSource(Section):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    url: Annotated[str, Field(min_length=1, max_length=2000)]

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "file://")):
            raise ValueError("must start with http://, https:// or file://")
        return value


# What a new install follows: the catalog's default ministry feeds (bot/sources/catalog.toml).
# 정책브리핑's RSS (korea.kr/rss) ended on 2026-07-01 and is no longer among them.
DEFAULT_SOURCES = tuple(FeedSource(name=feed.name, url=feed.url) for feed in catalog().defaults())


class BotSettings(Section):
    """How the bot speaks: the reply language of chats that did not choose one with /lang."""

    language: Literal["ko", "en"] = "ko"


class DatabaseSettings(Section):
    url: str = "sqlite:///./var/sokbo.db"


class FeedSettings(Section):
    poll_interval: Annotated[float, Field(ge=10, le=86400)] = 300
    concurrency: Annotated[int, Field(ge=1, le=256)] = 16
    connect_timeout: PositiveSeconds = 10
    read_timeout: PositiveSeconds = 20
    total_timeout: PositiveSeconds = 60
    max_bytes: Annotated[int, Field(ge=1024, le=200_000_000)] = 5_000_000
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    # Redirects may lead only to public http(s) hosts (or stay on the feed's own origin);
    # true lets them reach loopback and private networks (tests, local set-ups).
    allow_private_hosts: bool = False
    backoff_initial: PositiveSeconds = 60
    backoff_max: PositiveSeconds = 6 * 3600
    # "Mozilla/5.0 (compatible; …)" as crawlers say it: some ministry sites (국토교통부) refuse
    # clients whose User-Agent does not start like a browser's; the rest says who we are.
    user_agent: str = (
        "Mozilla/5.0 (compatible; sokbo/0.1; +https://github.com/sokbo/sokbo; "
        "Korean policy news bot)"
    )
    sources: tuple[FeedSource, ...] = DEFAULT_SOURCES


class FullTextSettings(Section):
    """Full text for thin feed items (bot/fulltext): the linked page, else its attachment."""

    enabled: bool = True
    # An item whose stored text is shorter than this (characters) is thin: title only, one line.
    min_chars: Annotated[int, Field(ge=0, le=100_000)] = 200
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    # At most this many thin items of one feed per cycle (the newest): a first poll of a long
    # title-only feed does not hold its cycle for a fetch per old item.
    max_per_feed: Annotated[int, Field(ge=0, le=1000)] = 10
    # One item's whole enrichment (robots.txt, page, attachment, parsing) within this deadline.
    deadline: PositiveSeconds = 45
    page_max_bytes: Annotated[int, Field(ge=1024, le=50_000_000)] = 3_000_000
    attachment_max_bytes: Annotated[int, Field(ge=1024, le=200_000_000)] = 20_000_000
    # An attachment is parsed in a child process held to this time and address-space limit.
    parse_timeout: PositiveSeconds = 20
    parse_memory_mb: Annotated[int, Field(ge=64, le=16_384)] = 1024
    robots_ttl: PositiveSeconds = 24 * 3600


class LLMSettings(Section):
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    timeout: PositiveSeconds = 30
    max_input_chars: Annotated[int, Field(ge=500, le=200_000)] = 6000
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.2
    requests_per_minute: Annotated[int, Field(ge=1, le=100_000)] = 60
    daily_token_budget: Annotated[int, Field(ge=0)] = 2_000_000
    resummarize_when_back: bool = False
    prompt: str = "digest.txt"


class TopicSettings(Section):
    extra: dict[str, tuple[str, ...]] = {}


class DeliverySettings(Section):
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 200
    workers: Annotated[int, Field(ge=1, le=64)] = 4
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    interval: Annotated[float, Field(gt=0, le=60)] = 1.0
    max_chats: Annotated[int, Field(ge=1)] = 5000
    max_rules: Annotated[int, Field(ge=1, le=1000)] = 50
    lease: Annotated[float, Field(ge=1, le=3600)] = 120


class DigestSettings(Section):
    default_time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "08:00"
    default_timezone: str = "Asia/Seoul"
    max_items: Annotated[int, Field(ge=1, le=100)] = 15


class TelegramSettings(Section):
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: Annotated[int, Field(ge=1, le=65535)] = 8443
    link_preview: bool = False
    rate_global: Annotated[float, Field(gt=0)] = 30.0
    rate_per_chat: Annotated[float, Field(gt=0)] = 1.0
    rate_group_per_minute: Annotated[float, Field(gt=0)] = 20.0
    pacing: bool = True
    admin_cache_seconds: Annotated[float, Field(ge=0)] = 300
    poll_timeout: Annotated[float, Field(ge=0, le=50)] = 30
    # Commands one user may send: this many per minute on average, user_command_burst at once.
    user_commands_per_minute: Annotated[float, Field(gt=0)] = 20.0
    user_command_burst: Annotated[int, Field(ge=1, le=1000)] = 5


class SlackSettings(Section):
    api_url: str = "https://slack.com/api/"
    listen: str = "0.0.0.0"
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    command: Annotated[str, Field(pattern=r"^/[a-z0-9_-]{1,31}$")] = "/sokbo"
    who_can_change: Literal["anyone", "admins"] = "anyone"
    rate_per_channel: Annotated[float, Field(gt=0)] = 1.0
    burst: Annotated[int, Field(ge=1, le=100)] = 3
    pacing: bool = True
    user_commands_per_minute: Annotated[float, Field(gt=0)] = 20.0
    user_command_burst: Annotated[int, Field(ge=1, le=1000)] = 5


class SearchSettings(Section):
    default_limit: Annotated[int, Field(ge=1, le=50)] = 5
    recency_half_life_days: Annotated[float, Field(gt=0)] = 30


class WebSettings(Section):
    """The read-only web archive, Atom feed, /healthz and /metrics (bot/web)."""

    enabled: bool = True
    listen: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    # Absolute address the pages are reached at (links in the Atom feed and Open Graph tags);
    # unset: built from each request's Host header.
    base_url: Annotated[str | None, Field(pattern=r"^https?://[^\s]+$")] = None
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Secrets(Section):
    """Values read only from the environment; never from the file, never logged."""

    openai_api_key: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    data_go_kr_service_key: str | None = None  # the 정책브리핑 OpenAPI (공공데이터포털)

    def __repr__(self) -> str:
        present = [name for name, value in self.__dict__.items() if value]
        return f"Secrets(set={present})"

    __str__ = __repr__


class Settings(Section):
    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    feeds: FeedSettings = FeedSettings()
    fulltext: FullTextSettings = FullTextSettings()
    llm: LLMSettings = LLMSettings()
    topics: TopicSettings = TopicSettings()
    delivery: DeliverySettings = DeliverySettings()
    digest: DigestSettings = DigestSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
    search: SearchSettings = SearchSettings()
    web: WebSettings = WebSettings()
    log: LogSettings = LogSettings()
    secrets: Secrets = Secrets()


_SECRET_ENV = {
    "openai_api_key": "OPENAI_API_KEY",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "data_go_kr_service_key": "DATA_GO_KR_SERVICE_KEY",
}


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (or ./config.toml when present, else built-in defaults) and the environment."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is None and DEFAULT_CONFIG_PATH.is_file():
        path = DEFAULT_CONFIG_PATH
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise ConfigError(f"config file not found: {path}") from e
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"config file {path} is not valid TOML: {e}") from e
    if "secrets" in data:
        raise ConfigError(
            "config key 'secrets' is not allowed in the file: secrets come from the environment "
            "(" + ", ".join(_SECRET_ENV.values()) + ")"
        )
    if url := env.get("SOKBO_DATABASE_URL"):
        data.setdefault("database", {})
        if not isinstance(data["database"], dict):
            raise ConfigError(f"config key 'database' = {data['database']!r}: must be a table")
        data["database"]["url"] = url
    data["secrets"] = {key: env.get(var) or None for key, var in _SECRET_ENV.items()}
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e)) from None


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        value = item.get("input")
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key (see config.example.toml for the allowed keys)"
        lines.append(f"config key '{key}' = {value!r}: {msg}")
    return "invalid configuration:\n  " + "\n  ".join(lines)
