"""The store as the chat commands see it (:class:`bot.commands.context.CommandStore`): the
chats, rules, feeds and stories functions of bot/store over one engine, rules as typed
:class:`Rule` values, and database failures raised as :class:`StoreError`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.commands.context import NewChat
from bot.digest import DigestCandidate
from bot.errors import StoreError
from bot.messages import SearchPage
from bot.store import articles as article_store
from bot.store import chats as chat_store
from bot.store import feeds as feed_store
from bot.store.chats import Chat
from bot.store.stories import digest_candidates
from bot.types import ChatRef, Feed, Rule, RuleKind


@contextmanager
def _database() -> Iterator[None]:
    try:
        yield
    except sa.exc.SQLAlchemyError as e:
        raise StoreError(f"the database failed: {type(e).__name__}") from e


def _rule(pair: tuple[str, str]) -> Rule:
    return Rule(cast(RuleKind, pair[0]), pair[1])


class SqlCommandStore:
    """What commands read and change, over SQLAlchemy (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def chat(self, ref: ChatRef) -> Chat | None:
        with _database():
            return chat_store.get_chat(self.engine, ref)

    def register(self, ref: ChatRef, new: NewChat, *, now: datetime) -> Chat:
        with _database():
            return chat_store.ensure_chat(
                self.engine,
                ref,
                kind=new.kind,
                now=now,
                max_chats=new.max_chats,
                daily_time=new.daily_time,
                timezone=new.timezone,
            )

    def rules(self, chat_pk: int) -> list[Rule]:
        with _database():
            return [_rule(p) for p in chat_store.rule_pairs(self.engine, chat_pk)]

    def rule_labels(self, chat_pk: int) -> dict[Rule, str]:
        with _database():
            labels = chat_store.rule_labels(self.engine, chat_pk)
        return {_rule(pair): label for pair, label in labels.items()}

    def add_rules(
        self, chat_pk: int, rules: Mapping[Rule, str | None], *, now: datetime, limit: int
    ) -> list[Rule]:
        labels = {r.pair: label for r, label in rules.items() if label is not None}
        with _database():
            pairs = [r.pair for r in rules]
            added = chat_store.add_rules(
                self.engine, chat_pk, pairs, now=now, limit=limit, labels=labels
            )
        return [_rule(p) for p in added]

    def remove_rules(self, chat_pk: int, rules: Iterable[Rule]) -> int:
        with _database():
            return chat_store.remove_rules(self.engine, chat_pk, [r.pair for r in rules])

    def clear_rules(self, chat_pk: int) -> int:
        with _database():
            return chat_store.clear_rules(self.engine, chat_pk)

    def set_mode(self, chat_pk: int, mode: str, *, now: datetime) -> None:
        with _database():
            chat_store.update_chat(self.engine, chat_pk, mode=mode, schedule_changed_at=now)

    def set_daily_time(
        self, chat_pk: int, daily_time: str, timezone: str, *, now: datetime
    ) -> None:
        with _database():
            chat_store.update_chat(
                self.engine,
                chat_pk,
                daily_time=daily_time,
                timezone=timezone,
                schedule_changed_at=now,
            )

    def set_paused(self, chat_pk: int, paused: bool, *, now: datetime) -> None:
        with _database():
            chat_store.set_paused(self.engine, chat_pk, paused, now=now)

    def set_language(self, chat_pk: int, language: str) -> None:
        with _database():
            chat_store.update_chat(self.engine, chat_pk, language=language)

    def has_feed(self, feed_id: int) -> bool:
        with _database():
            return feed_store.get_feed(self.engine, feed_id) is not None

    def feeds(self) -> list[Feed]:
        with _database():
            return feed_store.list_feeds(self.engine, include_disabled=False)

    def digest_candidates(self, since: datetime, until: datetime) -> list[DigestCandidate]:
        with _database():
            return digest_candidates(self.engine, since, until)

    def recent_words(self, limit: int) -> list[str]:
        from bot.hints import words_of

        with _database():
            return words_of(article_store.recent_titles(self.engine, limit))

    def search(self, query: str, *, now: datetime, limit: int, half_life_days: float) -> SearchPage:
        from bot import search  # imported on first search: the index code is not needed before

        with _database():
            return search.search(
                self.engine, query, limit=limit, now=now, half_life_days=half_life_days
            )
