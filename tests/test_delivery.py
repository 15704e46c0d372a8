"""One delivery path: the pure decision table, the digest codec, and digests as outbox rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import Settings
from bot.delivery import before_send, decide
from bot.messages import DailyDigest, DigestEntry, DigestSection
from bot.outbox import Outbox
from bot.pipeline import process_pending
from bot.schedule import DigestScheduler
from bot.store import codec, create_engine
from bot.store.chats import add_rules, ensure_chat, get_chat, update_chat
from bot.store.deliveries import state_counts
from bot.store.digests import digest_rows
from bot.store.schema import deliveries
from bot.stories import StoryCandidate, StoryKeys, choose_story
from bot.types import ChatRef, Contact, Decision, SendResult
from tests.core_helpers import FakeAdapter, TitleSummarizer, add_article, add_feed

NOW = datetime(2026, 4, 11, 0, 0, tzinfo=UTC)
S = timedelta(seconds=1)

DECISIONS: list[tuple[int, SendResult, Decision]] = [
    (0, SendResult.sent(), Decision("sent", 0)),
    (2, SendResult.sent(), Decision("sent", 2)),
    (
        0,
        SendResult.retry(30, "HTTP 429"),
        Decision("failed", 1, until=NOW + 30 * S, reason="HTTP 429", chat="wait"),
    ),
    (  # no delay named: exponential backoff from 10 s
        2,
        SendResult("retry", reason="timeout"),
        Decision("failed", 3, until=NOW + 40 * S, reason="timeout", chat="wait"),
    ),
    (  # the last attempt: dead, and the chat's other rows go on
        4,
        SendResult.retry(5, "HTTP 500"),
        Decision("dead", 5, until=NOW + 5 * S, reason="HTTP 500"),
    ),
    (  # pacing: nothing was attempted
        1,
        SendResult.deferred(0.5),
        Decision("release", 1, until=NOW + 0.5 * S, chat="wait"),
    ),
    (
        0,
        SendResult.gone("bot was blocked by the user"),
        Decision(
            "dead",
            0,
            reason="chat gone: bot was blocked by the user",
            chat="dead",
            pause="bot was blocked by the user",
        ),
    ),
    (
        1,
        SendResult.migrated("-100777"),
        Decision(
            "release",
            1,
            until=NOW,
            reason="chat migrated; resending",
            chat="resend",
            migrate_to="-100777",
        ),
    ),
    (
        0,
        SendResult("bogus"),  # type: ignore[arg-type]
        Decision("dead", 1, until=NOW, reason="unknown send outcome 'bogus'"),
    ),
]


@pytest.mark.parametrize(("attempts", "result", "expected"), DECISIONS)
def test_decide(attempts: int, result: SendResult, expected: Decision) -> None:
    assert decide(attempts, result, NOW, max_attempts=5) == expected


def test_before_send() -> None:
    ok = {"paused": False, "attempts": 0, "max_attempts": 5, "missing": None, "now": NOW}
    assert before_send(**ok) is None  # type: ignore[arg-type]
    assert before_send(**{**ok, "paused": True}) == Decision("dead", 0, reason="chat paused")  # type: ignore[arg-type]
    worn = before_send(**{**ok, "attempts": 5})  # type: ignore[arg-type]
    assert worn is not None and worn.row == "dead"
    gone_platform = before_send(**{**ok, "missing": "no adapter for kakao"})  # type: ignore[arg-type]
    assert gone_platform is not None
    assert (gone_platform.row, gone_platform.chat) == ("release", "wait")
    missing = before_send(**{**ok, "missing": "message missing"})  # type: ignore[arg-type]
    assert missing is not None and (missing.row, missing.chat) == ("release", "go_on")


def test_codec_round_trip_of_a_digest() -> None:
    digest = DailyDigest(
        day=date(2026, 4, 11),
        timezone="Asia/Seoul",
        sections=(
            DigestSection(
                topic="반도체",
                entries=(
                    DigestEntry(
                        story_id=7,
                        headline="딥테크 <300억 원> 투자",
                        url="https://www.korea.kr/x?a=1&b=2",
                        agencies=("과기정통부",),
                        published_at=datetime(2026, 4, 10, 3, 0, tzinfo=UTC),
                        contacts=(Contact(department="지역과학기술진흥과", phone="044-202-4745"),),
                        source_count=2,
                    ),
                ),
            ),
        ),
        omitted=3,
    )
    assert codec.load(DailyDigest, codec.dump(digest)) == digest
    with pytest.raises(ValueError):
        codec.load(DailyDigest, '{"day": "2026-04-11"}')


def _daily_chat(engine: Engine, chat_id: str, now: datetime) -> int:
    chat = ensure_chat(engine, ChatRef("fake", chat_id), kind="private", now=now, max_chats=100)
    add_rules(engine, chat.id, [("keyword", "반도체")], now=now, limit=50)
    update_chat(engine, chat.id, mode="daily")
    return chat.id


async def _with_news(engine: Engine, clock: FixedClock) -> None:
    feed = add_feed(engine, "briefing", clock.now())
    add_article(engine, feed, "반도체 특구 지정 발표", "https://a.kr/1", clock.now())
    await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)


async def test_a_rate_limited_digest_is_retried_by_the_outbox(db_url: str) -> None:
    clock = FixedClock(datetime(2026, 4, 10, 22, 0, tzinfo=UTC))  # 07:00 KST
    engine = create_engine(db_url)
    _daily_chat(engine, "busy", clock.now())
    await _with_news(engine, clock)
    answers = iter([SendResult.retry(30, "HTTP 429"), SendResult.sent()])
    adapter = FakeAdapter(script={"busy": lambda: next(answers)})
    settings = Settings()
    scheduler = DigestScheduler(engine, {"fake": adapter}, clock, settings, worker="s")
    clock.advance(3600)  # 08:00 KST
    assert await scheduler.tick() == 0  # queued, tried, 429
    assert [r["state"] for r in digest_rows(engine)] == ["queued"]
    assert state_counts(engine) == {"failed": 1}
    assert await scheduler.tick() == 0  # not queued twice
    outbox = Outbox(engine, {"fake": adapter}, clock, settings.delivery, worker="o")
    assert await outbox.drain_once() == 0  # waits for Retry-After
    clock.advance(31)
    assert await outbox.drain_once() == 1
    [(_, digest)] = adapter.sent
    assert isinstance(digest, DailyDigest) and digest.sections[0].topic
    assert [r["state"] for r in digest_rows(engine)] == ["sent"]
    chat = get_chat(engine, ChatRef("fake", "busy"))
    assert chat is not None and chat.last_digest_at == clock.now()
    engine.dispose()


async def test_a_digest_queued_before_a_crash_is_sent_by_any_worker(db_url: str) -> None:
    clock = FixedClock(datetime(2026, 4, 10, 23, 0, tzinfo=UTC))  # 08:00 KST
    engine = create_engine(db_url)
    _daily_chat(engine, "c", clock.now())
    await _with_news(engine, clock)
    scheduler = DigestScheduler(engine, {}, clock, Settings(), worker="dies")
    [queued] = scheduler.queue_due(clock.now())  # the process dies before sending
    with engine.connect() as conn:
        row = conn.execute(sa.select(deliveries).where(deliveries.c.id == queued)).one()
    assert row.story_id is None and row.digest_id is not None and row.state == "pending"
    adapter = FakeAdapter()
    other = Outbox(engine, {"fake": adapter}, clock, Settings().delivery, worker="other")
    assert await other.drain_once() == 1
    assert len(adapter.sent) == 1 and isinstance(adapter.sent[0][1], DailyDigest)
    assert [r["state"] for r in digest_rows(engine)] == ["sent"]
    assert scheduler.queue_due(clock.now()) == []  # the day is done
    engine.dispose()


async def test_a_gone_chat_closes_its_digest_day(db_url: str) -> None:
    clock = FixedClock(datetime(2026, 4, 10, 23, 0, tzinfo=UTC))
    engine = create_engine(db_url)
    _daily_chat(engine, "left", clock.now())
    await _with_news(engine, clock)
    adapter = FakeAdapter(script={"left": lambda: SendResult.gone("kicked from the group")})
    scheduler = DigestScheduler(engine, {"fake": adapter}, clock, Settings())
    assert await scheduler.tick() == 0
    assert [r["state"] for r in digest_rows(engine)] == ["dead"]
    chat = get_chat(engine, ChatRef("fake", "left"))
    assert chat is not None and chat.paused and "kicked" in (chat.paused_reason or "")
    engine.dispose()


# --- grouping: the pure choice (bot.stories.choose_story) ------------------------------------


def _story(
    id: int, url: str, title: str | None, body: str | None, days_ago: float
) -> StoryCandidate:
    return StoryCandidate(id, url, title, body, NOW - timedelta(days=days_ago))


@pytest.mark.parametrize(
    ("candidates", "text_length", "expected"),
    [
        ([], 500, None),
        # the same URL always joins, even a year later and before a title match
        ([_story(3, "korea.kr/n?id=1", "x", None, 365)], 500, 3),
        (
            [
                _story(5, "o/1", "반도체특구지정발표안내", None, 1),
                _story(4, "korea.kr/n?id=1", None, None, 400),
            ],
            500,
            4,
        ),
        # same title within the window joins; past it, the news is new again
        ([_story(6, "o/2", "반도체특구지정발표안내", None, 3)], 500, 6),
        ([_story(6, "o/2", "반도체특구지정발표안내", None, 31)], 500, None),
        # same body hash joins only when the body is long enough to prove it
        ([_story(7, "o/3", "다른제목입니다만충분히김", "h1", 1)], 500, 7),
        ([_story(7, "o/3", "다른제목입니다만충분히김", "h1", 1)], 20, None),
        # the oldest of several matches
        (
            [_story(9, "o/4", "반도체특구지정발표안내", None, 1), _story(8, "o/5", None, "h1", 2)],
            500,
            8,
        ),
    ],
)
def test_choose_story(
    candidates: list[StoryCandidate], text_length: int, expected: int | None
) -> None:
    keys = StoryKeys("korea.kr/n?id=1", "반도체특구지정발표안내", "h1")
    assert choose_story(keys, text_length, candidates, NOW) == expected


def test_a_short_title_never_groups() -> None:
    keys = StoryKeys("a/1", "공지", "")
    assert choose_story(keys, 0, [_story(1, "b/2", "공지", None, 0)], NOW) is None
