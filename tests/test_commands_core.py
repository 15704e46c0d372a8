"""The command core in its parts: pure parsing into typed values, handlers over an in-memory
CommandStore (no database), and /digest answering with the value the scheduled digest uses,
rendered alike on every platform."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.commands import CommandCore, TimeProblem, TimeSetting, parse_command, parse_time_args
from bot.commands.context import NewChat
from bot.commands.rules import rule_for
from bot.config import DeliverySettings, Settings
from bot.digest import DigestCandidate, build_digest
from bot.errors import CommandError
from bot.matching import Rules
from bot.messages import SearchPage
from bot.render import slack, telegram, text
from bot.store.chats import Chat, ChatLimitReached, RuleLimitReached, get_chat, rule_pairs
from bot.store.stories import digest_candidates
from bot.topics import DEFAULT_TAXONOMY
from bot.types import ChatRef, Feed, Rule
from tests.core_helpers import add_story

ME = ChatRef("console", "me")
GROUP = ChatRef("slack", "C1")


class MemoryStore:
    """A CommandStore in dictionaries, with the SQL store's limits and order."""

    def __init__(self, feeds: Sequence[Feed] = ()) -> None:
        self.chats: dict[ChatRef, Chat] = {}
        self.rule_rows: dict[int, dict[Rule, str | None]] = {}
        self.feed_rows = list(feeds)

    def chat(self, ref: ChatRef) -> Chat | None:
        return self.chats.get(ref)

    def register(self, ref: ChatRef, new: NewChat, *, now: datetime) -> Chat:
        if ref not in self.chats:
            if len(self.chats) >= new.max_chats:
                raise ChatLimitReached(f"{len(self.chats)} chats")
            pk = len(self.chats) + 1
            self.chats[ref] = Chat(
                pk, ref, new.kind, "instant", new.daily_time, new.timezone, False, None, None, now
            )
            self.rule_rows[pk] = {}
        return self.chats[ref]

    def _update(self, chat_pk: int, **values: object) -> None:
        [ref] = [ref for ref, chat in self.chats.items() if chat.id == chat_pk]
        self.chats[ref] = replace(self.chats[ref], **values)  # type: ignore[arg-type]

    def rules(self, chat_pk: int) -> list[Rule]:
        return list(self.rule_rows.get(chat_pk, {}))

    def rule_labels(self, chat_pk: int) -> dict[Rule, str]:
        return {r: label for r, label in self.rule_rows.get(chat_pk, {}).items() if label}

    def add_rules(
        self, chat_pk: int, rules: Mapping[Rule, str | None], *, now: datetime, limit: int
    ) -> list[Rule]:
        rows = self.rule_rows[chat_pk]
        new = {r: label for r, label in rules.items() if r not in rows}
        if len(rows) + len(new) > limit:
            raise RuleLimitReached("full")
        rows.update(new)
        return list(new)

    def remove_rules(self, chat_pk: int, rules: Iterable[Rule]) -> int:
        rows = self.rule_rows[chat_pk]
        return sum(rows.pop(r, "gone") != "gone" for r in list(rules))

    def clear_rules(self, chat_pk: int) -> int:
        count = len(self.rule_rows[chat_pk])
        self.rule_rows[chat_pk] = {}
        return count

    def set_mode(self, chat_pk: int, mode: str, *, now: datetime) -> None:
        self._update(chat_pk, mode=mode, schedule_changed_at=now)

    def set_daily_time(
        self, chat_pk: int, daily_time: str, timezone: str, *, now: datetime
    ) -> None:
        self._update(chat_pk, daily_time=daily_time, timezone=timezone, schedule_changed_at=now)

    def set_paused(self, chat_pk: int, paused: bool, *, now: datetime) -> None:
        self._update(chat_pk, paused=paused)

    def set_language(self, chat_pk: int, language: str) -> None:
        self._update(chat_pk, language=language)

    def has_feed(self, feed_id: int) -> bool:
        return any(f.id == feed_id for f in self.feed_rows)

    def feeds(self) -> list[Feed]:
        return [f for f in self.feed_rows if f.enabled]

    def digest_candidates(self, since: datetime, until: datetime) -> list[DigestCandidate]:
        return []

    def search(self, query: str, *, now: datetime, limit: int, half_life_days: float) -> SearchPage:
        return SearchPage(query=query, hits=(), offset=0, has_more=False)

    def recent_words(self, limit: int) -> list[str]:
        return []


def memory_core(clock: FixedClock, store: MemoryStore, **delivery: int) -> CommandCore:
    settings = Settings(delivery=DeliverySettings(**delivery))
    return CommandCore(None, settings, clock, store=store)


# --- parsing: text in, typed values or a typed error out ---------------------------------


def test_parse_command_names_the_command_in_any_of_its_names() -> None:
    parsed = parse_command('/구독@sokbo_bot 반도체, "양자 컴퓨팅"')
    assert parsed.spec is not None and parsed.spec.name == "subscribe"
    assert parsed.args == ("반도체,", "양자 컴퓨팅") and parsed.slash
    assert parse_command("/SUB x").spec == parsed.spec
    assert parse_command("안녕하세요").spec is None and not parse_command("안녕하세요").slash
    for typed, key in (
        ("", "input.empty"),
        ("\x00 \u200b", "input.empty"),
        ("/x" * 600, "input.too_long"),
    ):
        with pytest.raises(CommandError) as caught:
            parse_command(typed)
        assert caught.value.key == key


def test_rule_for_returns_a_rule_or_raises() -> None:
    feeds = {3}
    has_feed = feeds.__contains__
    assert rule_for("인공지능", DEFAULT_TAXONOMY, has_feed) == Rule("topic", "AI")
    assert rule_for("과학기술정보통신부", DEFAULT_TAXONOMY, has_feed) == Rule(
        "agency", "과기정통부"
    )
    assert rule_for("-부동산", DEFAULT_TAXONOMY, has_feed) == Rule("exclude", "부동산")
    assert rule_for("sLLM", DEFAULT_TAXONOMY, has_feed) == Rule("keyword", "sllm")
    assert rule_for("피드:003", DEFAULT_TAXONOMY, has_feed) == Rule("feed", "3")
    for word, key in (
        ("feed:x", "rule.feed_format"),
        ("feed:9", "rule.feed_missing"),
        ("🚀", "rule.keyword_chars"),
        ("가" * 41, "rule.keyword_long"),
    ):
        with pytest.raises(CommandError) as caught:
            rule_for(word, DEFAULT_TAXONOMY, has_feed)
        assert caught.value.key == key, word


def test_time_words_parse_into_a_setting_or_a_problem() -> None:
    setting = parse_time_args(("오후", "6시", "반", "도쿄"))
    assert isinstance(setting, TimeSetting)
    assert setting.clock == (18, 30) and setting.zone == "Asia/Tokyo"
    assert parse_time_args(("7시",)) == TimeSetting((7, 0), None)
    assert parse_time_args(("08:00", "Mars/Base")) is TimeProblem.BAD_ZONE
    assert parse_time_args(("언젠가",)) is TimeProblem.USAGE


# --- handlers over a store that is not a database ------------------------------------------


async def test_handlers_run_over_any_command_store(clock: FixedClock) -> None:
    store = MemoryStore([Feed(3, "정책브리핑", "https://example.kr/rss")])
    core = memory_core(clock, store, max_rules=4)

    async def say(text: str, chat: ChatRef = ME, *, admin: bool = True) -> str:
        reply = await core.handle(chat, "alice", text, is_admin=admin, is_group=chat == GROUP)
        return reply.text

    assert await say("/subscribe 반도체,sLLM feed:3 -부동산") == (
        "반도체, sLLM, 3번 피드를 구독했어요.\n부동산이 들어간 소식은 빼고 보내 드릴게요."
    )
    [chat] = store.chats.values()
    assert store.rules(chat.id) == [
        Rule("topic", "반도체"),
        Rule("keyword", "sllm"),
        Rule("feed", "3"),
        Rule("exclude", "부동산"),
    ]
    assert "4개까지" in await say("/subscribe 양자")
    assert await say("/unsubscribe SLLM") == "sLLM 구독을 해제했어요."
    assert "오전 7시 30분" in await say("/time 7:30")
    assert store.chats[ME].daily_time == "07:30" and store.chats[ME].mode == "instant"
    assert "관리자만" in await say("/subscribe 반도체", GROUP, admin=False)
    assert GROUP not in store.chats
    assert "#3 정책브리핑" in await say("/status")


async def test_the_dispatcher_maps_a_full_store_and_a_broken_store_to_answers(
    clock: FixedClock,
) -> None:
    store = MemoryStore()
    core = memory_core(clock, store, max_chats=1)
    await core.handle(ME, "a", "/start", is_admin=True, is_group=False)
    full = await core.handle(
        ChatRef("console", "two"), "b", "/start", is_admin=True, is_group=False
    )
    assert "1곳까지" in full.text

    def broken(ref: ChatRef, new: NewChat, *, now: datetime) -> Chat:
        raise RuntimeError("disk on fire")

    store.register = broken  # type: ignore[method-assign]
    failed = await core.handle(
        ChatRef("console", "x"), "c", "/pause", is_admin=True, is_group=False
    )
    assert failed.text and "disk" not in failed.text


# --- /digest is the scheduled digest ---------------------------------------------------------


async def test_digest_reply_carries_the_scheduled_digest_and_renders_like_it(
    engine: Engine, clock: FixedClock
) -> None:
    settings = Settings()
    core = CommandCore(engine, settings, clock)
    await core.handle(ME, "a", "/subscribe 반도체", is_admin=True, is_group=False)
    add_story(
        engine, "지능형 반도체 혁신 촉진", clock.now() - timedelta(hours=2), topics=["반도체"]
    )
    add_story(engine, "양자 기술 로드맵", clock.now() - timedelta(hours=1), topics=["양자"])
    reply = await core.handle(ME, "a", "/digest", is_admin=True, is_group=False)

    chat = get_chat(engine, ME)
    assert chat is not None
    since = clock.now() - timedelta(days=1)
    expected = build_digest(
        digest_candidates(engine, since, clock.now()),
        Rules.from_pairs(rule_pairs(engine, chat.id)),
        since=since,
        now=clock.now(),
        timezone=chat.timezone,
        max_items=settings.digest.max_items,
    )
    assert expected is not None and reply.digest == expected
    assert [e.headline for s in expected.sections for e in s.entries] == ["지능형 반도체 혁신 촉진"]
    assert reply.text == text.render_digest(expected)  # console and CLI: as before
    shown = telegram.render_reply(reply)
    assert shown == telegram.render_message(expected)[0]
    assert shown.startswith("<b>📰 ") and '<a href="https://example.kr/' in shown
    assert slack.render_reply(reply) == slack.render(expected)[0]
    # without a digest the answer stays words
    await core.handle(ME, "a", "/unsubscribe 반도체", is_admin=True, is_group=False)
    none = await core.handle(ME, "a", "/digest", is_admin=True, is_group=False)
    assert none.digest is None and "구독한 것이 없어" in telegram.render_reply(none)
