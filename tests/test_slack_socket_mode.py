"""Slack Socket Mode end to end: the real service connects out to a local Socket Mode server.

tests/slack_api.py answers ``apps.connections.open`` with a ``ws://127.0.0.1`` URL and serves
the WebSocket: ``hello``, then the ``slash_commands`` envelopes a test sends. slack-bolt's
AsyncSocketModeHandler and slack_sdk's aiohttp SocketModeClient run unmodified, pointed at it
through the Web API client's ``base_url``; the command core is the real one on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import slack_service
from bot.app import App
from bot.clock import FixedClock
from bot.commands import CommandCore
from bot.config import Secrets, Settings, SlackSettings
from bot.store import create_engine
from bot.store.chats import get_chat, rule_pairs
from bot.types import ChatRef
from tests.slack_api import SlackApi


@dataclass
class Link:
    api: SlackApi
    engine: sa.Engine

    async def answer(self, envelope_id: str) -> dict[str, object]:
        for _ in range(500):
            for response in self.api.responses:
                if response["_key"] == envelope_id:
                    return response
            await asyncio.sleep(0.01)
        raise AssertionError(f"no response_url answer for {envelope_id}")


def _settings(api: SlackApi, db_url: str, app_token: str) -> Settings:
    return Settings(
        database={"url": db_url},  # type: ignore[arg-type]
        feeds={"sources": []},  # type: ignore[arg-type]
        slack=SlackSettings(api_url=api.base_url),
        secrets=Secrets(slack_bot_token=api.token, slack_app_token=app_token),
    )


@pytest.fixture
async def link(sqlite_url: str) -> AsyncIterator[Link]:
    api = SlackApi()
    await api.start()
    api.add_channel("C100")
    api.add_user("U1")
    settings = _settings(api, sqlite_url, api.app_token)
    engine = create_engine(sqlite_url)
    clock = FixedClock(datetime(2026, 4, 10, 23, 0, tzinfo=UTC))
    client = AsyncWebClient(token=api.token, base_url=api.base_url)
    service = slack_service(settings, CommandCore(engine, settings, clock), client)
    assert service is not None
    stop = asyncio.Event()
    task = asyncio.create_task(service(stop))
    try:
        yield Link(api, engine)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await api.stop()
        engine.dispose()


async def test_slash_command_over_socket_mode_is_acked_answered_and_stored(link: Link) -> None:
    api = link.api
    envelope_id = await api.slash_command("subscribe 반도체", channel="C100", user="U1")
    ack = await api.ack_for(envelope_id)
    assert ack == {"envelope_id": envelope_id}  # acked over the socket, answer follows
    opens = [params for method, params in api.calls if method == "apps.connections.open"]
    assert len(opens) == 1

    answer = await link.answer(envelope_id)
    assert answer["response_type"] == "ephemeral"
    assert "반도체" in str(answer["text"]) and "구독" in str(answer["text"])

    chat = get_chat(link.engine, ChatRef("slack", "C100"))
    assert chat is not None
    assert rule_pairs(link.engine, chat.id) == [("topic", "반도체")]  # a known topic

    [announcement] = api.posts_to("C100")
    assert announcement.text.startswith("<@U1> ") and "반도체" in announcement.text


async def test_bad_app_token_is_a_clear_error_and_the_other_services_go_on(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = SlackApi()
    await api.start()
    app = App.build(_settings(api, sqlite_url, "xapp-1-revoked"))
    stop = asyncio.Event()
    run = asyncio.create_task(app.run(stop))
    try:
        for _ in range(300):
            if "Socket Mode" in caplog.text and "invalid_auth" in caplog.text:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert any(
            "invalid_auth" in r.getMessage() and "SLACK_APP_TOKEN" in r.getMessage() for r in errors
        ), caplog.text
        assert "xapp-1-revoked" not in caplog.text
        opens = [m for m, _ in api.calls if m == "apps.connections.open"]
        assert len(opens) == 1  # no retry loop against a token Slack refused
        assert not run.done()
        alive = {getattr(t.get_coro(), "__name__", "") for t in asyncio.all_tasks() if not t.done()}
        assert {"poll_service", "outbox_service", "digest_service"} <= alive
    finally:
        stop.set()
        await asyncio.wait_for(run, 5)
        await api.stop()
