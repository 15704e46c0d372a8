"""Telegram end to end: users talk to the real bot through the emulator; the real core delivers.

Everything here is the production wiring (``App.build``): python-telegram-bot (unmodified,
``base_url`` → tests/node/server.js), the TelegramBot service polling for updates, the command
core, ingest from a local HTTP feed server, the pipeline (extractive summaries, search index,
matching), the outbox with the TelegramAdapter and the digest scheduler, on a fixed clock.
A test plays the users (commands, button presses) and reads what the bot sent from the
emulator. Press releases are real documents (tests/data/docs, see its SOURCES.md).
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.app import App
from bot.clock import FixedClock
from bot.config import (
    DeliverySettings,
    FeedSettings,
    FeedSource,
    SearchSettings,
    Secrets,
    Settings,
    TelegramSettings,
)
from bot.outbox import Outbox
from bot.render.telegram import render_message
from bot.schedule import DigestScheduler
from bot.store.chats import get_chat, rule_pairs
from bot.store.deliveries import state_counts
from bot.store.schema import deliveries
from bot.store.stories import load_alerts
from bot.summarize.base import Document, Summarizer
from bot.types import ChatRef, Contact, Labeled, Summary
from tests.feed_server import FeedServer, rss
from tests.telegram_emulator import TOKEN, Emulator, emulator, emulator_process

__all__ = ["emulator", "emulator_process"]

DOCS = Path(__file__).resolve().parent / "data" / "docs"
CHIPS = DOCS / "seeds__000_6fb3ceb66007639a.txt"  # 딥테크 300억 원으로 지능형 반도체 혁신 촉진!
SEEDS = sorted(DOCS.glob("seeds__*.txt"))
FEED_NAME = "과기정통부 보도자료"
START = datetime(2026, 4, 10, 20, 0, tzinfo=UTC)  # 05:00 KST, 2026년 4월 11일


def feed_item(path: Path, guid: str, published: datetime) -> dict[str, str]:
    """An RSS item carrying a stored document: its title, and its body as the item content."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        front, _, body = text[3:].partition("\n---")
        title = re.search(r"^title:\s*(.+)$", front, re.M)
        assert title is not None
        headline = title.group(1).strip()
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        headline, body = lines[0], "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    return {
        "title": html.escape(headline),
        "link": f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={guid}",
        "guid": guid,
        "pubDate": format_datetime(published),
        "content": body.replace("]]>", ""),
    }


@dataclass
class World:
    app: App
    emu: Emulator
    feeds: FeedServer
    clock: FixedClock
    outbox: Outbox
    digests: DigestScheduler
    items: list[dict[str, str]]

    @property
    def engine(self) -> sa.Engine:
        return self.app.engine

    async def ask(self, chat: dict[str, Any], user: int, text: str) -> dict[str, Any]:
        """``user`` types ``text`` in ``chat``; returns the bot's answer (a new message)."""
        before = len(self.emu.bot_messages(chat["id"]))
        self.emu.send(chat, user, text)
        messages = await self.emu.arrived(chat["id"], before + 1)
        assert len(messages) > before, f"no answer to {text!r}"
        return messages[before]

    async def press(
        self, chat: dict[str, Any], user: int, message: dict[str, Any], data: str
    ) -> str:
        """``user`` presses a button; returns the toast text the bot answered with."""
        before = self.emu.stats()["answered_callbacks"]
        self.emu.press(chat, user, message, data)
        for _ in range(200):
            stats = self.emu.stats()
            if stats["answered_callbacks"] > before:
                return str(stats["callback_answers"][before])
            await asyncio.sleep(0.02)
        raise AssertionError(f"button {data!r} was never answered")

    async def publish(self, *paths: Path) -> None:
        """New press releases appear on the feed; one poll cycle and the pipeline run."""
        for path in paths:
            guid = str(156_800_000 + len(self.items))
            published = self.clock.now() - timedelta(minutes=30)
            self.items.insert(0, feed_item(path, guid, published))
        self.feeds.add("/rss", rss(self.items, title=FEED_NAME))
        report = await self.app.poll_once()
        assert report.failed == () and len(report.new) == len(paths)
        await self.app.after_poll(report)

    async def drain(self, rounds: int = 100, step: float = 1.0, pause: float = 0.0) -> None:
        """Run the outbox until nothing is waiting, moving the fixed clock between sweeps."""
        for _ in range(rounds):
            await self.outbox.drain_once()
            counts = state_counts(self.engine)
            if not any(counts.get(s) for s in ("pending", "sending", "failed")):
                return
            self.clock.advance(step)
            await asyncio.sleep(pause)
        raise AssertionError(f"outbox still busy: {state_counts(self.engine)}")


def settings_for(db_url: str, emu: Emulator, feeds: FeedServer, **telegram: Any) -> Settings:
    tg: dict[str, Any] = {"pacing": False, **telegram}
    return Settings(
        database={"url": db_url},  # type: ignore[arg-type]
        feeds=FeedSettings(sources=(FeedSource(name=FEED_NAME, url=feeds.url("/rss")),)),
        telegram=TelegramSettings(base_url=emu.base_url, poll_timeout=1, **tg),
        delivery=DeliverySettings(max_attempts=20, interval=0.05),
        search=SearchSettings(default_limit=2),
        secrets=Secrets(telegram_bot_token=TOKEN),
    )


async def _world(db_url: str, emu: Emulator, **telegram: Any) -> AsyncIterator[World]:
    with FeedServer() as feeds:
        feeds.add("/rss", rss([], title=FEED_NAME))
        clock = FixedClock(START)
        app = App.build(settings_for(db_url, emu, feeds, **telegram), clock=clock)
        [service] = app.telegram_services()
        stop = asyncio.Event()
        task = asyncio.create_task(service(stop))
        settings = app.settings
        yield World(
            app=app,
            emu=emu,
            feeds=feeds,
            clock=clock,
            outbox=Outbox(app.engine, app.adapters, clock, settings.delivery),
            digests=DigestScheduler(app.engine, app.adapters, clock, settings),
            items=[],
        )
        stop.set()
        await asyncio.wait_for(task, 10)
        app.engine.dispose()


@pytest.fixture
async def world(sqlite_url: str, emulator: Emulator) -> AsyncIterator[World]:
    async for w in _world(sqlite_url, emulator):
        yield w


@pytest.fixture
async def world_both(db_url: str, emulator: Emulator) -> AsyncIterator[World]:
    async for w in _world(db_url, emulator):
        yield w


def private(user: int) -> dict[str, Any]:
    return Emulator.private_chat(user)


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def edited(emu: Emulator, chat_id: int, message_id: int, after: int = 0) -> dict[str, Any]:
    """The bot's message once it has been edited (at ``edit_date`` > ``after``)."""
    for _ in range(200):
        [message] = [m for m in emu.bot_messages(chat_id) if m["message_id"] == message_id]
        if message.get("edit_date", 0) > after:
            return message
        await asyncio.sleep(0.02)
    raise AssertionError("the message was never edited")


def alerts_about(emu: Emulator, chat_id: int, needle: str) -> list[dict[str, Any]]:
    return [m for m in emu.bot_messages(chat_id) if needle in m["text"]]


# --- scenarios ---------------------------------------------------------------------------------


async def test_subscribe_by_command_and_keyboard_then_the_alert_arrives(
    world_both: World,
) -> None:
    w = world_both
    alice, bora = private(501), private(502)
    welcome = await w.ask(alice, 501, "/start")
    assert (
        welcome["text"].startswith("안녕하세요, 속보 봇이에요.")
        and "/subscribe · /구독" in (welcome["text"])
    )
    answer = await w.ask(alice, 501, "/subscribe 반도체")
    assert "반도체" in answer["text"]

    keyboard = await w.ask(bora, 502, "/subscribe")
    labels = [b["text"] for b in buttons(keyboard)]
    assert "⬜ 반도체" in labels
    toast = await w.press(bora, 502, keyboard, "t:반도체")
    assert "반도체" in toast
    after = await edited(w.emu, 502, keyboard["message_id"])
    assert "✅ 반도체" in [b["text"] for b in buttons(after)]
    assert len(w.emu.bot_messages(502)) == 1  # the keyboard was edited in place
    for ref in (ChatRef("telegram", "501"), ChatRef("telegram", "502")):
        chat = get_chat(w.engine, ref)
        assert chat is not None and ("topic", "반도체") in rule_pairs(w.engine, chat.id)

    await w.publish(CHIPS, DOCS / "seeds__003_a914e31bf330b7ab.txt")  # 혁신특구: not 반도체
    await w.drain()
    for user in (501, 502):
        [alert] = alerts_about(w.emu, user, "원문 보기")
        text = alert["text"]
        assert text.startswith("<b>") and "반도체" in text.split("</b>")[0]
        assert "문의처" in text
        # phone numbers exactly as the release prints them
        assert "044-202-4745" in text and "042-865-8834" in text
        assert FEED_NAME in text and "KST" in text
        assert 'href="https://www.korea.kr/briefing/pressReleaseView.do?newsId=' in text
    assert state_counts(w.engine) == {"sent": 2}


async def test_search_pages_with_next_and_previous(world: World) -> None:
    w = world
    await w.publish(*SEEDS)
    user = private(511)
    first = await w.ask(user, 511, "/search 반도체")
    assert "검색 결과 1–2" in first["text"]
    [[forward]] = first["reply_markup"]["inline_keyboard"]
    assert forward["text"] == "다음 ▶"
    await w.press(user, 511, first, forward["callback_data"])
    second = await edited(w.emu, 511, first["message_id"])
    assert "검색 결과 3–" in second["text"]
    assert second["text"] != first["text"]
    labels = [b["text"] for b in buttons(second)]
    assert labels[0] == "◀ 이전"
    back = buttons(second)[0]["callback_data"]
    await w.press(user, 511, second, back)
    for _ in range(200):
        [again] = w.emu.bot_messages(511)
        if "검색 결과 1–2" in again["text"]:
            break
        await asyncio.sleep(0.02)
    assert again["text"] == first["text"]
    assert len(w.emu.bot_messages(511)) == 1  # pages are edits, never new messages


async def test_digest_arrives_at_the_chosen_time_not_before(world: World) -> None:
    w = world
    user = private(521)
    await w.ask(user, 521, "/subscribe 반도체")
    await w.ask(user, 521, "/mode daily")
    answer = await w.ask(user, 521, "/time 07:30")
    assert "매일 오전 7시 30분(한국 시간)에" in answer["text"] and "다음 요약" in answer["text"]
    await w.publish(CHIPS)
    await w.drain()
    assert state_counts(w.engine) == {}  # daily only: no instant alert
    replies = len(w.emu.bot_messages(521))

    w.clock.current = datetime(2026, 4, 10, 22, 29, 30, tzinfo=UTC)  # 07:29:30 KST
    assert await w.digests.tick() == 0
    assert len(w.emu.bot_messages(521)) == replies
    w.clock.current = datetime(2026, 4, 10, 22, 30, tzinfo=UTC)  # 07:30 KST
    assert await w.digests.tick() == 1
    w.clock.advance(60)
    assert await w.digests.tick() == 0  # one digest per day
    [digest] = w.emu.bot_messages(521)[replies:]
    assert digest["text"].startswith("<b>📰 4월 11일 정책 브리핑</b>")
    assert "[반도체]" in digest["text"] and "지능형 반도체" in digest["text"]
    assert "044-202-4745" in digest["text"]


async def test_digest_command_looks_like_the_scheduled_digest(world: World) -> None:
    w = world
    user = private(524)
    await w.ask(user, 524, "/subscribe 반도체")
    await w.ask(user, 524, "/mode daily")
    await w.ask(user, 524, "/time 07:30")
    await w.publish(CHIPS)
    await w.drain()
    asked = await w.ask(user, 524, "/digest")
    assert asked["text"].startswith("<b>📰 4월 11일 정책 브리핑</b>")
    assert '<a href="https://www.korea.kr/briefing/pressReleaseView.do?newsId=' in asked["text"]
    w.clock.current = datetime(2026, 4, 10, 22, 30, tzinfo=UTC)  # 07:30 KST
    assert await w.digests.tick() == 1
    scheduled = w.emu.bot_messages(524)[-1]
    assert scheduled["message_id"] != asked["message_id"]
    assert asked["text"] == scheduled["text"]


async def test_group_member_who_is_not_admin_is_refused_and_nothing_changes(world: World) -> None:
    w = world
    group = {"id": -1001234, "type": "supergroup", "title": "반도체 연구회"}
    w.emu.set_admins(-1001234, [530])
    refused = await w.ask(group, 531, "/subscribe 반도체")
    assert "관리자만" in refused["text"]
    chat = get_chat(w.engine, ChatRef("telegram", "-1001234"))
    assert chat is None or rule_pairs(w.engine, chat.id) == []

    keyboard = await w.ask(group, 530, "/subscribe")  # the admin opens the keyboard
    toast = await w.press(group, 531, keyboard, "t:반도체")  # a member presses it
    assert "관리자만" in toast
    await asyncio.sleep(0.2)
    [still] = [m for m in w.emu.bot_messages(-1001234) if m["message_id"] == keyboard["message_id"]]
    assert "edit_date" not in still and "⬜ 반도체" in [b["text"] for b in buttons(still)]
    chat = get_chat(w.engine, ChatRef("telegram", "-1001234"))
    assert chat is None or rule_pairs(w.engine, chat.id) == []

    await w.press(group, 530, keyboard, "t:반도체")  # the admin may
    await edited(w.emu, -1001234, keyboard["message_id"])
    chat = get_chat(w.engine, ChatRef("telegram", "-1001234"))
    assert chat is not None and rule_pairs(w.engine, chat.id) == [("topic", "반도체")]


async def test_blocked_user_pauses_the_chat_without_retries_and_status_explains(
    world: World,
) -> None:
    w = world
    gone, stays = private(541), private(542)
    await w.ask(gone, 541, "/subscribe 반도체")
    await w.ask(stays, 542, "/subscribe 반도체")
    w.emu.block(541)
    attempts = w.emu.attempts(541)
    await w.publish(CHIPS)
    await w.drain()
    assert w.emu.attempts(541) == attempts + 1  # one try, a 403, no retry
    chat = get_chat(w.engine, ChatRef("telegram", "541"))
    assert chat is not None and chat.paused and "blocked" in (chat.paused_reason or "")
    assert len(alerts_about(w.emu, 542, "원문 보기")) == 1  # the others go on
    with w.engine.connect() as conn:
        states = conn.execute(sa.select(deliveries.c.state, deliveries.c.chat_id)).all()
    assert sorted(s for s, _ in states) == ["dead", "sent"]

    await w.publish(*SEEDS)  # more news, an hour later: nothing goes to the blocked chat
    w.clock.advance(3600)
    await w.drain()
    assert w.emu.attempts(541) == attempts + 1

    w.emu.unblock(541)  # the user comes back
    status = await w.ask(gone, 541, "/status")
    assert "멈춤" in status["text"] and "blocked" in status["text"]
    assert "/resume" in status["text"]
    resumed = await w.ask(gone, 541, "/resume")
    assert "다시" in resumed["text"]
    chat = get_chat(w.engine, ChatRef("telegram", "541"))
    assert chat is not None and not chat.paused


async def test_group_upgraded_to_supergroup_migrates_and_resends(world: World) -> None:
    w = world
    group = {"id": -4242, "type": "group", "title": "정책 스터디"}
    w.emu.set_admins(-4242, [550])
    await w.ask(group, 550, "/subscribe 반도체")
    w.emu.migrate(-4242, -1004242)
    await w.publish(CHIPS)
    await w.drain()
    assert get_chat(w.engine, ChatRef("telegram", "-4242")) is None
    moved = get_chat(w.engine, ChatRef("telegram", "-1004242"))
    assert moved is not None and rule_pairs(w.engine, moved.id) == [("topic", "반도체")]
    [alert] = w.emu.bot_messages(-1004242)
    assert "044-202-4745" in alert["text"]
    assert alerts_about(w.emu, -4242, "원문 보기") == []
    assert w.emu.attempts(-4242) == 2  # the subscribe answer, then the refused alert
    assert state_counts(w.engine) == {"sent": 1}


async def test_rate_limit_storm_delivers_every_message_exactly_once(world: World) -> None:
    w = world
    users = list(range(5600, 5616))
    for user in users:
        await w.ask(private(user), user, "/subscribe 반도체 중기부 과기정통부")
    w.emu.rate429(0.3, retry_after=2, seed=5)
    await w.publish(*SEEDS)
    expected = state_counts(w.engine)["pending"]
    stories = expected // len(users)
    assert stories >= 2 and expected == stories * len(users)
    await w.drain(rounds=300, step=2.0)
    stats = w.emu.stats()
    assert stats["random429"] >= 5
    assert state_counts(w.engine) == {"sent": expected}
    for user in users:
        alerts = alerts_about(w.emu, user, "원문 보기")
        assert len(alerts) == stories, user
        assert len({m["text"] for m in alerts}) == stories, user  # no story twice


class LongSummaries:
    """The real summarizer, then a long tail of facts and contacts such as an LLM may list."""

    def __init__(self, inner: Summarizer) -> None:
        self.inner = inner
        self.name = inner.name

    async def summarize(self, doc: Document) -> Summary:
        s = await self.inner.summarize(doc)
        dates = [
            Labeled(label=f"{n}차 설명회 <서울>", value=f"2026년 5월 {n}일 14:00 — " + "가" * 80)
            for n in range(1, 41)
        ]
        amounts = [
            Labeled(label=f"{n}단계 지원 & 융자", value=f"{n * 10}억 원 " + "나" * 90)
            for n in range(1, 16)
        ]
        contacts = [
            Contact(department=f"반도체과 {n}팀", name=f"담당자{n}", phone=f"044-202-{4700 + n}")
            for n in range(1, 16)
        ]
        extra = {"key_dates": dates, "amounts": amounts, "contacts": [*s.contacts, *contacts]}
        return s.model_copy(update=extra)


class Visible(HTMLParser):
    """Telegram's view of an HTML message: the text, and whether the tags balance."""

    ALLOWED = frozenset({"b", "i", "a"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.bad.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.bad.append(f"/{tag}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(markup: str) -> str:
    parser = Visible()
    parser.feed(markup)
    parser.close()
    assert parser.bad == [] and parser.open == [], (parser.bad, parser.open)
    return "".join(parser.text)


async def test_a_6000_character_story_is_split_into_valid_parts(
    sqlite_url: str, emulator: Emulator
) -> None:
    # Real pacing here (1 message/s per chat): the second part waits its turn, once.
    async for w in _world(sqlite_url, emulator, pacing=True):
        w.app._summarizer = LongSummaries(w.app.summarizer())
        await w.ask(private(561), 561, "/subscribe 반도체")
        await asyncio.sleep(1.0)  # the per-chat bucket counts only the outbox's sends
        await w.publish(CHIPS)
        await w.drain(rounds=100, step=0.5, pause=0.1)
        parts = [m["text"] for m in w.emu.bot_messages(561)[1:]]
        with w.engine.connect() as conn:
            story_id = conn.execute(sa.select(deliveries.c.story_id)).scalar_one()
        alert = load_alerts(w.engine, [story_id])[story_id]
        [whole] = render_message(alert, limit=10**6)
        full = visible(whole)
        assert len(full) >= 6000
        assert 2 <= len(parts) <= 3  # cut only between paragraphs or lines
        shown = [visible(p) for p in parts]
        assert all(len(s.encode("utf-16-le")) // 2 <= 4096 for s in shown)
        assert "".join("".join(shown).split()) == "".join(full.split())  # nothing lost
        for line in full.splitlines():  # no line is cut in two
            assert any(line.strip() in s for s in shown), line
        assert state_counts(w.engine) == {"sent": 1}
