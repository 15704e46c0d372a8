"""bench-poll: one full poll cycle over 2,000 feeds served from a loopback server.

80 % of the feeds answer 304 to the stored ETag, 20 % answer 200 with 20 new items; 10 are
slow (2 s) and 10 broken (5 × HTTP 500, 5 × truncated XML). The server runs in its own
process, so the figures are the poller's alone. Baseline, same run: the naive serial loop
``feedparser.parse(url)`` without conditional GET over a fixed 1-in-10 sample of the same
feeds (with the same share of slow and broken ones), extrapolated ×10 — said so in the output.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import feedparser
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.config import FeedSettings, FeedSource  # noqa: E402
from bot.feeds.fetch import Fetcher  # noqa: E402
from bot.ingest import poll_cycle  # noqa: E402
from bot.store import create_engine  # noqa: E402
from bot.store import feeds as feed_store  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.schema import feeds as feeds_table  # noqa: E402

FEEDS = 2000
ITEMS = 20
SLOW = [10, *range(201, 2000, 200)][:10]  # one in the 1-in-10 sample, like the whole set
BROKEN = [20, *range(203, 2000, 200)][:10]
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SAMPLE = [i for i in range(FEEDS) if i % 10 == 0]
DATA = ROOT.parent / "shared" / "data" / "articles"


def changed(i: int) -> bool:
    return i % 5 == 0


def bodies() -> list[str]:
    texts = [
        p.read_text(encoding="utf-8").split("## 본문", 1)[-1][:1500]
        for p in sorted(DATA.glob("1*.txt"))
    ]
    docs = []
    for i in range(FEEDS):
        items = []
        for n in range(ITEMS):
            text = texts[(i + n) % len(texts)].replace("&", "&amp;").replace("<", "&lt;")
            items.append(
                f"<item><title>피드 {i} 보도자료 {n}</title>"
                f"<link>https://www.korea.kr/briefing/view.do?f={i}&amp;n={n}</link>"
                f"<guid>f{i}-n{n}</guid><pubDate>Fri, 10 Apr 2026 22:42:00 +0900</pubDate>"
                f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
            )
        docs.append(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>피드 {i}</title><link>https://www.korea.kr/</link>{''.join(items)}</channel></rss>"
        )
    return docs


def serve(port_queue: multiprocessing.Queue[int]) -> None:
    docs = [d.encode() for d in bodies()]

    async def handle(request: web.Request) -> web.StreamResponse:
        i = int(request.match_info["i"])
        if i in SLOW:
            await asyncio.sleep(2)
        if i in BROKEN[:5]:
            return web.Response(status=500, text="boom")
        if i in BROKEN[5:]:
            return web.Response(
                body=docs[i][: len(docs[i]) // 2], content_type="application/rss+xml"
            )
        etag = f'"f{i}-v2"' if changed(i) else f'"f{i}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=docs[i], content_type="application/rss+xml", headers={"ETag": etag}
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{i}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def our_cycle(port: int, db: Path, concurrency: int) -> tuple[float, float, int, int]:
    url = f"sqlite:///{db}"
    engine = create_engine(url)
    upgrade(engine)
    settings = FeedSettings(concurrency=concurrency)
    sources = [
        FeedSource(name=f"feed {i}", url=f"http://127.0.0.1:{port}/feed/{i}") for i in range(FEEDS)
    ]
    clock = SystemClock()
    feed_store.sync_sources(engine, sources, clock.now())
    with engine.begin() as conn:  # the previous cycle stored these validators
        for i in range(FEEDS):
            conn.execute(
                feeds_table.update()
                .where(feeds_table.c.url == sources[i].url)
                .values(etag=f'"f{i}"')
            )
    cpu0, wall0 = cpu(), time.perf_counter()
    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock)
    wall, cpu_s = time.perf_counter() - wall0, cpu() - cpu0
    statuses = [o.status for o in report.outcomes]
    print("  outcomes: " + ", ".join(f"{s} {statuses.count(s)}" for s in sorted(set(statuses))))
    engine.dispose()
    return wall, cpu_s, len(report.new), len(report.failed)


def baseline(port: int) -> tuple[float, float, int]:
    cpu0, wall0 = cpu(), time.perf_counter()
    items = 0
    for i in SAMPLE:
        parsed = feedparser.parse(f"http://127.0.0.1:{port}/feed/{i}")
        items += len(parsed.entries)
    return time.perf_counter() - wall0, cpu() - cpu0, items


def main() -> None:
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    server.start()
    port = queue.get(timeout=60)
    concurrency = 64
    print(
        f"bench-poll: {FEEDS} feeds on 127.0.0.1:{port} (80 % → 304, 20 % → 200 × {ITEMS} items, "
        f"{len(SLOW)} slow 2 s, {len(BROKEN)} broken); machine shared, figures are noisy"
    )
    try:
        runs = []
        for run in range(RUNS):
            with tempfile.TemporaryDirectory() as tmp:
                print(f"sokbo poll_cycle run {run + 1} (concurrency {concurrency}, fresh SQLite):")
                runs.append(asyncio.run(our_cycle(port, Path(tmp) / "bench.db", concurrency)))
        walls = [r[0] for r in runs]
        wall = statistics.median(walls)
        cpu_s = statistics.median(r[1] for r in runs)
        stored = runs[0][2]
        peak = rss_mb()
        print(
            f"  wall {wall:.2f} s (median of {len(runs)}: {', '.join(f'{w:.2f}' for w in walls)}), "
            f"CPU {cpu_s:.2f} s, peak RSS {peak:.0f} MB, {stored} items stored "
            f"({stored / wall:.0f} items/s), {runs[0][3]} feeds failed"
        )
        print(
            f"baseline: serial feedparser.parse(url), no conditional GET, over {len(SAMPLE)} "
            f"of the {FEEDS} feeds (1 in 10, incl. 1 slow + 1 broken), extrapolated ×10:"
        )
        b_wall, b_cpu, b_items = baseline(port)
        scale = FEEDS / len(SAMPLE)
        print(
            f"  measured {b_wall:.2f} s wall, {b_cpu:.2f} s CPU, {b_items} items parsed → "
            f"estimated {b_wall * scale:.1f} s wall, {b_cpu * scale:.1f} s CPU for {FEEDS} feeds"
        )
        print(
            f"ratio: sokbo cycle is {b_wall * scale / wall:.1f}× faster (wall) and uses "
            f"{b_cpu * scale / max(cpu_s, 1e-9):.1f}× less CPU than the baseline"
        )
        print(
            f"targets: wall ≤ 20 s: {'met' if wall <= 20 else 'MISSED'}; peak RSS ≤ 200 MB: "
            f"{'met' if peak <= 200 else 'MISSED'}; ≥ 10× baseline: "
            f"{'met' if b_wall * scale / wall >= 10 else 'MISSED'}"
        )
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
