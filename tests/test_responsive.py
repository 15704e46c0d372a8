"""Commands stay answered while a poll cycle chews on a hostile feed.

One production ``App`` (App.build) runs Telegram (python-telegram-bot against the emulator)
and Slack (Bolt over HTTP against the local Web API) while ``poll_once`` + the pipeline ingest
a feed with a 1 MB title and 5,000 items from a local feed server. Users send ``/list`` over
and over during the cycle; every answer must come within 1 s.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx

from bot.app import App
from bot.clock import FixedClock
from bot.config import (
    FeedSettings,
    FeedSource,
    Secrets,
    Settings,
    SlackSettings,
    TelegramSettings,
)
from tests.feed_server import FeedServer, rss
from tests.slack_api import SlackApi
from tests.slack_helpers import command_body, post_command
from tests.telegram_emulator import TOKEN, Emulator, emulator, emulator_process

__all__ = ["emulator", "emulator_process"]

SECRET = "responsive-signing-secret-0123456789"
START = datetime(2026, 4, 10, 23, 0, tzinfo=UTC)
ITEMS = 5_000
LIMIT_S = 1.0


def hostile_feed(now: datetime) -> str:
    """5,000 short policy items and one whose title is a megabyte of Korean."""
    items: list[dict[str, str]] = []
    for n in range(ITEMS):
        items.append(
            {
                "title": f"중소벤처기업부 {n}번째 창업 지원사업 공고",
                "link": f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={n}",
                "guid": str(n),
                "pubDate": format_datetime(now - timedelta(minutes=n % 600)),
                "content": f"<p>중기부는 딥테크 기업 {n}곳에 {n}억 원을 지원한다.</p>",
            }
        )
    items.insert(
        0,
        {
            "title": "반도체 특구를 지정한다 " * 45_000,  # ≈ 1 MB
            "link": "https://www.korea.kr/briefing/pressReleaseView.do?newsId=huge",
            "guid": "huge",
            "pubDate": format_datetime(now),
            "content": "<p>과기정통부는 반도체 특구를 지정한다.</p>",
        },
    )
    return rss(items, title="부처 보도자료")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_commands_answered_within_a_second_during_a_hostile_poll(
    sqlite_url: str, emulator: Emulator
) -> None:
    api = SlackApi()
    await api.start()
    api.add_channel("C100", creator="UCREATOR")
    for n in range(20):  # one user per probe: the per-user command limit is not the subject
        api.add_user(f"U{n}")
    port = free_port()
    with FeedServer() as feeds:
        feeds.add("/rss", hostile_feed(START))
        settings = Settings(
            database={"url": sqlite_url},  # type: ignore[arg-type]
            feeds=FeedSettings(sources=(FeedSource(name="부처", url=feeds.url("/rss")),)),
            telegram=TelegramSettings(base_url=emulator.base_url, poll_timeout=1, pacing=False),
            slack=SlackSettings(api_url=api.base_url, listen="127.0.0.1", port=port),  # type: ignore[arg-type]
            secrets=Secrets(
                telegram_bot_token=TOKEN,
                slack_bot_token=api.token,
                slack_signing_secret=SECRET,
            ),
        )
        app = App.build(settings, clock=FixedClock(START))
        stop = asyncio.Event()
        services = [
            asyncio.create_task(s(stop)) for s in (*app.telegram_services(), *app.slack_services())
        ]
        users = iter(range(701, 721))
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                url = f"http://127.0.0.1:{port}/slack/events"
                await _wait_until_up(http, url)
                warm = Emulator.private_chat(next(users))
                assert await _telegram_list(emulator, warm) < 5  # warm: the bot is polling

                async def cycle() -> int:
                    report = await app.poll_once()
                    await app.after_poll(report)
                    return len(report.new)

                poll = asyncio.create_task(cycle())
                await asyncio.sleep(0.5)
                telegram_waits: list[float] = []
                slack_waits: list[float] = []
                while not poll.done() and len(telegram_waits) < 15:
                    chat = Emulator.private_chat(next(users))
                    telegram_waits.append(await _telegram_list(emulator, chat))
                    slack_waits.append(await _slack_list(http, url, api, len(slack_waits)))
                stored = await poll
        finally:
            stop.set()
            await asyncio.gather(*services, return_exceptions=True)
            await api.stop()
            app.engine.dispose()
    assert stored == ITEMS + 1  # every item, the hostile one too, was taken in
    assert len(telegram_waits) >= 3, "the poll ended before commands could be measured"
    assert max(telegram_waits) <= LIMIT_S, telegram_waits
    assert max(slack_waits) <= LIMIT_S, slack_waits


async def _telegram_list(emu: Emulator, chat: dict[str, Any]) -> float:
    before = len(emu.bot_messages(chat["id"]))
    started = time.perf_counter()
    emu.send(chat, chat["id"], "/list")
    messages = await emu.arrived(chat["id"], before + 1)
    assert len(messages) > before, "no answer to /list"
    return time.perf_counter() - started


async def _slack_list(http: httpx.AsyncClient, url: str, api: SlackApi, n: int) -> float:
    """Seconds until Slack has both the HTTP acknowledgement and the ephemeral answer."""
    before = len(api.responses)
    body = command_body("list", channel="C100", user=f"U{n}", response_url=api.response_url(str(n)))
    started = time.perf_counter()
    response = await post_command(http, url, body, secret=SECRET)
    assert response.status_code == 200, response.text
    while len(api.responses) <= before:
        if time.perf_counter() - started > 10:
            raise AssertionError("no answer to /sokbo list")
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def _wait_until_up(http: httpx.AsyncClient, url: str) -> None:
    for _ in range(200):
        try:
            await http.get(url.replace("/slack/events", "/"))
            return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise AssertionError("the Slack listener never started")


async def test_a_command_waiting_on_the_database_does_not_delay_other_chats(
    sqlite_url: str, emulator: Emulator
) -> None:
    """One chat's ``/pause`` waits on a write lock another connection holds (a busy
    database) while the loop's default thread pool is full; meanwhile another Telegram chat's
    ``/list`` and a Slack channel's ``/sokbo list`` are answered within a second, and the
    waiting command finishes once the lock goes. Commands reach the database from their own
    worker threads, never the event loop."""
    api = SlackApi()
    await api.start()
    api.add_channel("C100", creator="UCREATOR")
    api.add_user("U1")
    port = free_port()
    settings = Settings(
        database={"url": sqlite_url},  # type: ignore[arg-type]
        telegram=TelegramSettings(base_url=emulator.base_url, poll_timeout=1, pacing=False),
        slack=SlackSettings(api_url=api.base_url, listen="127.0.0.1", port=port),  # type: ignore[arg-type]
        secrets=Secrets(
            telegram_bot_token=TOKEN, slack_bot_token=api.token, slack_signing_secret=SECRET
        ),
    )
    app = App.build(settings, clock=FixedClock(START))
    stop = asyncio.Event()
    services = [
        asyncio.create_task(s(stop)) for s in (*app.telegram_services(), *app.slack_services())
    ]
    waiting, other = Emulator.private_chat(801), Emulator.private_chat(802)
    path = sqlite_url.removeprefix("sqlite:///")
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            url = f"http://127.0.0.1:{port}/slack/events"
            await _wait_until_up(http, url)
            for chat in (waiting, other):  # registered before the lock: /list then only reads
                assert await _telegram_list(emulator, chat) < 5
            assert await _slack_list(http, url, api, 1) < 5
            lock.execute("BEGIN IMMEDIATE")  # the write lock, held until released below
            # and the loop's default thread pool full, as a poll resolving page hosts fills it
            release = threading.Event()
            blockers = [asyncio.create_task(asyncio.to_thread(release.wait)) for _ in range(40)]
            before = len(emulator.bot_messages(waiting["id"]))
            emulator.send(waiting, waiting["id"], "/pause")
            await asyncio.sleep(0.3)  # the /pause is now waiting on the lock
            telegram_wait = await _telegram_list(emulator, other)
            slack_wait = await _slack_list(http, url, api, 2)
            assert len(emulator.bot_messages(waiting["id"])) == before, "/pause did not wait"
            released = time.perf_counter()
            lock.execute("ROLLBACK")
            release.set()
            await asyncio.gather(*blockers)
            answers = await emulator.arrived(waiting["id"], before + 1)
            paused_after = time.perf_counter() - released
    finally:
        lock.close()
        stop.set()
        await asyncio.gather(*services, return_exceptions=True)
        await api.stop()
        app.engine.dispose()
    assert telegram_wait <= LIMIT_S and slack_wait <= LIMIT_S, (telegram_wait, slack_wait)
    assert len(answers) > before and paused_after < 5
