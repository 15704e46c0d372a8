"""Hostile chat traffic (issue 12, cases 5, 6, 8 and the Telegram half of 9) against the
Telegram emulator and a real Bolt HTTP server on 127.0.0.1. Each case checks what the person
sees and that other people's traffic is not lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import HttpServer, build_bolt_app
from bot.adapters.telegram_app import EXPIRED, TelegramBot
from bot.app import App
from bot.config import Secrets, Settings, SlackSettings
from bot.messages import Notice, Reply
from bot.pacing import CommandLimiter
from bot.store import create_engine
from bot.types import ChatRef
from tests.slack_helpers import command_body, post_command
from tests.telegram_emulator import Emulator, emulator, emulator_process
from tests.test_telegram_bot import RecordingCore, page, settings_for

__all__ = ["emulator", "emulator_process"]


Running = tuple[TelegramBot, RecordingCore, sa.Engine]


@contextlib.asynccontextmanager
async def serve(emulator: Emulator, db_url: str, burst: int) -> AsyncIterator[Running]:
    engine = create_engine(db_url)
    core = RecordingCore()
    settings = settings_for(emulator, db_url, user_command_burst=burst)
    service = TelegramBot(settings, engine, core, search=lambda q, o: page(q, o))
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    await asyncio.wait_for(service.ready.wait(), 10)
    try:
        yield service, core, engine
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        engine.dispose()


@pytest.fixture
async def running(emulator: Emulator, sqlite_url: str) -> AsyncIterator[Running]:
    """The bot with a small command burst (3), to see the limit at work."""
    async with serve(emulator, sqlite_url, burst=3) as bot:
        yield bot


@pytest.fixture
async def roomy(emulator: Emulator, sqlite_url: str) -> AsyncIterator[Running]:
    """The bot with room for many button presses in a row."""
    async with serve(emulator, sqlite_url, burst=100) as bot:
        yield bot


async def answers(emulator: Emulator, count: int, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        found: list[str] = emulator.stats()["callback_answers"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


# --- case 5: forged callback_data ------------------------------------------------------------


async def test_forged_search_buttons_get_a_polite_refusal(
    roomy: Running, emulator: Emulator
) -> None:
    """Chat A's long query travels as a short id; chat B pressing a button crafted with that
    id used to see A's query, and a 40-digit offset used to show ``Python int too large to
    convert to SQLite INTEGER``. Now both get the same polite Korean answer."""
    a, b = emulator.private_chat(71), emulator.private_chat(72)
    secret = "우리 회사 내부 인수합병 검토 대상 반도체 기업 목록 비밀"
    emulator.send(a, 71, f"/search {secret}")
    [first] = await emulator.arrived(71)
    [[next_button]] = first["reply_markup"]["inline_keyboard"]
    stolen = next_button["callback_data"]
    assert stolen.startswith("s:5:#")  # too long to travel itself: a short id
    emulator.send(b, 72, "/search 양자")
    [own] = await emulator.arrived(72)

    emulator.press(b, 72, own, stolen)
    emulator.press(b, 72, own, "s:" + "9" * 40 + ":양자")
    emulator.press(b, 72, own, "s:-5:양자")
    emulator.press(b, 72, own, "s:²:양자")  # a Unicode digit
    emulator.press(b, 72, own, "x:anything")
    toasts = await answers(emulator, 5)
    assert toasts[:4] == [EXPIRED] * 4
    assert toasts[4] == "알 수 없는 버튼이에요."
    assert not any("Python" in t or "INTEGER" in t or "int" in t for t in toasts)
    await asyncio.sleep(0.3)
    [still] = emulator.bot_messages(72)
    assert secret not in still["text"] and "양자 소식 0" in still["text"]  # never edited

    emulator.press(a, 71, first, stolen)  # in its own chat the button still works
    for _ in range(100):
        await asyncio.sleep(0.05)
        [mine] = emulator.bot_messages(71)
        if "소식 5" in mine["text"]:
            break
    assert f"{secret} 소식 5" in mine["text"]


# --- case 6: replies paced, one user's flood limited --------------------------------------


async def test_a_command_flood_is_paced_and_limited_without_dropping_others(
    running: Running, emulator: Emulator
) -> None:
    """With Telegram's real limits switched on in the emulator (1 message per second per
    chat), one user sending 12 commands at once used to get 12 replies in one second, 11 of
    them refused with 429 and lost. Now replies are paced (no 429), the flood gets the burst
    (3) answered and one Korean notice, and another user's command is answered at once."""
    _, core, _ = running
    emulator.limits(global_=30, per_chat=1)
    flooder, other = emulator.private_chat(81), emulator.private_chat(82)
    for n in range(12):
        emulator.send(flooder, 81, f"/list {n}")
    sent_other = time.monotonic()
    emulator.send(other, 82, "/list")
    [reply] = await emulator.arrived(82)
    other_latency = time.monotonic() - sent_other
    assert reply["text"] == "받음: /list" and other_latency < 2.0
    replies = await emulator.arrived(81, count=4, timeout=15)
    await asyncio.sleep(1.5)
    replies = emulator.bot_messages(81)
    texts = [r["text"] for r in replies]
    assert len(texts) == 4, texts
    assert sum(t.startswith("받음: /list") for t in texts) == 3
    assert sum("명령을 너무 자주 보내고 있어요." in t for t in texts) == 1
    assert [c for c in core.calls if c[1] == "81"].__len__() == 3  # the rest never ran
    stats = emulator.stats()
    assert stats["limit429"] == {"global": 0, "chat": 0, "group": 0}


def test_command_limiter_tells_once_then_stays_silent_until_refilled() -> None:
    now = [0.0]
    limiter = CommandLimiter(per_minute=6, burst=2, now=lambda: now[0])
    assert [limiter.check("u")[0] for _ in range(5)] == ["go", "go", "notice", "drop", "drop"]
    assert limiter.check("v")[0] == "go"  # another user is not affected
    verdict, wait = limiter.check("u")
    assert verdict == "drop" and 0 < wait <= 10
    now[0] += 10.0
    assert limiter.check("u")[0] == "go"
    assert limiter.check("u")[0] == "notice"  # a new flood is told again, once


# --- case 9: the first delivery after start -------------------------------------------------


async def test_first_delivery_after_start_waits_for_the_client(
    emulator: Emulator, sqlite_url: str
) -> None:
    """The outbox and the Telegram service start together; a delivery tried before the
    service initialized its HTTP client used to fail (``not initialized``) and wait for a
    retry. Now it waits for the client and is sent on the first try."""
    settings = settings_for(emulator, sqlite_url)
    app = App(settings=settings, engine=create_engine(sqlite_url))
    app.register_telegram()
    adapter = app.adapters["telegram"]
    chat = emulator.private_chat(91)
    emulator.register_chat(chat)
    stop = asyncio.Event()
    first = asyncio.create_task(adapter.send(ChatRef("telegram", "91"), Notice("첫 알림")))
    await asyncio.sleep(0.2)
    assert not first.done()  # waiting, not failed
    [service] = app.telegram_services()
    task = asyncio.create_task(service(stop))
    try:
        result = await asyncio.wait_for(first, 10)
        assert result.outcome == "sent", result
        [message] = await emulator.arrived(91)
        assert message["text"] == "첫 알림"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        app.engine.dispose()


# --- case 8: malformed Slack headers ---------------------------------------------------------


class QuietCore:
    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, *args: object, **kwargs: object) -> Reply:
        self.calls += 1
        return Reply("ok")


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("abc", "v0=" + "f" * 64),  # issue 12, case 8
        ("", "v0=" + "f" * 64),
        ("1e9", "v0=" + "f" * 64),
        ("+1700000000", "v0=" + "f" * 64),
        ("0x65f00000", "v0=" + "f" * 64),
        ("１７００００００００", "v0=" + "f" * 64),  # full-width digits (sent as UTF-8)
        (None, "v0=zz"),
        (None, ""),
        (None, "v1=" + "0" * 64),
        (None, "v0=" + "A" * 64),
    ],
)
async def test_malformed_slack_signature_headers_get_401_without_a_traceback(
    timestamp: str | None, signature: str, caplog: pytest.LogCaptureFixture
) -> None:
    core = QuietCore()
    settings = Settings(
        slack=SlackSettings(api_url="http://127.0.0.1:9/api/"),
        secrets=Secrets(slack_bot_token="xoxb-test", slack_signing_secret="secret"),
    )
    client = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    server = HttpServer(build_bolt_app(settings, core, client), "127.0.0.1", 0)
    port = await server.start()
    body = command_body("list", channel="C1", user="U1", response_url="http://127.0.0.1:9/r")
    try:
        with caplog.at_level(logging.DEBUG):
            async with httpx.AsyncClient() as http:
                url = f"http://127.0.0.1:{port}/slack/events"
                if timestamp is None:
                    response = await post_command(
                        http, url, body, secret="secret", signature=signature or "x"
                    )
                    if not signature:  # no signature header at all
                        response = await http.post(
                            url,
                            content=body.encode(),
                            headers={"X-Slack-Request-Timestamp": str(int(time.time()))},
                        )
                else:
                    response = await http.post(
                        url,
                        content=body.encode(),
                        headers={
                            "Content-Type": "application/x-www-form-urlencoded",
                            "X-Slack-Request-Timestamp": timestamp.encode(),
                            "X-Slack-Signature": signature,
                        },
                    )
    finally:
        await server.stop()
    assert response.status_code == 401
    assert core.calls == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
