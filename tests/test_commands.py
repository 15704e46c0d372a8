"""The command core, called directly with plain values, on both engines."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.commands import CommandCore
from bot.config import DeliverySettings, Settings
from bot.store.chats import get_chat, pause_chat, rule_pairs
from bot.store.schema import chats, rules
from bot.types import ChatRef

ME = ChatRef("console", "me")
GROUP = ChatRef("telegram", "-100", "7")


def core(engine: Engine, clock: FixedClock, **delivery: int) -> CommandCore:
    return CommandCore(engine, Settings(delivery=DeliverySettings(**delivery)), clock)


async def say(
    c: CommandCore, text: str, chat: ChatRef = ME, *, admin: bool = True, group: bool = False
) -> str:
    reply = await c.handle(chat, "alice", text, is_admin=admin, is_group=group)
    assert reply.text.strip()
    return reply.text


async def test_subscribe_list_unsubscribe(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    text = await say(c, "/subscribe 반도체 인공지능 과학기술정보통신부 -부동산 딥테크")
    assert "구독했어요" in text
    chat = get_chat(engine, ME)
    assert chat is not None
    assert rule_pairs(engine, chat.id) == [
        ("topic", "반도체"),
        ("topic", "AI"),
        ("agency", "과기정통부"),
        ("exclude", "부동산"),
        ("keyword", "딥테크"),
    ]
    assert "이미 구독 중" in await say(c, "/subscribe 반도체")
    listing = await say(c, "/list")
    assert "반도체" in listing and "과기정통부" in listing and "부동산" in listing
    assert "해제했어요" in await say(c, "/unsubscribe AI 딥테크")
    assert "구독 중이 아니에요" in await say(c, "/unsubscribe 양자")
    assert len(rule_pairs(engine, chat.id)) == 3
    reply = await c.handle(ME, "alice", "/unsubscribe all", is_admin=True, is_group=False)
    assert "3개" in reply.text and reply.announce
    assert rule_pairs(engine, chat.id) == []


async def test_subscribe_without_argument_offers_topics(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    await say(c, "/subscribe 양자")
    reply = await c.handle(ME, "alice", "/subscribe", is_admin=True, is_group=False)
    choices = dict(reply.topic_choices)
    assert choices["양자"] is True and choices["반도체"] is False


async def test_bad_input_gets_korean_answer_and_stores_nothing(
    engine: Engine, clock: FixedClock
) -> None:
    c = core(engine, clock)
    for text in [
        "/subscribe " + "가" * 10_000,
        "/subscribe 반도체\x00\x1b[31m",
        "/subscribe 🚀🔥",
        "/subscribe '; DROP TABLE chats; --",
        "/subscribe <b>굵게</b>",
        "/subscribe " + "가" * 41,
        "/nonsense",
        "/time 25:00",
        "/time 08:00 Mars/Base",
        "/mode sometimes",
        "",
        "\x00\x01",
        "/search " + "x" * 300,
        "/unsubscribe",
    ]:
        reply = await c.handle(ME, "alice", text, is_admin=True, is_group=False)
        assert reply.text and len(reply.text) < 400, text
    with engine.connect() as conn:
        values = conn.execute(sa.select(rules.c.value)).scalars().all()
        assert conn.execute(sa.select(sa.func.count()).select_from(chats)).scalar_one() <= 1
    # only the clean part of "반도체\x00\x1b[31m" could be stored, nothing with markup or emoji
    for value in values:
        assert all(ch.isalnum() or ch in "·&+#.-_ " for ch in value), value


async def test_groups_only_admins_change(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    refusal = await say(c, "/subscribe 반도체", GROUP, admin=False, group=True)
    assert "관리자" in refusal
    assert get_chat(engine, GROUP) is None
    assert "구독했어요" in await say(c, "/subscribe 반도체", GROUP, admin=True, group=True)
    assert "구독 목록" in await say(c, "/list", GROUP, admin=False, group=True)
    chat = get_chat(engine, GROUP)
    assert chat is not None and chat.kind == "group" and chat.ref.thread_id == "7"


async def test_limits(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock, max_chats=2, max_rules=5)
    assert "구독했어요" in await say(c, "/subscribe 가1 가2 가3 가4")
    assert "5개까지" in await say(c, "/subscribe 가5 가6")
    chat = get_chat(engine, ME)
    assert chat is not None and len(rule_pairs(engine, chat.id)) == 4  # all or nothing
    await say(c, "/start", ChatRef("console", "two"))
    full = await say(c, "/start", ChatRef("console", "three"))
    assert "2곳까지" in full
    assert get_chat(engine, ChatRef("console", "three")) is None


async def test_mode_time_pause_resume_status(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    await say(c, "/subscribe 반도체")
    assert "매일 요약" in await say(c, "/mode daily")
    text = await say(c, "/time 7:30 America/New_York")
    assert "오전 7시 30분(America/New_York)" in text and "다음 요약" in text
    status = await say(c, "/status")
    assert "다음 요약" in status and "피드" in status
    assert "멈췄어요" in await say(c, "/pause")
    assert "/pause 로 멈췄어요" in await say(c, "/status")
    await say(c, "/resume")
    pause_chat(engine, ME, "bot was blocked by the user")
    status = await say(c, "/status")
    assert "bot was blocked by the user" in status and "/resume" in status
    await say(c, "/resume")
    chat = get_chat(engine, ME)
    assert chat is not None and not chat.paused and chat.paused_reason is None


async def test_help_start_digest_search_never_fail(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    assert "/subscribe" in await say(c, "/help")
    assert "속보" in await say(c, "/start")
    assert "구독한 것이 없어" in await say(c, "/digest")
    await say(c, "/subscribe 반도체")
    assert "새 소식이 없어요" in await say(c, "/digest")
    reply = await c.handle(ME, "alice", "/search 반도체", is_admin=True, is_group=False)
    assert reply.search is not None and reply.text
    mention = await c.handle(ME, "alice", "/subscribe@sokbo_bot", is_admin=True, is_group=False)
    assert mention.topic_choices


async def test_keyword_no_story_contains_gets_the_closest_word(
    engine: Engine, clock: FixedClock
) -> None:
    """Issue 19: "반도채" is in no stored story; the hint names the indexed "반도체"."""
    from bot.config import FeedSource
    from bot.store import articles as article_store
    from bot.store import feeds as feed_store
    from bot.types import Article

    [feed] = feed_store.sync_sources(
        engine, [FeedSource(name="가", url="https://a.kr/")], clock.now()
    )
    article_store.upsert_articles(
        engine,
        [Article(feed_id=feed.id, guid="g", url="https://a.kr/g", title="반도체 수출 역대 최대",
                 text="반도체 수출이 늘었다.", published_at=clock.now(), content_hash="h")],
        clock.now(),
    )  # fmt: skip
    from bot.search.index import index_pending
    from bot.store.stories import assign_pending

    assign_pending(engine, clock.now())
    index_pending(engine)
    c = core(engine, clock)
    text = await say(c, "/subscribe 반도채")
    assert "반도채가 없어요" in text and "반도체로 구독할까요?" in text
    assert "없어요" not in await say(c, "/subscribe 수출")  # a word the stories contain
    assert "양자컴퓨터가 없어요. 나오면" in await say(c, "/subscribe 양자컴퓨터")  # nothing near
