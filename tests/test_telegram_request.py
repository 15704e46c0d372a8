"""AiohttpRequest: python-telegram-bot over aiohttp, against the emulator and raw local sockets.

Each transport failure must reach the adapter as the PTB error HTTPXRequest would raise
(TimedOut / NetworkError) with the aiohttp error as cause, so SendResult stays right.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.adapters.telegram import TelegramAdapter, retry_after_seconds, was_not_sent
from bot.adapters.telegram_request import AiohttpRequest
from bot.config import TelegramSettings
from bot.messages import Notice
from bot.types import ChatRef
from tests.telegram_emulator import TOKEN, Emulator, emulator, emulator_process, free_port

__all__ = ["emulator", "emulator_process"]

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 that misbehaves as ``handler`` says; yields PTB's base_url."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1)


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads the request and never answers."""
    with contextlib.suppress(Exception):
        await reader.read()  # until the client gives up and closes
    writer.close()


async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads the request headers and closes the connection without a word."""
    with contextlib.suppress(Exception):
        await reader.readuntil(b"\r\n\r\n")
    writer.close()


@contextlib.asynccontextmanager
async def bot_at(base_url: str, request: AiohttpRequest) -> AsyncIterator[Bot]:
    """A Bot that skips ``initialize`` (its getMe): the servers below never answer one."""
    async with request:
        yield Bot(TOKEN, base_url=base_url, request=request)


def notice() -> Notice:
    return Notice("테스트 메시지입니다.")


async def test_send_message_through_the_emulator(emulator: Emulator) -> None:
    async with Bot(TOKEN, base_url=emulator.base_url, request=AiohttpRequest()) as bot:
        sent = await bot.send_message(
            chat_id=4242, text="<b>안녕</b> &amp; 반가워요", parse_mode="HTML"
        )
        again = await bot.send_message(chat_id=4242, text="두 번째")
    assert sent.chat.id == 4242
    assert again.message_id != sent.message_id
    texts = [m["text"] for m in emulator.bot_messages(4242)]
    assert texts == ["<b>안녕</b> &amp; 반가워요", "두 번째"]


async def test_telegram_errors_are_ptbs_own(emulator: Emulator) -> None:
    async with Bot(TOKEN, base_url=emulator.base_url, request=AiohttpRequest()) as bot:
        emulator.fail_next("429", retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(chat_id=1, text="x")
        assert retry_after_seconds(flood.value) == 7
        emulator.fail_next("403")
        with pytest.raises(Forbidden):
            await bot.send_message(chat_id=1, text="x")
        adapter = TelegramAdapter(bot, TelegramSettings(pacing=False))
        emulator.fail_next("429", retry_after=3)
        result = await adapter.send(ChatRef("telegram", "5"), notice())
        assert (result.outcome, result.retry_after) == ("retry", 3)


async def test_nobody_listening_is_a_network_error_that_was_not_sent() -> None:
    base_url = f"http://127.0.0.1:{free_port()}/bot"
    async with bot_at(base_url, AiohttpRequest()) as bot:
        with pytest.raises(NetworkError) as refused:
            await bot.send_message(chat_id=1, text="x")
        assert not isinstance(refused.value, TimedOut)
        assert isinstance(refused.value.__cause__, aiohttp.ClientConnectorError)
        assert was_not_sent(refused.value)
        result = await TelegramAdapter(bot, TelegramSettings(pacing=False)).send(
            ChatRef("telegram", "5"), notice()
        )
    assert result.outcome == "retry"
    assert "not sent" in (result.reason or "")


async def test_no_answer_in_time_is_timed_out_and_maybe_sent() -> None:
    async with raw_server(silent) as base_url:
        request = AiohttpRequest(read_timeout=0.3)
        async with bot_at(base_url, request) as bot:
            started = asyncio.get_running_loop().time()
            with pytest.raises(TimedOut) as late:
                await bot.send_message(chat_id=1, text="x")
            assert asyncio.get_running_loop().time() - started < 2
            assert not was_not_sent(late.value)
            result = await TelegramAdapter(bot, TelegramSettings(pacing=False)).send(
                ChatRef("telegram", "5"), notice()
            )
    assert result.outcome == "retry"
    assert "may or may not have arrived" in (result.reason or "")


async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers 200 and sends the body one byte every 0.2 s: no read ever waits long."""
    with contextlib.suppress(Exception):
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"ok": true, "result": true}' + b" " * 20
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body))
        for i in range(len(body)):
            if reader.at_eof() or writer.is_closing():
                break  # the client gave up
            writer.write(body[i : i + 1])
            await writer.drain()
            await asyncio.sleep(0.2)
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


async def test_a_trickling_answer_meets_the_calls_deadline() -> None:
    """Issue 21, item 1: a read timeout never trips on a server sending a byte at a time;
    the total deadline does, also when a caller unsets the read timeout."""
    async with raw_server(trickle) as base_url:
        request = AiohttpRequest(connect_timeout=0.5, write_timeout=0.5, read_timeout=0.5)
        async with bot_at(base_url, request) as bot:
            started = asyncio.get_running_loop().time()
            with pytest.raises(TimedOut):
                await bot.send_message(chat_id=1, text="x")
            assert asyncio.get_running_loop().time() - started < 3
        unset = AiohttpRequest(
            connect_timeout=0.2, write_timeout=0.2, read_timeout=None, deadline=1.0
        )
        async with bot_at(base_url, unset) as bot:
            started = asyncio.get_running_loop().time()
            with pytest.raises(TimedOut):
                await bot.send_message(chat_id=1, text="x", read_timeout=None)
            assert asyncio.get_running_loop().time() - started < 3
        await asyncio.sleep(0.5)  # the server's handlers see the hang-ups and close


async def test_a_full_pool_times_out_without_sending() -> None:
    async with raw_server(silent) as base_url:
        request = AiohttpRequest(connection_pool_size=1, read_timeout=2, pool_timeout=0.2)
        async with bot_at(base_url, request) as bot:
            busy = asyncio.create_task(bot.send_message(chat_id=1, text="takes the connection"))
            await asyncio.sleep(0.1)
            with pytest.raises(TimedOut) as waiting:
                await bot.send_message(chat_id=2, text="x")
            assert was_not_sent(waiting.value)
            busy.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimedOut):
                await busy


async def test_connection_closed_mid_request_is_a_network_error() -> None:
    async with (
        raw_server(hang_up) as base_url,
        bot_at(base_url, AiohttpRequest()) as bot,
    ):
        with pytest.raises(NetworkError) as closed:
            await bot.send_message(chat_id=1, text="x")
    assert not isinstance(closed.value, TimedOut)
    assert isinstance(closed.value.__cause__, aiohttp.ClientError)
    assert not was_not_sent(closed.value)


async def test_files_go_as_multipart_and_other_fields_too() -> None:
    seen: dict[str, object] = {}

    async def send_document(request: web.Request) -> web.Response:
        form = await request.post()
        document = form["document"]
        assert isinstance(document, web.FileField)
        seen.update(
            chat_id=form["chat_id"],
            caption=form["caption"],
            filename=document.filename,
            content=document.file.read(),
        )
        message = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/sendDocument", send_document)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", free_port())
    await site.start()
    port = site._port
    try:
        base_url = f"http://127.0.0.1:{port}/bot"
        async with bot_at(base_url, AiohttpRequest()) as bot:
            await bot.send_document(
                chat_id=7, document=b"%PDF-1.4 hello", filename="보도자료.pdf", caption="첨부"
            )
    finally:
        await runner.cleanup()
    assert seen == {
        "chat_id": "7",
        "caption": "첨부",
        "filename": "보도자료.pdf",
        "content": b"%PDF-1.4 hello",
    }


async def test_unused_or_closed_request_refuses_clearly() -> None:
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps what we raise
        await request.post("http://127.0.0.1:9/botx/getMe")
    async with request:
        pass
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post("http://127.0.0.1:9/botx/getMe")
    with pytest.raises(ValueError):
        AiohttpRequest(connection_pool_size=0)
