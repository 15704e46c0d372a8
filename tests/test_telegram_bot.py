"""The Telegram service against the emulator: what reaches the core and what users see.

The command core here is a small recording stand-in (our own code, not a client library), so
these tests pin down the Telegram translation: chat/topic ids, admin rights via getChatMember
(cached), keyboards and their callbacks, bot removal, and the webhook's secret token. The
real core runs in tests/test_telegram_e2e.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa

from bot.adapters.telegram_app import COMMANDS, TelegramBot
from bot.config import Settings, TelegramSettings, load_settings
from bot.messages import Reply, SearchHit, SearchPage
from bot.render.telegram import render_message
from bot.store import create_engine
from bot.store.chats import ensure_chat, get_chat
from bot.store.schema import chats
from bot.types import ChatRef
from tests.long_digest import long_digest
from tests.telegram_emulator import TOKEN, Emulator, emulator, emulator_process, free_port

__all__ = ["emulator", "emulator_process"]


class RecordingCore:
    """Answers like the core would; remembers every call and which topics are followed."""

    def __init__(self) -> None:
        self.calls: list[tuple[ChatRef, str, str, bool, bool]] = []
        self.followed: set[str] = set()

    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        self.calls.append((chat, user, text, is_admin, is_group))
        command, _, arg = text.partition(" ")
        if command in ("/subscribe", "/unsubscribe") and is_group and not is_admin:
            return Reply("그룹에서는 관리자만 구독을 바꿀 수 있습니다.")
        if command == "/subscribe" and not arg:
            choices = tuple((t, t in self.followed) for t in ("AI", "반도체", "양자"))
            return Reply("주제를 눌러 구독을 켜고 끄세요.", topic_choices=choices)
        if command == "/subscribe":
            self.followed.add(arg)
            return Reply(f"‘{arg}’ 구독을 시작했습니다.")
        if command == "/unsubscribe":
            self.followed.discard(arg)
            return Reply(f"‘{arg}’ 구독을 해제했습니다.")
        if command == "/search":
            return Reply("검색 결과", search=page(arg, 0))
        if command == "/digest":
            return Reply("요약", digest=long_digest(topics=1, per_topic=40))
        return Reply(f"받음: {text}")


def page(query: str, offset: int) -> SearchPage:
    hits = tuple(
        SearchHit(
            i,
            f"{query} 소식 {i}",
            "과기정통부",
            datetime(2026, 4, 1, tzinfo=UTC),
            ((f"{query} 관련", True),),
            f"https://x.kr/{i}",
        )
        for i in range(offset, offset + 5)
    )
    return SearchPage(query, hits, offset, has_more=offset < 10)


def settings_for(emulator: Emulator, db_url: str, **telegram: object) -> Settings:
    base = load_settings(
        None, env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret-token"}
    )
    tg = TelegramSettings(base_url=emulator.base_url, poll_timeout=1, **telegram)  # type: ignore[arg-type]
    return base.model_copy(update={"telegram": tg, "database": {"url": db_url}})


@pytest.fixture
async def running(
    emulator: Emulator, sqlite_url: str
) -> AsyncIterator[tuple[TelegramBot, RecordingCore, sa.Engine]]:
    engine = create_engine(sqlite_url)
    core = RecordingCore()
    service = TelegramBot(
        settings_for(emulator, sqlite_url), engine, core, search=lambda q, o: page(q, o)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    await asyncio.sleep(0.3)
    yield service, core, engine
    stop.set()
    await asyncio.wait_for(task, 10)
    engine.dispose()


async def test_start_answers_from_the_core_and_commands_are_published(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    _, core, _ = running
    emulator.send(emulator.private_chat(11), 11, "/start")
    [reply] = await emulator.arrived(11)
    # one voice: the welcome is the core's (in the chat's language), not an adapter copy
    assert reply["text"] == "받음: /start"
    assert core.calls[0] == (ChatRef("telegram", "11"), "11", "/start", True, False)
    # a plain message in a private chat reaches the core too (a hint or a search)
    emulator.send(emulator.private_chat(11), 11, "반도체 지원사업")
    await emulator.arrived(11, count=2)
    assert core.calls[1] == (ChatRef("telegram", "11"), "11", "반도체 지원사업", True, False)
    published = emulator.stats()["commands"]["default|"]
    assert [c["command"] for c in published] == [c for c, _ in COMMANDS]
    assert all(c["description"] for c in published)


async def test_group_admin_rights_come_from_get_chat_member_cached(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    _, core, _ = running
    group = {"id": -2001, "type": "supergroup", "title": "정책팀"}
    emulator.set_admins(-2001, [21])
    emulator.send(group, 22, "/subscribe 반도체")  # not an admin
    emulator.send(group, 21, "/subscribe@SokboTestBot 반도체")
    emulator.send(group, 21, "/list")
    emulator.send(group, 21, "/list@SomeOtherBot")  # for another bot: ignored
    messages = await emulator.arrived(-2001, 3)
    assert len(messages) == 3
    seen = {(user, text, admin, is_group) for _, user, text, admin, is_group in core.calls}
    assert ("22", "/subscribe 반도체", False, True) in seen
    assert ("21", "/subscribe 반도체", True, True) in seen
    assert not any("Other" in text for _, _, text, _, _ in core.calls)
    assert any("관리자만" in m["text"] for m in messages)
    assert emulator.stats()["getChatMember"] == 2  # user 21 asked once, then cached


async def test_forum_topic_replies_go_back_to_the_topic(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    _, core, _ = running
    forum = {"id": -3001, "type": "supergroup", "title": "포럼", "is_forum": True}
    emulator.set_admins(-3001, [31])
    emulator.send(forum, 31, "/status", thread_id=45)
    [reply] = await emulator.arrived(-3001)
    assert reply["message_thread_id"] == 45
    assert core.calls[-1][0] == ChatRef("telegram", "-3001", "45")


async def test_topic_keyboard_toggles_in_place(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    _, core, _ = running
    chat = emulator.private_chat(41)
    emulator.send(chat, 41, "/subscribe")
    [keyboard] = await emulator.arrived(41)
    buttons = [b for row in keyboard["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["⬜ AI", "⬜ 반도체", "⬜ 양자"]
    emulator.press(chat, 41, keyboard, "t:반도체")
    for _ in range(100):
        await asyncio.sleep(0.05)
        [edited] = emulator.bot_messages(41)
        if "edit_date" in edited:
            break
    labels = [b["text"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["⬜ AI", "✅ 반도체", "⬜ 양자"]
    assert core.followed == {"반도체"}
    assert len(emulator.bot_messages(41)) == 1  # edited, not a new message
    assert emulator.stats()["answered_callbacks"] == 1


async def test_search_pages_with_next_and_previous_buttons(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    chat = emulator.private_chat(51)
    emulator.send(chat, 51, "/search 양자")
    [first] = await emulator.arrived(51)
    assert "양자 소식 0" in first["text"]
    [[next_button]] = first["reply_markup"]["inline_keyboard"]
    assert next_button["text"] == "다음 ▶"
    emulator.press(chat, 51, first, next_button["callback_data"])
    for _ in range(100):
        await asyncio.sleep(0.05)
        [page2] = emulator.bot_messages(51)
        if "양자 소식 5" in page2["text"]:
            break
    assert "양자 소식 5" in page2["text"] and "6–10" in page2["text"]
    labels = [b["text"] for b in page2["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["◀ 이전", "다음 ▶"]


async def test_removed_bot_pauses_the_chat_and_all_its_topics(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    _, _, engine = running
    now = datetime(2026, 4, 11, tzinfo=UTC)
    for thread in ("", "7"):
        ensure_chat(
            engine, ChatRef("telegram", "-4001", thread), kind="group", now=now, max_chats=10
        )
    emulator.remove_bot({"id": -4001, "type": "supergroup", "title": "g"}, 1, status="kicked")
    for _ in range(100):
        await asyncio.sleep(0.05)
        with engine.connect() as conn:
            paused = (
                conn.execute(sa.select(chats.c.paused).where(chats.c.chat_id == "-4001"))
                .scalars()
                .all()
            )
        if paused and all(paused):
            break
    assert paused == [True, True]
    chat = get_chat(engine, ChatRef("telegram", "-4001", "7"))
    assert chat is not None and "removed" in (chat.paused_reason or "")


async def test_webhook_refuses_requests_without_the_secret_token(
    emulator: Emulator, sqlite_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = settings_for(
        emulator,
        sqlite_url,
        mode="webhook",
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    engine = create_engine(sqlite_url)
    core = RecordingCore()
    service = TelegramBot(settings, engine, core)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    await asyncio.sleep(0.5)
    update = {
        "update_id": 900,
        "message": {
            "message_id": 1,
            "date": 1775000000,
            "chat": {"id": 61, "type": "private", "first_name": "U"},
            "from": {"id": 61, "is_bot": False, "first_name": "U"},
            "text": "/subscribe 양자",
            "entities": [{"type": "bot_command", "offset": 0, "length": 10}],
        },
    }
    async with httpx.AsyncClient() as http:
        missing = await http.post(url, json=update)
        wrong = await http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        await asyncio.sleep(0.3)
        assert (missing.status_code, wrong.status_code) == (403, 403)
        assert core.calls == [] and emulator.bot_messages(61) == []
        right = await http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        )
        assert right.status_code == 200
    replies = await emulator.arrived(61)
    assert core.calls[0][2] == "/subscribe 양자" and len(replies) == 1
    # And the emulator's own deliveries (it sends the header it was given) get through too.
    emulator.send(emulator.private_chat(62), 62, "/list")
    assert len(await emulator.arrived(62)) == 1
    assert 200 in emulator.stats()["webhook_statuses"]
    stop.set()
    await asyncio.wait_for(task, 10)
    engine.dispose()


async def test_a_long_digest_reply_arrives_in_every_part_as_the_scheduled_one_would(
    running: tuple[TelegramBot, RecordingCore, sa.Engine], emulator: Emulator
) -> None:
    scheduled = render_message(long_digest(topics=1, per_topic=40))
    assert len(scheduled) >= 2  # the case at hand: over one message
    emulator.send(emulator.private_chat(17), 17, "/digest")
    await emulator.arrived(17, count=len(scheduled))
    await asyncio.sleep(0.3)  # nothing more follows
    parts = emulator.bot_messages(17)
    assert [m["text"] for m in parts] == scheduled
    assert "39번 소식" in parts[-1]["text"] and "담당39" in parts[-1]["text"]
