"""ParseWorkers: documents parsed in worker processes equal parse_feed's; a dead worker loses
nothing (its documents are parsed in a thread); the worker imports only the parser."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource
from bot.feeds import poll
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import parse_feed
from bot.feeds.poll import PARSE_IN_PROCESS_FROM, poll_cycle
from bot.feeds.worker import ParseWorkers
from bot.store import feeds as feed_store
from tests.feed_server import rss

FEEDS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2026, 4, 11, 0, 0, tzinfo=UTC)


def documents() -> list[bytes]:
    docs = [p.read_bytes() for p in sorted(FEEDS.glob("*.xml"))]
    return [*docs, b"", b"<html><body>not a feed</body></html>", docs[0][: len(docs[0]) // 2]]


async def parse_all(workers: ParseWorkers, docs: list[bytes]) -> list[object]:
    return list(
        await asyncio.gather(
            *(
                workers.parse(d, feed_id=i, base_url="https://example.kr/rss", now=NOW)
                for i, d in enumerate(docs)
            )
        )
    )


def expected(docs: list[bytes]) -> list[object]:
    return [
        parse_feed(d, feed_id=i, base_url="https://example.kr/rss", now=NOW)
        for i, d in enumerate(docs)
    ]


async def test_workers_give_what_parse_feed_gives() -> None:
    docs = documents() * 3
    async with ParseWorkers(2) as workers:
        assert len(workers._workers) == 2
        got = await parse_all(workers, docs)
    assert got == expected(docs)


async def test_no_workers_parses_in_threads() -> None:
    docs = documents()
    async with ParseWorkers(0) as workers:
        assert await parse_all(workers, docs) == expected(docs)


async def test_a_killed_worker_loses_no_document() -> None:
    docs = documents() * 4
    async with ParseWorkers(1) as workers:
        worker = workers._workers[0]
        first = asyncio.gather(*(asyncio.create_task(t) for t in [parse_all(workers, docs)]))
        await asyncio.sleep(0)
        worker.process.kill()
        got = (await first)[0]
        assert got == expected(docs)
        assert not worker.alive
        assert await parse_all(workers, docs[:3]) == expected(docs[:3])  # threads from now on


def test_worker_imports_only_the_parser() -> None:
    code = (
        "import sys, bot.feeds.worker; "
        "print(sorted(m for m in sys.modules if m.startswith(('bot', 'openai', 'sqlalchemy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (
        out.stdout.strip()
        == "['bot', 'bot.agencies', 'bot.clock', 'bot.documents', 'bot.documents.assemble', "
        "'bot.documents.blocks', 'bot.documents.build', 'bot.documents.contact_lines', "
        "'bot.documents.contacts', 'bot.documents.markup', 'bot.documents.model', "
        "'bot.documents.names', 'bot.documents.people', 'bot.documents.phones', "
        "'bot.documents.source', 'bot.documents.text', 'bot.documents.titles', 'bot.feeds', "
        "'bot.feeds.dates', 'bot.feeds.encoding', 'bot.feeds.parse', 'bot.feeds.silence', "
        "'bot.feeds.worker', 'bot.hygiene', 'bot.korean', 'bot.stories', 'bot.story_features', "
        "'bot.types']"
        # Document and contacts: parse time; stories: item identity (pure, light; korean loads
        # its tagger lazily, so importing it here costs no dictionary)
    )


async def test_a_big_cycle_parses_in_workers_and_stores_everything(
    engine: Engine, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poll, "PARSE_WORKERS", 1)  # also on a one-core machine
    count = PARSE_IN_PROCESS_FROM + 6
    sources = []
    for i in range(count):
        path = tmp_path / f"feed{i}.xml"
        items = [
            {"title": f"글 {i}-{n}", "guid": f"g{i}-{n}", "description": "본문"} for n in range(3)
        ]
        body = rss(items) if i != 5 else rss(items)[:200]  # one truncated document
        path.write_text(body, encoding="utf-8")
        sources.append(FeedSource(name=f"feed {i}", url=path.as_uri()))
    settings = FeedSettings(sources=tuple(sources))
    feed_store.sync_sources(engine, sources, clock.now())
    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock)
    statuses = sorted(o.status for o in report.outcomes)
    assert statuses.count("ok") == count - 1
    assert len(report.new) == 3 * (count - 1) + sum(
        o.new for o in report.outcomes if o.feed.name == "feed 5"
    )
    assert {a.guid for a in report.new} >= {
        f"g{i}-{n}" for i in range(count) if i != 5 for n in range(3)
    }
