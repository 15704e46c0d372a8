"""What every command handler is given: a :class:`Context` (who asks, where, when, in which
language, with which settings) and a :class:`CommandStore` (the store calls commands make).

A handler is ``(Context, CommandStore) -> Reply``. The store is a protocol so handlers can be
run over any implementation; the real one is :class:`bot.commands.store.SqlCommandStore`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.commands.parse import Mode, Parsed
from bot.commands.timewords import date_words
from bot.config import Settings
from bot.digest import DigestCandidate
from bot.locales import Language, t
from bot.messages import Reply, SearchPage
from bot.store.chats import Chat
from bot.topics import DEFAULT_TAXONOMY, Taxonomy
from bot.types import ChatRef, Feed, Rule


@dataclass(frozen=True, slots=True)
class NewChat:
    """What a chat is registered with on its first command: its kind, the configured
    defaults, and how many chats the bot takes at most."""

    kind: str
    max_chats: int
    daily_time: str
    timezone: str


class CommandStore(Protocol):
    """The store calls the commands need, and nothing else."""

    def chat(self, ref: ChatRef) -> Chat | None: ...

    def register(self, ref: ChatRef, new: NewChat, *, now: datetime) -> Chat:
        """The chat's row, created when new; raises ChatLimitReached when the bot is full."""
        ...

    def rules(self, chat_pk: int) -> list[Rule]: ...

    def rule_labels(self, chat_pk: int) -> dict[Rule, str]: ...

    def add_rules(
        self, chat_pk: int, rules: Mapping[Rule, str | None], *, now: datetime, limit: int
    ) -> list[Rule]:
        """Adds the rules not yet there (each with the user's spelling, or None) and returns
        them, in order; all or nothing: RuleLimitReached past ``limit``."""
        ...

    def remove_rules(self, chat_pk: int, rules: Iterable[Rule]) -> int: ...

    def clear_rules(self, chat_pk: int) -> int: ...

    def set_mode(self, chat_pk: int, mode: Mode, *, now: datetime) -> None: ...

    def set_daily_time(
        self, chat_pk: int, daily_time: str, timezone: str, *, now: datetime
    ) -> None: ...

    def set_paused(self, chat_pk: int, paused: bool, *, now: datetime) -> None: ...

    def set_language(self, chat_pk: int, language: Language) -> None: ...

    def has_feed(self, feed_id: int) -> bool: ...

    def feeds(self) -> list[Feed]:
        """The enabled feeds, by id."""
        ...

    def digest_candidates(self, since: datetime, until: datetime) -> list[DigestCandidate]: ...

    def search(self, query: str, *, now: datetime, limit: int, half_life_days: float) -> SearchPage:
        """One page of hits; CommandError when the query cannot be searched."""
        ...

    def recent_words(self, limit: int) -> list[str]:
        """Words of the latest stored titles and digests, most frequent first (hints)."""
        ...


@dataclass(frozen=True, slots=True)
class Context:
    """One command's situation; ``now`` comes from the core's clock, once per command."""

    chat: ChatRef
    user: str
    parsed: Parsed
    is_admin: bool
    is_group: bool
    now: datetime
    settings: Settings
    taxonomy: Taxonomy = DEFAULT_TAXONOMY
    lang: Language = "ko"

    def say(self, key: str, /, **values: Any) -> str:
        return t(self.lang, key, **values)

    def when(self, moment: datetime, timezone: str) -> str:
        """``4월 12일(일) 오전 7시 30분`` in ``timezone``, the year only when not this year's."""
        return date_words(self.lang, moment, self.now, timezone)


Handler = Callable[[Context, CommandStore], Reply]


def registered(ctx: Context, store: CommandStore) -> Chat:
    """The chat's row, registered on first use (with the configured defaults)."""
    new = NewChat(
        kind="group" if ctx.is_group else "private",
        max_chats=ctx.settings.delivery.max_chats,
        daily_time=ctx.settings.digest.default_time,
        timezone=ctx.settings.digest.default_timezone,
    )
    return store.register(ctx.chat, new, now=ctx.now)
