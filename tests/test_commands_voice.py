"""Issue 15 through the command core: natural Korean input, one voice, English on request."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.commands import COMMANDS, CommandCore, looks_like_search, parse_clock, parse_time_args
from bot.config import BotSettings, DeliverySettings, Settings
from bot.search import index_pending
from bot.store.chats import get_chat, rule_pairs
from bot.store.schema import stories
from bot.types import ChatRef
from tests.core_helpers import add_feed, add_story

ME = ChatRef("console", "me")
GROUP = ChatRef("telegram", "-100", "")
FORMAL = re.compile(r"(습니다|습니까|입니다)")


def core(
    engine: Engine, clock: FixedClock, *, language: str = "ko", **delivery: int
) -> CommandCore:
    settings = Settings(
        bot=BotSettings(language=language),  # type: ignore[arg-type]
        delivery=DeliverySettings(**delivery),
    )
    return CommandCore(engine, settings, clock)


async def say(c: CommandCore, text: str, chat: ChatRef = ME, *, group: bool = False) -> str:
    reply = await c.handle(chat, "alice", text, is_admin=True, is_group=group)
    assert reply.text.strip()
    assert not FORMAL.search(reply.text), reply.text  # 해요체 only
    return reply.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("오전 7시", (7, 0)),
        ("7시 30분", (7, 30)),
        ("오후 6시 반", (18, 30)),
        ("07시", (7, 0)),
        ("7:30", (7, 30)),
        ("18:00", (18, 0)),
        ("0730", (7, 30)),
        ("오후 12시", (12, 0)),
        ("오전 12시", (0, 0)),
        ("밤 9시", (21, 0)),
        ("저녁 7시 15분", (19, 15)),
        ("7pm", (19, 0)),
        ("정오", (12, 0)),
        ("25:00", None),
        ("오후 13시", None),
        ("7", None),
        ("7시 75분", None),
        ("내일", None),
    ],
)
def test_parse_clock(typed: str, expected: tuple[int, int] | None) -> None:
    assert parse_clock(typed) == expected


def test_parse_time_args_with_zones() -> None:
    assert parse_time_args(("7:30", "KST")) == ((7, 30), "Asia/Seoul")
    assert parse_time_args(("18:00", "Asia/Tokyo")) == ((18, 0), "Asia/Tokyo")
    assert parse_time_args(("오후", "6시", "반", "도쿄")) == ((18, 30), "Asia/Tokyo")
    assert parse_time_args(("7시", "한국", "시간")) == ((7, 0), "Asia/Seoul")
    assert parse_time_args(("08:00", "Mars/Base")) == "time.bad_zone"
    assert parse_time_args(("언젠가",)) == "time.usage"


async def test_time_accepts_natural_input_and_confirms_in_words(
    engine: Engine, clock: FixedClock
) -> None:
    c = core(engine, clock)
    await say(c, "/mode 매일")
    text = await say(c, "/time 오전 7시 30분")
    assert text.startswith("매일 오전 7시 30분(한국 시간)에 요약을 보내 드릴게요.")
    chat = get_chat(engine, ME)
    assert chat is not None and (chat.daily_time, chat.timezone) == ("07:30", "Asia/Seoul")
    text = await say(c, "/시간 오후 6시 반 Asia/Tokyo")
    assert "매일 오후 6시 30분(일본 시간)에" in text and "다음 요약은" in text
    chat = get_chat(engine, ME)
    assert chat is not None and (chat.daily_time, chat.timezone) == ("18:30", "Asia/Tokyo")
    assert "모르는 시간대" in await say(c, "/time 8:00 Mars/Base")
    assert "/time 오전 7시" in await say(c, "/time 내일 아침")
    await say(c, "/mode 즉시알림")
    assert "'즉시 알림'으로" in await say(c, "/mode 즉시 알림")
    assert "오전 7시(일본 시간)로 정했어요" in await say(c, "/time 07시")


async def test_lists_split_on_commas_and_keep_the_users_spelling(
    engine: Engine, clock: FixedClock
) -> None:
    c = core(engine, clock)
    text = await say(c, "/subscribe 반도체,AI、sLLM·딥테크 창업·벤처")
    assert text == "반도체, AI, sLLM, 딥테크, 창업·벤처를 구독했어요."
    chat = get_chat(engine, ME)
    assert chat is not None
    assert rule_pairs(engine, chat.id) == [
        ("topic", "반도체"),
        ("topic", "AI"),
        ("keyword", "sllm"),
        ("keyword", "딥테크"),
        ("topic", "창업·벤처"),
    ]
    assert await say(c, "/subscribe 인공지능") == "인공지능(AI)은 이미 구독 중이에요."
    assert "· 키워드: sLLM, 딥테크" in await say(c, "/list")
    assert await say(c, "/unsubscribe 반도체,AI") == "반도체, AI 구독을 해제했어요."
    assert await say(c, "/해지 SLLM") == "sLLM 구독을 해제했어요."
    assert await say(c, "/해제 양자") == "양자는 구독 중이 아니에요."
    assert "부동산이 들어간 소식은 빼고" in await say(c, "/구독 -부동산")


async def test_list_says_the_limit_in_words(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock, max_rules=50)
    await say(c, "/subscribe 반도체")
    text = await say(c, "/list")
    assert "지금 1개를 구독하고 있어요. 대화방마다 50개까지 구독할 수 있어요." in text
    assert "(1/50)" not in text


async def test_every_command_has_a_korean_name_and_help(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    help_text = await say(c, "/도움말")
    for spec in COMMANDS:
        assert f"/{spec.name} · /{spec.korean}" in help_text
        english = await c.handle(ME, "a", f"/{spec.name}", is_admin=True, is_group=False)
        korean = await c.handle(ME, "a", f"/{spec.korean}", is_admin=True, is_group=False)
        assert "명령은 없어요" not in korean.text, spec
        if spec.name not in ("pause", "resume", "start", "status"):  # these change state
            assert english.text == korean.text, spec
        detail = await say(c, f"/help {spec.korean}")
        assert f"/{spec.name} · /{spec.korean}" in detail and detail != help_text
    assert "/구독" in await say(c, "/help subscribe")
    assert "'바보' 명령은 없어요" in await say(c, "/help 바보")


async def test_topics_agencies_sources(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    topics = await say(c, "/주제")
    assert "· AI (" in topics and "인공지능" in topics
    agencies = await say(c, "/agencies")
    assert "· 과기정통부 (과학기술정보통신부" in agencies and "MSIT" in agencies
    assert await say(c, "/sources") == "아직 읽는 피드가 없어요."
    add_feed(engine, "정책브리핑", clock.now())
    sources = await say(c, "/피드")
    assert "#1 정책브리핑 — 아직 읽지 않았어요" in sources and "feed:번호" in sources


async def test_plain_text_gets_a_hint_or_a_search(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    add_story(engine, "반도체 지원사업 공고", clock.now(), topics=["반도체"])
    index_pending(engine)
    hello = await say(c, "안녕하세요")
    assert "/" + "안녕하세요" not in hello and "/help" in hello and "/subscribe" in hello
    found = await c.handle(ME, "alice", "반도체 지원사업", is_admin=True, is_group=False)
    assert found.text.startswith("'반도체 지원사업'으로 검색해 봤어요.")
    assert found.search is not None and found.search.hits
    assert "/help" in await say(c, "반도체 뉴스 알려줘")  # a request, not a search
    in_group = await c.handle(GROUP, "bob", "반도체 지원사업", is_admin=False, is_group=True)
    assert in_group.search is None and "/help" in in_group.text
    assert "혹시 /subscribe 를 찾으셨나요?" in await say(c, "/subscrib 반도체")


def test_looks_like_search() -> None:
    for text in ("반도체 지원사업", "AI 예산", "딥테크", "R&D 300억"):
        assert looks_like_search(text), text
    for text in ("안녕하세요", "뭐해", "고마워요", "반도체 뉴스 알려줘", "이거 뭐야?", "ㅋㅋ"):
        assert not looks_like_search(text), text


async def test_digest_shows_the_year_of_old_stories_and_says_nothing_arrived(
    engine: Engine, clock: FixedClock
) -> None:
    c = core(engine, clock)
    await say(c, "/subscribe 반도체")
    empty = await say(c, "/요약")
    assert "새 소식이 없어요. 피드에 새로 올라온 글이 없었어요." in empty
    old = add_story(engine, "반도체 수출 동향", clock.now(), topics=["반도체"])
    add_story(engine, "양자 기술 로드맵", clock.now(), topics=["양자"])
    with engine.begin() as conn:
        conn.execute(
            stories.update()
            .where(stories.c.id == old)
            .values(published_at=datetime(2024, 6, 10, 0, 30, tzinfo=UTC))
        )
    digest = await say(c, "/digest")
    assert "2024년 6월 10일 09:30 KST" in digest and "반도체 수출 동향" in digest
    await say(c, "/unsubscribe 반도체")
    await say(c, "/subscribe 부동산")
    none = await say(c, "/digest")
    assert "새 소식이 2건 들어왔지만, 구독하신 것과 맞는 소식은 없었어요." in none


async def test_english_per_chat_and_per_instance(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    assert "English" in await say(c, "/lang en")
    chat = get_chat(engine, ME)
    assert chat is not None and chat.language == "en"
    reply = await c.handle(ME, "a", "/subscribe 반도체,AI", is_admin=True, is_group=False)
    assert reply.text == "You now follow 반도체, AI." and reply.language == "en"
    assert "is now 7:30 AM (Korea time)" in await say(c, "/time 7:30")
    assert "/subscribe" in await say(c, "/help")
    assert "There is no '/nope' command" in await say(c, "/nope")
    assert "Hello!" in await say(c, "안녕하세요")
    assert "한국어로 답할게요" in await say(c, "/언어 한국어")
    # an instance whose default is English; a chat that chose Korean keeps it
    english = core(engine, clock, language="en")
    assert "does not follow anything" in await say(english, "/list", ChatRef("console", "new"))
    assert "구독 목록" in await say(english, "/list")
    # the whole English catalog answers without Korean sentences of its own
    for text in ("/help subscribe", "/status", "/mode", "/time", "/search", "/unsubscribe"):
        answer = await say(english, text, ChatRef("console", "new"))
        assert not re.search(r"[가-힣]{2,}(요|다)\b", answer), answer


async def test_group_refusals_stay_polite(engine: Engine, clock: FixedClock) -> None:
    c = core(engine, clock)
    for text in ("/구독 반도체", "/lang en", "/시간 7시", "/일시정지"):
        reply = await c.handle(GROUP, "bob", text, is_admin=False, is_group=True)
        assert "관리자만" in reply.text, text
    assert get_chat(engine, GROUP) is None
    reply = await c.handle(GROUP, "bob", "/목록", is_admin=False, is_group=True)
    assert "구독한 것이 없어요" in reply.text


def test_docs_list_every_command_in_both_names() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "commands.md").read_text("utf-8")
    for spec in COMMANDS:
        assert f"`/{spec.name}" in text and f"`/{spec.korean}`" in text, spec
        for alias in spec.aliases:
            assert f"`/{alias}`" in text, alias
