"""Helpers for the core tests: stored feeds/articles/stories and a recording adapter."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.agencies import find_agencies
from bot.messages import Message
from bot.store.chats import ensure_chat
from bot.store.schema import articles, feeds, stories
from bot.summarize.base import Document
from bot.topics import DEFAULT_TAXONOMY
from bot.types import ChatRef, SendResult, Summary


def add_feed(engine: Engine, name: str, now: datetime) -> int:
    with engine.begin() as conn:
        key = conn.execute(
            feeds.insert().values(name=name, url=f"https://{name}.example.kr/rss", created_at=now)
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_article(
    engine: Engine, feed_id: int, title: str, url: str, now: datetime, text: str = ""
) -> int:
    text = text or f"{title}. 정부는 오늘 {title}에 관한 계획을 발표했다. " * 3
    with engine.begin() as conn:
        key = conn.execute(
            articles.insert().values(
                feed_id=feed_id,
                guid=url,
                url=url,
                title=title,
                text=text,
                published_at=now,
                fetched_at=now,
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_story(engine: Engine, title: str, now: datetime, topics: list[str] | None = None) -> int:
    summary = Summary(headline=title[:60], bullets=[f"{title} 내용"], topics=topics or [])
    with engine.begin() as conn:
        key = conn.execute(
            stories.insert().values(
                title=title,
                url=f"https://example.kr/{abs(hash(title))}",
                canonical_url=f"https://example.kr/{abs(hash(title))}",
                norm_title=title,
                content_hash=hashlib.sha256(title.encode()).hexdigest(),
                first_seen_at=now,
                published_at=now,
                summary=summary.model_dump_json(),
                summarized_at=now,
                matched_at=now,
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_chats(engine: Engine, n: int, now: datetime, platform: str = "fake") -> list[int]:
    return [
        ensure_chat(engine, ChatRef(platform, str(i)), kind="private", now=now, max_chats=10**6).id
        for i in range(n)
    ]


@dataclass
class FakeAdapter:
    """Implements the Adapter protocol; answers per chat id from ``script`` (default: sent)."""

    platform: str = "fake"
    script: dict[str, Callable[[], SendResult]] = field(default_factory=dict)
    sent: list[tuple[ChatRef, Message]] = field(default_factory=list)
    calls: int = 0

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        self.calls += 1
        answer = self.script.get(chat.chat_id)
        result = answer() if answer else SendResult.sent()
        if result.outcome == "sent":
            self.sent.append((chat, message))
        return result


def count(engine: Engine, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
        )


class TitleSummarizer:
    """A fast summarizer for pipeline tests that do not test summaries: title and lead."""

    name = "title"

    async def summarize(self, doc: Document) -> Summary:
        lead = " ".join(doc.text.split())[:117]
        return Summary(
            headline=(doc.title.strip() or "제목 없음")[:60],
            bullets=[lead] if lead else [],
            topics=DEFAULT_TAXONOMY.classify(doc.title, doc.text),
            agencies=find_agencies(doc.title + "\n" + doc.text[:500]),
            source_url=doc.url,
            summarizer=self.name,
        )
