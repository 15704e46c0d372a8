"""One release by three routes, end to end in the bot's own world (issue 20).

A news site's feed carries our rewrite of a real 중기부 release first (tests/data/grouping);
hours later the ministry's own feed and the 정책브리핑 OpenAPI carry the release itself. All
three are polled over real sockets (tests/feed_server.py, tests/openapi_server.py), the
pipeline groups them, the subscriber gets ONE Telegram alert (python-telegram-bot against the
emulator), and the web story page and /feed.xml list the three sources, with the release as
the text the digest and contacts come from.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx

from bot.app import App
from bot.clock import KST, FixedClock
from bot.config import (
    DeliverySettings,
    FeedSettings,
    FeedSource,
    Secrets,
    Settings,
    TelegramSettings,
    WebSettings,
)
from bot.outbox import Outbox
from bot.store.deliveries import state_counts
from bot.store.stories import article_story_ids
from bot.topics import DEFAULT_TAXONOMY
from bot.web.listen import WebServer
from bot.web.server import WebSite
from tests.feed_server import FeedServer, rss
from tests.openapi_server import KEY, OpenApiServer, markdown_html, release_from_doc
from tests.telegram_emulator import TOKEN, Emulator, emulator, emulator_process

__all__ = ["emulator", "emulator_process"]

DATA = Path(__file__).resolve().parent / "data"
RELEASE = DATA / "docs" / "articles__10_gt_중소벤처기업부_156754060.txt"
REWRITE = json.loads((DATA / "grouping" / "rewrites.json").read_text(encoding="utf-8"))[
    "news_rewrite"
]
START = datetime(2026, 4, 11, 9, 0, tzinfo=KST)


def item(title: str, link: str, guid: str, when: datetime, body_html: str) -> dict[str, str]:
    return {
        "title": html.escape(title),
        "link": html.escape(link),
        "guid": guid,
        "pubDate": format_datetime(when),
        "content": body_html,
    }


async def drain(outbox: Outbox, clock: FixedClock, engine: Any) -> None:
    for _ in range(100):
        await outbox.drain_once()
        counts = state_counts(engine)
        if not any(counts.get(s) for s in ("pending", "sending", "failed")):
            return
        clock.advance(1)
    raise AssertionError(f"outbox still busy: {state_counts(engine)}")


async def test_a_rewrite_then_the_release_by_two_routes_one_alert_one_story(
    sqlite_url: str, emulator: Emulator
) -> None:
    clock = FixedClock(START)
    with FeedServer() as feeds, OpenApiServer() as api:
        rewrite = item(
            REWRITE["title"], "https://www.news1.kr/economy/5800001", "news1-5800001",
            START - timedelta(minutes=10),
            "".join(f"<p>{html.escape(p)}</p>" for p in REWRITE["text"].split("\n\n")),
        )  # fmt: skip
        feeds.add("/news", rss([rewrite], title="뉴스1"))
        feeds.add("/mss", rss([], title="중소벤처기업부"))
        settings = Settings(
            database={"url": sqlite_url},  # type: ignore[arg-type]
            feeds=FeedSettings(
                sources=(
                    FeedSource(name="뉴스1", url=feeds.url("/news")),
                    FeedSource(name="중소벤처기업부", url=feeds.url("/mss")),
                    FeedSource(name="정책브리핑", url=api.url),
                )
            ),
            telegram=TelegramSettings(base_url=emulator.base_url, poll_timeout=1, pacing=False),
            delivery=DeliverySettings(max_attempts=20, interval=0.05),
            web=WebSettings(base_url="https://sokbo.example.kr"),
            secrets=Secrets(telegram_bot_token=TOKEN, data_go_kr_service_key=KEY),
        )
        app = App.build(settings, clock=clock)
        [service] = app.telegram_services()
        stop = asyncio.Event()
        task = asyncio.create_task(service(stop))
        outbox = Outbox(app.engine, app.adapters, clock, settings.delivery)
        try:
            chat = Emulator.private_chat(601)
            emulator.send(chat, 601, "/subscribe 중기부")
            assert await emulator.arrived(601, 1)

            # 09:00 KST: only the rewrite is out. One story, one alert.
            report = await app.poll_once()
            assert report.failed == () and len(report.new) == 1
            await app.after_poll(report)
            await drain(outbox, clock, app.engine)
            alerts = [m for m in emulator.bot_messages(601) if "1조" in m["text"]]
            assert len(alerts) == 1
            [rewrite_id] = [a.id for a in report.new if a.id is not None]

            # 12:00 KST: the ministry's feed and the OpenAPI carry the release itself.
            clock.current = START + timedelta(hours=3)
            fields = release_from_doc(RELEASE)
            api.releases = [fields]
            body = RELEASE.read_text(encoding="utf-8").split("## 본문", 1)[1]
            feeds.add(
                "/mss",
                rss(
                    [
                        item(
                            str(fields["Title"]),
                            "https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx=1060",
                            "mss-1060", START - timedelta(hours=1, minutes=40),
                            markdown_html(body),
                        )
                    ],
                    title="중소벤처기업부",
                ),
            )  # fmt: skip
            report = await app.poll_once()
            assert report.failed == () and len(report.new) == 2
            await app.after_poll(report)
            await drain(outbox, clock, app.engine)
            alerts = [m for m in emulator.bot_messages(601) if "1조" in m["text"]]
            assert len(alerts) == 1  # never repeated for a later member

            ids = article_story_ids(app.engine, [rewrite_id, *(a.id or 0 for a in report.new)])
            assert len(set(ids.values())) == 1
            story_id = ids[rewrite_id]

            web = WebSite(app.engine, settings, clock, DEFAULT_TAXONOMY, started_at=START)
            server = WebServer(web.build(), "127.0.0.1", 0)
            port = await server.start()
            try:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                    page = (await client.get(f"/stories/{story_id}")).text
                    atom = (await client.get("/feed.xml")).text
            finally:
                await server.stop()
                web.pool.shutdown()
            # arrival order: the rewrite first; then the release by both routes
            assert re.search(
                r"출처 3곳: 뉴스1, (정책브리핑, 중소벤처기업부|중소벤처기업부, 정책브리핑)", page
            )
            headline = re.search(r"<h2>(.*?)</h2>", page)
            assert headline is not None and "&#39;26년 추경예산" in headline.group(1)
            assert "같은 수치" in page and "요약·문의처의 원문" in page
            assert "이하녕" in page  # the release's contact block, which the rewrite lacks
            assert "출처 3곳" in atom
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            app.engine.dispose()
