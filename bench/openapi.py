"""bench-openapi: one 정책브리핑 OpenAPI feed polled beside the same releases as an RSS feed.

RELEASES (default 500) releases made from the six real 정책브리핑 items of tests/data/docs
(``gt_``; each copy its own NewsItemId), served on loopback: by the OpenAPI fixture service
(tests/openapi_server.py, 100 rows a page → 5 pages) and, as the baseline, as one RSS feed
whose items carry the same HTML body (tests/feed_server.py). Each run, on a fresh SQLite
database, through ``poll_cycle`` (fetch, read, Document, contacts, store):

- cold: nothing stored yet, every release is new;
- again: the same answer polled once more by the same process (the OpenAPI has no
  conditional GET: every page is fetched and read again; releases whose fields are unchanged
  reuse the article built before (openapi.BUILT) and are found unchanged in the store; the
  RSS feed answers 304). A separate ``poll --once`` process pays the cold cost each time.

Printed: median wall seconds over RUNS (default 3), Python's peak traced allocation
(tracemalloc) per variant, the OpenAPI / RSS ratio, and the repeated poll with and without
reusing the releases built before ("no reuse" rebuilds every Document, as before BUILT).
``bench/openapi.py [RUNS] [--releases N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import KST, FixedClock  # noqa: E402
from bot.config import FeedSettings, FeedSource  # noqa: E402
from bot.feeds.fetch import Fetcher  # noqa: E402
from bot.feeds.poll import CycleReport, poll_cycle  # noqa: E402
from bot.sources import openapi  # noqa: E402
from bot.store import create_engine  # noqa: E402
from bot.store import feeds as feed_store  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from tests.feed_server import FeedServer, rss  # noqa: E402
from tests.openapi_server import KEY, OpenApiServer, release_from_doc  # noqa: E402

DOCS = ROOT / "tests" / "data" / "docs"
NOW = datetime(2026, 4, 13, 16, 0, tzinfo=KST)
SETTINGS = FeedSettings(read_timeout=30, total_timeout=120, max_bytes=100_000_000)


def releases(count: int) -> list[dict[str, object]]:
    base = [release_from_doc(p) for p in sorted(DOCS.glob("articles__1[0-5]_gt_*.txt"))]
    out = []
    for n in range(count):
        r = dict(base[n % len(base)])
        when = (NOW - timedelta(minutes=n)).strftime("%m/%d/%Y %H:%M:%S")
        r.update(NewsItemId=str(157_000_000 + n), ApproveDate=when, ModifyDate=when)
        r["Title"] = f"{r['Title']} ({n})"
        out.append(r)
    return out


def rss_items(found: list[dict[str, object]]) -> list[dict[str, str]]:
    return [
        {
            "title": html.escape(str(r["Title"])),
            "link": f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={r['NewsItemId']}",
            "guid": str(r["NewsItemId"]),
            "pubDate": format_datetime(
                datetime.strptime(str(r["ApproveDate"]), "%m/%d/%Y %H:%M:%S").replace(tzinfo=KST)
            ),
            "content": str(r["DataContents"]),
        }
        for r in found
    ]


async def twice(url: str, key: str | None, *, reuse: bool = True) -> tuple[float, float, int, int]:
    """Cold and repeated poll of one feed on a fresh database: seconds, seconds, new, new.
    Cold is a fresh process's first poll (nothing built yet); again, a running bot's next."""
    openapi.BUILT.clear()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        clock = FixedClock(NOW.astimezone(UTC))
        feed_store.sync_sources(engine, [FeedSource(name="bench", url=url)], clock.now())
        times, news = [], []
        async with Fetcher(SETTINGS) as fetcher:
            for _ in range(2):
                if not reuse:
                    openapi.BUILT.clear()
                feeds = feed_store.list_feeds(engine)
                began = time.perf_counter()
                report: CycleReport = await poll_cycle(
                    engine, fetcher, SETTINGS, clock, feeds=feeds, service_key=key
                )
                times.append(time.perf_counter() - began)
                assert report.failed == (), report.failed
                news.append(len(report.new))
                clock.advance(600)
        engine.dispose()
    return times[0], times[1], news[0], news[1]


def peak(run: Callable[[], Coroutine[Any, Any, Any]]) -> float:
    """Peak traced Python allocation of one run, MB."""
    tracemalloc.start()
    asyncio.run(run())
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--releases", type=int, default=500)
    args = parser.parse_args()
    found = releases(args.releases)
    names = ("openapi", "no reuse", "rss")
    results: dict[str, list[tuple[float, float, int, int]]] = {n: [] for n in names}
    with OpenApiServer() as api, FeedServer() as feeds:
        api.releases = found
        feed_url = feeds.add("/rss", rss(rss_items(found), title="bench"), etag='"1"')
        asyncio.run(twice(api.url, KEY))  # warm: imports, tagger, first connection
        for n in range(args.runs):
            order = [("openapi", api.url, KEY), ("no reuse", api.url, KEY), ("rss", feed_url, None)]
            for name, url, key in order if n % 2 == 0 else order[::-1]:
                results[name].append(asyncio.run(twice(url, key, reuse=name != "no reuse")))
        memory = {
            "openapi": peak(lambda: twice(api.url, KEY)),
            "no reuse": peak(lambda: twice(api.url, KEY, reuse=False)),
            "rss": peak(lambda: twice(feed_url, None)),
        }
    print(f"{args.releases} releases, {args.runs} runs (medians), SQLite, loopback")
    print(f"{'':10}{'cold s':>10}{'again s':>10}{'new':>6}{'again new':>11}{'peak MB':>9}")
    med: dict[str, tuple[float, float]] = {}
    for name, runs in results.items():
        cold = statistics.median(r[0] for r in runs)
        again = statistics.median(r[1] for r in runs)
        med[name] = (cold, again)
        print(
            f"{name:10}{cold:10.2f}{again:10.2f}{runs[0][2]:6d}{runs[0][3]:11d}{memory[name]:9.1f}"
        )
    print(
        f"openapi / rss: cold {med['openapi'][0] / med['rss'][0]:.2f}x, "
        f"again {med['openapi'][1] / med['rss'][1]:.2f}x, "
        f"peak {memory['openapi'] / memory['rss']:.2f}x"
    )
    print(
        f"openapi again, reusing built releases / rebuilding them: "
        f"{med['openapi'][1] / med['no reuse'][1]:.3f}x"
    )


if __name__ == "__main__":
    main()
