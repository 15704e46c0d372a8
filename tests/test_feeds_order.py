"""A cycle starts the feeds whose last fetch was slow first, whatever order it is given them
(``sokbo poll --once`` gives every feed by id), so it does not end waiting on one started last;
its report keeps the order it was given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import poll_cycle
from bot.store import feeds as feed_store
from bot.store.schema import feeds
from tests.feed_server import FeedServer, rss


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


async def test_slow_feeds_start_first_and_the_report_keeps_its_order(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    paths = [f"/f{k}" for k in range(5)]
    sources = tuple(
        FeedSource(name=p, url=server.add(p, rss([{"title": p, "guid": p}]))) for p in paths
    )
    settings = FeedSettings(concurrency=1, poll_interval=300, sources=sources)
    feed_store.sync_sources(engine, sources, clock.now())
    by_path = {f.name: f.id for f in feed_store.list_feeds(engine)}
    took = {"/f3": 2.5, "/f1": 1.5, "/f4": 0.2}  # the last fetch of f3 and f1 was slow
    with engine.begin() as conn:
        for path, seconds in took.items():
            conn.execute(
                feeds.update().where(feeds.c.id == by_path[path]).values(last_fetch_seconds=seconds)
            )
    listed = feed_store.list_feeds(engine, include_disabled=False)  # by id, as poll --once
    assert [f.name for f in listed] == paths
    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock, feeds=listed)
    assert [path for path, _ in server.requests] == ["/f3", "/f1", "/f0", "/f2", "/f4"]
    assert [o.feed.name for o in report.outcomes] == paths
    assert all(o.status == "ok" for o in report.outcomes)
