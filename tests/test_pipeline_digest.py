"""Pipeline (group → summarize → match → enqueue) and daily digests, on both engines."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.adapters.console import ConsoleAdapter
from bot.clock import FixedClock
from bot.config import Settings
from bot.messages import DailyDigest
from bot.pipeline import process_pending
from bot.schedule import DigestScheduler
from bot.store import create_engine
from bot.store.chats import add_rules, ensure_chat, update_chat
from bot.store.digests import digest_rows
from bot.store.leadership import Leadership
from bot.store.schema import deliveries, stories
from bot.summarize import build_summarizer
from bot.types import ChatRef
from tests.core_helpers import FakeAdapter, TitleSummarizer, add_article, add_feed, count


def chat_with(engine: Engine, chat_id: str, now: datetime, *rules: tuple[str, str]) -> int:
    chat = ensure_chat(engine, ChatRef("fake", chat_id), kind="private", now=now, max_chats=100)
    add_rules(engine, chat.id, list(rules), now=now, limit=50)
    return chat.id


async def test_pipeline_groups_matches_once_and_prints(engine: Engine, clock: FixedClock) -> None:
    now = clock.now()
    briefing, msit = add_feed(engine, "briefing", now), add_feed(engine, "msit", now)
    chip = chat_with(engine, "chip", now, ("keyword", "반도체"))
    chat_with(engine, "quantum", now, ("topic", "양자"))
    chat_with(engine, "excluded", now, ("keyword", "반도체"), ("exclude", "팹리스"))
    add_article(
        engine,
        briefing,
        "시스템반도체 팹리스 지원 확대",
        "https://www.korea.kr/n?id=1&call_from=rsslink",
        now,
    )
    out = io.StringIO()
    report = await process_pending(
        engine, summarizer=TitleSummarizer(), clock=clock, console=ConsoleAdapter(out)
    )
    assert len(report.new_story_ids) == 1 and report.deliveries == 1
    assert "시스템반도체" in out.getvalue()
    with engine.connect() as conn:
        assert conn.execute(sa.select(deliveries.c.chat_id)).scalars().all() == [chip]
    # the same story from a second feed (same URL without tracking) is one story, not resent
    clock.advance(60)
    add_article(
        engine, msit, "[보도자료] 시스템반도체 팹리스 지원 확대", "https://www.korea.kr/n?id=1", now
    )
    report = await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)
    assert report.new_story_ids == [] and report.deliveries == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(stories.c.source_count)).scalar_one() == 2
    assert count(engine, deliveries) == 1


async def test_default_summarizer_is_the_summarize_package(
    engine: Engine, clock: FixedClock
) -> None:
    summarizer = build_summarizer(Settings(), engine, clock)
    assert summarizer.name != "title"


async def test_one_digest_per_chat_per_day_with_two_schedulers(
    db_url: str, clock: FixedClock
) -> None:
    clock.current = datetime(2026, 4, 10, 22, 0, tzinfo=UTC)  # 07:00 KST
    engine = create_engine(db_url)
    feed = add_feed(engine, "briefing", clock.now())
    chats = [chat_with(engine, str(i), clock.now(), ("keyword", "반도체")) for i in range(5)]
    for pk in chats:
        update_chat(engine, pk, mode="daily")
    for i in range(3):
        add_article(engine, feed, f"반도체 소식 {i}번째 발표", f"https://a.kr/{i}", clock.now())
    await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)
    assert count(engine, deliveries) == 0  # daily-only chats get no instant alerts
    a, b = FakeAdapter(), FakeAdapter()
    engines = [create_engine(db_url) for _ in range(3)]
    one = DigestScheduler(engines[0], {"fake": a}, clock, Settings(), worker="one")
    two = DigestScheduler(engines[1], {"fake": b}, clock, Settings(), worker="two")
    assert await one.tick() == 0  # 07:00 KST: not yet
    clock.advance(3600)  # 08:00 KST
    sent = await asyncio.gather(one.tick(), two.tick(), one.tick())
    assert sum(sent) == 5
    assert len(a.sent) + len(b.sent) == 5
    digest = (a.sent + b.sent)[0][1]
    assert isinstance(digest, DailyDigest) and len(digest.sections[0].entries) == 3
    # a restart later the same day sends nothing again; the next day it does (nothing new: empty)
    clock.advance(3 * 3600)
    restarted = DigestScheduler(engines[2], {"fake": a}, clock, Settings(), worker="r")
    assert await restarted.tick() == 0
    assert [r["state"] for r in digest_rows(engine)] == ["sent"] * 5
    clock.advance(21 * 3600)
    assert await restarted.tick() == 0
    assert sorted(r["state"] for r in digest_rows(engine)) == ["empty"] * 5 + ["sent"] * 5
    for each in [engine, *engines]:
        each.dispose()


def test_advisory_lock_passes_on_when_holder_dies(pg_url: str) -> None:
    first, second = create_engine(pg_url), create_engine(pg_url)
    leader, follower = Leadership(first), Leadership(second)
    assert leader.hold()
    assert not follower.hold()
    leader.release()  # the holder's session ends (as when its process dies)
    assert follower.hold()
    again = Leadership(first)
    assert not again.hold()
    again.release()
    follower.release()
    first.dispose()
    second.dispose()


def test_sqlite_needs_no_lock(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    assert Leadership(engine).hold()
    engine.dispose()
