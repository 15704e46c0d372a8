"""Slack end to end: Bolt over HTTP on 127.0.0.1, the local Web API, the real core and outbox.

A test plays Slack: it POSTs signed, form-encoded slash commands to ``/slack/events`` and reads
what the bot sent from the local Web API server (chat.postMessage) and from the commands'
``response_url``. Stories come from a real press release in tests/data/docs through the
core's pipeline (grouping → extractive summary → search index → matching → outbox).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack_app import HttpServer, build_bolt_app
from bot.app import App
from bot.clock import FixedClock
from bot.commands import CommandCore
from bot.config import DeliverySettings, Secrets, Settings, SlackSettings
from bot.documents.contacts import extract_contacts
from bot.outbox import Outbox
from bot.pipeline import process_pending
from bot.schedule import DigestScheduler
from bot.store import create_engine
from bot.store.articles import upsert_articles
from bot.store.chats import get_chat
from bot.store.deliveries import state_counts
from bot.store.feeds import add_feed
from bot.store.schema import chats
from bot.summarize import build_summarizer
from bot.types import Article, ChatRef
from tests.conftest import DOCS
from tests.slack_api import SlackApi
from tests.slack_helpers import command_body, post_command

SECRET = "e2e-signing-secret-0123456789abcdef"
RELEASE = DOCS / "articles__10_gt_중소벤처기업부_156754060.txt"
RELEASE_URL = "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156754060"
OTHER = DOCS / "articles__15_gt_경찰청_156754183.txt"


def _release(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    title = text.split("\n# ", 1)[1].split("\n", 1)[0].strip()
    body = text.split("## 본문", 1)[1].strip()
    return title, body


@dataclass
class World:
    api: SlackApi
    engine: sa.Engine
    clock: FixedClock
    settings: Settings
    outbox: Outbox
    digests: DigestScheduler
    url: str
    http: httpx.AsyncClient
    sent_commands: int = 0
    feed_id: int = 0
    stories: list[str] = field(default_factory=list)

    async def command(
        self, text: str, *, channel: str = "C100", user: str = "U1", **kw: object
    ) -> httpx.Response:
        self.sent_commands += 1
        body = command_body(
            text,
            channel=channel,
            user=user,
            response_url=self.api.response_url(str(self.sent_commands)),
        )
        return await post_command(self.http, self.url, body, secret=SECRET, **kw)  # type: ignore[arg-type]

    async def ask(self, text: str, *, channel: str = "C100", user: str = "U1") -> dict[str, object]:
        """A signed command and its ephemeral answer."""
        before = len(self.api.responses)
        response = await self.command(text, channel=channel, user=user)
        assert response.status_code == 200, response.text
        for _ in range(500):
            if len(self.api.responses) > before:
                return self.api.responses[before]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no answer to {text!r}")

    async def publish(self, path: Path, guid: str, *, url: str) -> None:
        """A feed item arrives (stored like ingest does) and the core pipeline runs."""
        title, body = _release(path)
        published = self.clock.now() - timedelta(minutes=40)
        article = Article(
            feed_id=self.feed_id,
            guid=guid,
            url=url,
            title=title,
            text=body,
            published_at=published,
            content_hash=f"hash-{guid}",
            contacts=tuple(extract_contacts(body)),
        )
        upsert_articles(self.engine, [article], self.clock.now())
        summarizer = build_summarizer(self.settings, self.engine, self.clock)
        await process_pending(self.engine, summarizer=summarizer, clock=self.clock)

    async def drain(self, rounds: int = 50, step: float = 1.0) -> None:
        """Run the outbox until nothing is due, moving the fixed clock between sweeps."""
        for _ in range(rounds):
            await self.outbox.drain_once()
            counts = state_counts(self.engine)
            if not counts.get("pending") and not counts.get("failed"):
                return
            self.clock.advance(step)


async def _world(db_url: str, *, who: str = "anyone") -> AsyncIterator[World]:
    api = SlackApi()
    await api.start()
    api.add_channel("C100", creator="UCREATOR")
    api.add_user("U1")
    settings = Settings(
        database={"url": db_url},  # type: ignore[arg-type]
        slack=SlackSettings(api_url=api.base_url, who_can_change=who, user_command_burst=100),  # type: ignore[arg-type]
        delivery=DeliverySettings(max_attempts=20),
        secrets=Secrets(slack_bot_token=api.token, slack_signing_secret=SECRET),
    )
    engine = create_engine(db_url)
    clock = FixedClock(datetime(2026, 4, 10, 23, 0, tzinfo=UTC))  # 08:00 KST, 4월 11일
    client = AsyncWebClient(token=api.token, base_url=api.base_url)
    adapter = SlackAdapter.from_settings(settings, client)
    adapter.clock = clock  # what is fresh ([속보]) on the test's clock
    adapter._buckets.now = lambda: clock.now().timestamp()  # pacing on the test's clock
    adapters = {"slack": adapter}
    core = CommandCore(engine, settings, clock)
    server = HttpServer(build_bolt_app(settings, core, client), "127.0.0.1", 0)
    port = await server.start()
    feed = add_feed(engine, "https://www.korea.kr/rss/dept_mss.xml", "중기부 보도자료", clock.now())
    async with httpx.AsyncClient(timeout=10) as http:
        yield World(
            api=api,
            engine=engine,
            clock=clock,
            settings=settings,
            outbox=Outbox(engine, adapters, clock, settings.delivery),
            digests=DigestScheduler(engine, adapters, clock, settings),
            url=f"http://127.0.0.1:{port}/slack/events",
            http=http,
            feed_id=feed.id,
        )
    await server.stop()
    await api.stop()
    engine.dispose()


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    async for w in _world(sqlite_url):
        yield w


@pytest.fixture
async def world_both(db_url: str) -> AsyncIterator[World]:
    async for w in _world(db_url):
        yield w


def _texts(blocks: object) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_subscribe_then_a_matching_story_arrives_with_contacts(world_both: World) -> None:
    w = world_both
    answer = await w.ask("subscribe 추경")
    assert answer["response_type"] == "ephemeral"
    assert "추경" in str(answer["text"])
    [announcement] = w.api.posts_to("C100")
    assert announcement.text.startswith("<@U1> ") and "추경" in announcement.text
    assert get_chat(w.engine, ChatRef("slack", "C100")) is not None

    await w.publish(RELEASE, "156754060", url=RELEASE_URL)
    await w.publish(OTHER, "156754183", url="https://www.korea.kr/x?newsId=156754183")
    await w.drain()
    alerts = w.api.posts_to("C100")[1:]
    assert len(alerts) == 1  # the 경찰청 release does not match 추경
    alert = alerts[0]
    kinds = [b["type"] for b in alert.blocks]
    assert kinds[0] == "header" and "section" in kinds and "context" in kinds
    assert "actions" in kinds
    body = _texts(alert.blocks)
    assert "추경" in alert.blocks[0]["text"]["text"]
    assert "문의처" in body and "044-204-7320" in body  # copied exactly from the release
    assert "출처: 중기부 보도자료" in body and "KST" in body
    assert RELEASE_URL in body
    assert alert.text.startswith("[속보]")
    assert state_counts(w.engine) == {"sent": 1}


async def test_daily_digest_at_the_chosen_time(world: World) -> None:
    w = world
    await w.ask("subscribe 추경")
    await w.ask("mode daily")
    answer = await w.ask("time 09:00")
    assert "매일 오전 9시(한국 시간)에" in str(answer["text"])
    await w.publish(RELEASE, "156754060", url=RELEASE_URL)
    await w.drain()
    posts_before = len(w.api.posts_to("C100"))
    w.clock.current = datetime(2026, 4, 10, 23, 59, tzinfo=UTC)  # 08:59 KST
    assert await w.digests.tick() == 0
    w.clock.current = datetime(2026, 4, 11, 0, 0, 30, tzinfo=UTC)  # 09:00 KST
    assert await w.digests.tick() == 1
    assert await w.digests.tick() == 0  # exactly one digest per day
    digest = w.api.posts_to("C100")[posts_before:]
    assert len(digest) == 1
    assert digest[0].blocks[0]["text"]["text"].startswith("오늘의 정책 속보 — 4월 11일")
    assert RELEASE_URL in _texts(digest[0].blocks)


async def test_digest_command_answers_with_the_scheduled_digest_blocks(world: World) -> None:
    w = world
    await w.ask("subscribe 추경")
    await w.ask("mode daily")
    await w.ask("time 09:00")
    await w.publish(RELEASE, "156754060", url=RELEASE_URL)
    await w.drain()
    answer = await w.ask("digest")
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"].startswith("오늘의 정책 속보 — 4월 11일")
    assert f"<{RELEASE_URL}|" in _texts(answer["blocks"])  # a link, as in the scheduled one
    posts_before = len(w.api.posts_to("C100"))
    w.clock.current = datetime(2026, 4, 11, 0, 0, 30, tzinfo=UTC)  # 09:00 KST
    assert await w.digests.tick() == 1
    [scheduled] = w.api.posts_to("C100")[posts_before:]
    assert answer["blocks"] == scheduled.blocks and answer["text"] == scheduled.text


async def test_search_answers_ephemerally_with_links(world: World) -> None:
    w = world
    await w.publish(RELEASE, "156754060", url=RELEASE_URL)
    answer = await w.ask("search 추경예산")
    assert answer["response_type"] == "ephemeral"
    body = _texts(answer["blocks"])
    assert RELEASE_URL in body and "추경" in body
    empty = await w.ask("search 양자컴퓨터우주선")
    assert "찾지 못했" in str(empty["text"]) or "없어요" in _texts(empty["blocks"])


async def test_bad_signatures_change_nothing(world: World) -> None:
    w = world
    bad = await w.command("subscribe 반도체", signature="v0=" + "f" * 64)
    stale = await w.command("subscribe 반도체", timestamp=int(time.time()) - 6 * 60)
    assert bad.status_code == 401 and stale.status_code == 401
    await asyncio.sleep(0.2)
    with w.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(chats)).scalar_one() == 0
    assert w.api.posts == [] and w.api.responses == []


async def test_rate_limit_storm_delivers_every_message_exactly_once(world: World) -> None:
    w = world
    channels = [f"C2{i:02d}" for i in range(12)]
    for channel in channels:
        await w.ask("subscribe 추경", channel=channel)
    w.api.posts.clear()
    w.api.rate_limit_fraction(0.5, retry_after=3)
    await w.publish(RELEASE, "156754060", url=RELEASE_URL)
    await w.publish(RELEASE, "156754060-b", url=RELEASE_URL + "&b=1")  # same story: no resend
    await w.drain(rounds=200, step=3.0)
    assert w.api.scripted_429s >= 3
    assert state_counts(w.engine) == {"sent": len(channels)}
    for channel in channels:
        assert len(w.api.posts_to(channel)) == 1, channel
    assert w.api.pace_violations == 0


async def test_archived_channel_pauses_with_reason_and_stops_retrying(world: World) -> None:
    w = world
    await w.ask("subscribe 추경", channel="C300")
    await w.ask("subscribe 추경", channel="C301")
    w.api.fail_channel("C300", "is_archived")
    await w.publish(RELEASE, "156754060", url=RELEASE_URL)
    await w.drain()
    chat = get_chat(w.engine, ChatRef("slack", "C300"))
    assert chat is not None and chat.paused
    assert chat.paused_reason and "is_archived" in chat.paused_reason
    assert len(w.api.posts_to("C301")) == 2  # announcement + alert: the others go on
    attempts = sum(1 for m, p in w.api.calls if m == "chat.postMessage" and p["channel"] == "C300")
    await w.publish(RELEASE, "x-2", url="https://www.korea.kr/x?newsId=2")
    w.clock.advance(3600)
    await w.drain()
    again = sum(1 for m, p in w.api.calls if m == "chat.postMessage" and p["channel"] == "C300")
    assert again == attempts  # nothing retries a gone channel
    w.api.channel_errors.clear()
    status = await w.ask("status", channel="C300")
    assert "멈춤" in str(status["text"]) and "is_archived" in str(status["text"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_sokbo_run_serves_slack_next_to_the_other_services(sqlite_url: str) -> None:
    api = SlackApi()
    await api.start()
    port = _free_port()
    settings = Settings(
        database={"url": sqlite_url},  # type: ignore[arg-type]
        feeds={"sources": []},  # type: ignore[arg-type]
        web={"enabled": False},  # type: ignore[arg-type]  # the archive has its own tests
        slack=SlackSettings(api_url=api.base_url, listen="127.0.0.1", port=port),
        secrets=Secrets(slack_bot_token=api.token, slack_signing_secret=SECRET),
    )
    app = App.build(settings)
    assert isinstance(app.adapters["slack"], SlackAdapter)
    assert len(app.services()) == 4  # poll, outbox, digests, slack
    stop = asyncio.Event()
    task = asyncio.create_task(app.run(stop))
    url = f"http://127.0.0.1:{port}/slack/events"
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(200):
            try:
                body = command_body(
                    "subscribe 반도체",
                    channel="C9",
                    user="U9",
                    response_url=api.response_url("run"),
                )
                response = await post_command(http, url, body, secret=SECRET)
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
        assert response.status_code == 200
        for _ in range(300):
            if api.responses:
                break
            await asyncio.sleep(0.01)
    stop.set()
    await task
    await api.stop()
    assert "반도체" in str(api.responses[0]["text"])
    assert [p.channel for p in api.posts] == ["C9"]  # the announcement
