"""bench-poll: one full poll cycle over 2,000 feeds served from a loopback server.

80 % of the feeds answer 304 to the stored ETag, 20 % answer 200 with 20 new items; 10 are
slow (2 s) and 10 broken (5 × HTTP 500, 5 × truncated XML). The server runs in its own
process, so the figures are the poller's alone. Baseline, same run: the naive serial loop
``feedparser.parse(url)`` without conditional GET over a fixed 1-in-10 sample of the same
feeds (with the same share of slow and broken ones), extrapolated ×10 — said so in the output.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import feedparser
import sqlalchemy as sa
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.config import FeedSettings, FeedSource  # noqa: E402
from bot.feeds.fetch import Fetcher  # noqa: E402
from bot.feeds.timeline import Timeline  # noqa: E402
from bot.ingest import poll_cycle  # noqa: E402
from bot.store import create_engine  # noqa: E402
from bot.store import feeds as feed_store  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.schema import feeds as feeds_table  # noqa: E402

FEEDS = 2000
ITEMS = 20
SLOW = [10, *range(201, 2000, 200)][:10]  # one in the 1-in-10 sample, like the whole set
BROKEN = [20, *range(203, 2000, 200)][:10]
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
RUNS = int(ARGS[0]) if ARGS else 3
# --trace (or SOKBO_POLL_TRACE=1): print each run's timeline (when feeds were fetched, parsed
# and stored, the parse workers' idle time, the write batches).
TRACE = "--trace" in sys.argv or os.environ.get("SOKBO_POLL_TRACE") == "1"
SAMPLE = [i for i in range(FEEDS) if i % 10 == 0]
DATA = ROOT / "tests" / "data" / "docs"


def changed(i: int) -> bool:
    return i % 5 == 0


def previous_fetch_seconds(i: int) -> float:
    """The fetch time the simulated previous cycle recorded (the cycle orders feeds by it):
    the slow feeds took their 2 s, the others a few ms (typical of this loopback server)."""
    return 2.0 if i in SLOW else 0.02 if changed(i) else 0.003


def bodies() -> list[str]:
    texts = [
        p.read_text(encoding="utf-8").split("## 본문", 1)[-1][:1500]
        for p in sorted(DATA.glob("articles__1*.txt"))
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


def rss_mb(pid: int | str = "self") -> float:
    """Peak RSS (VmHWM) of a live process. Not ru_maxrss: a spawned child's ru_maxrss starts
    at its parent's size, because Linux keeps the high-water mark of the forked image."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ChildPeak(threading.Thread):
    """Watches this process's children (except the feed server) every 0.1 s and keeps the
    largest sum of their peak RSS: the parse workers of a cycle live together, only during it."""

    def __init__(self, skip: int) -> None:
        super().__init__(daemon=True)
        self.skip, self.peak, self.most, self.stop = skip, 0.0, 0, threading.Event()

    def run(self) -> None:
        me = str(os.getpid())
        own = Path(f"/proc/{me}/cmdline").read_bytes()
        while not self.stop.wait(0.1):
            total, count = 0.0, 0
            for child in Path(f"/proc/{me}/task/{me}/children").read_text().split():
                if int(child) == self.skip:
                    continue
                with contextlib.suppress(OSError, ValueError):
                    if Path(f"/proc/{child}/cmdline").read_bytes() == own:
                        continue  # forked but not yet exec'd: its RSS is this process's pages
                    total += rss_mb(child)
                    count += 1
            self.peak, self.most = max(self.peak, total), max(self.most, count)


def cpu() -> float:
    """CPU seconds of this process plus its reaped children (the poller's parse workers are
    reaped at the end of each cycle; the feed server is not, it runs until the end)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def cpu_wait() -> float:
    """Seconds this process's threads spent runnable but waiting for a CPU (shared machine)."""
    total = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


async def our_cycle(port: int, db: Path) -> tuple[float, float, int, int, float]:
    url = f"sqlite:///{db}"
    engine = create_engine(url)
    upgrade(engine)
    settings = FeedSettings()  # shipped defaults (concurrency, timeouts, size cap)
    sources = [
        FeedSource(name=f"feed {i}", url=f"http://127.0.0.1:{port}/feed/{i}") for i in range(FEEDS)
    ]
    clock = SystemClock()
    feed_store.sync_sources(engine, sources, clock.now())
    with engine.begin() as conn:  # what the previous cycle stored: validators, fetch times
        for i in range(FEEDS):
            conn.execute(
                feeds_table.update()
                .where(feeds_table.c.url == sources[i].url)
                .values(etag=f'"f{i}"', last_fetch_seconds=previous_fetch_seconds(i))
            )
    commits = [0]
    sa.event.listen(engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1))
    timeline = Timeline() if TRACE else None
    cpu0, wait0, wall0 = cpu(), cpu_wait(), time.perf_counter()
    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock, timeline=timeline)
    wall, cpu_s, waited = time.perf_counter() - wall0, cpu() - cpu0, cpu_wait() - wait0
    statuses = [o.status for o in report.outcomes]
    outcomes = ", ".join(f"{s} {statuses.count(s)}" for s in sorted(set(statuses)))
    print(
        f"  {wall:.2f} s wall, {cpu_s:.2f} s CPU (incl. parse workers), waited {waited:.2f} s "
        f"for a CPU; {commits[0]} transactions; outcomes: {outcomes}"
    )
    if timeline is not None:
        slow_ids = {o.feed.id for o in report.outcomes if int(o.feed.url.rsplit("/", 1)[1]) in SLOW}
        print(timeline.summary(slow_ids))
    engine.dispose()
    return wall, cpu_s, len(report.new), len(report.failed), waited


def baseline(port: int, out: multiprocessing.Queue[tuple[float, float, int, float, float]]) -> None:
    """Runs in its own process, so its peak RSS is its own."""
    cpu0, wait0, wall0 = cpu(), cpu_wait(), time.perf_counter()
    items = 0
    for i in SAMPLE:
        parsed = feedparser.parse(f"http://127.0.0.1:{port}/feed/{i}")
        items += len(parsed.entries)
    wall = time.perf_counter() - wall0
    out.put((wall, cpu() - cpu0, items, rss_mb(), cpu_wait() - wait0))


def main() -> None:
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    server.start()
    port = queue.get(timeout=60)
    load = os.getloadavg()[0]
    print(
        f"bench-poll: {FEEDS} feeds on 127.0.0.1:{port} (80 % → 304, 20 % → 200 × {ITEMS} items, "
        f"{len(SLOW)} slow 2 s, {len(BROKEN)} broken; the simulated previous cycle stored "
        "ETags and fetch times, 2 s for the slow feeds, 3-20 ms for the others); "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at start"
        + (": machine shared, figures are noisy" if load > 1.5 else "")
    )
    try:
        runs = []
        watcher = ChildPeak(skip=server.pid or 0)
        watcher.start()
        concurrency = FeedSettings().concurrency
        for run in range(RUNS):
            with tempfile.TemporaryDirectory() as tmp:
                print(f"sokbo poll_cycle run {run + 1} (concurrency {concurrency}, fresh SQLite):")
                runs.append(asyncio.run(our_cycle(port, Path(tmp) / "bench.db")))
        walls = [r[0] for r in runs]
        wall = statistics.median(walls)
        cpu_s = statistics.median(r[1] for r in runs)
        waited = statistics.median(r[4] for r in runs)
        stored = runs[0][2]
        watcher.stop.set()
        peak, worker_peak = rss_mb(), watcher.peak
        peak_total = peak + worker_peak
        print(
            f"  wall {wall:.2f} s (median of {len(runs)}: {', '.join(f'{w:.2f}' for w in walls)}), "
            f"CPU {cpu_s:.2f} s, peak RSS {peak_total:.0f} MB ({peak:.0f} poller + "
            f"{worker_peak:.0f} for its {watcher.most} parse workers together), "
            f"{stored} items stored ({stored / wall:.0f} items/s), {runs[0][3]} feeds failed; "
            f"waited {waited:.2f} s for a CPU (median)"
        )
        print(
            f"baseline: serial feedparser.parse(url), no conditional GET, over {len(SAMPLE)} "
            f"of the {FEEDS} feeds (1 in 10, incl. 1 slow + 1 broken), extrapolated ×10, "
            "in its own process:"
        )
        spawn = multiprocessing.get_context("spawn")  # a fresh process: its RSS is its own
        out: multiprocessing.Queue[tuple[float, float, int, float, float]] = spawn.Queue()
        child = spawn.Process(target=baseline, args=(port, out))
        child.start()
        b_wall, b_cpu, b_items, b_rss, b_waited = out.get(timeout=600)
        child.join()
        scale = FEEDS / len(SAMPLE)
        print(
            f"  measured {b_wall:.2f} s wall, {b_cpu:.2f} s CPU, {b_items} items parsed, peak RSS "
            f"{b_rss:.0f} MB, waited {b_waited:.2f} s for a CPU → estimated "
            f"{b_wall * scale:.1f} s wall, {b_cpu * scale:.1f} s CPU for {FEEDS} feeds "
            f"({b_items / b_wall:.0f} items/s)"
        )
        ratio = b_wall * scale / wall
        print(
            f"ratio: sokbo cycle is {ratio:.1f}× faster (wall) and uses "
            f"{b_cpu * scale / max(cpu_s, 1e-9):.1f}× less CPU than the baseline"
        )
        print(
            f"targets: wall ≤ 20 s: {'met' if wall <= 20 else 'MISSED'}; peak RSS ≤ 200 MB: "
            f"{'met' if peak_total <= 200 else 'MISSED'}; ≥ 10× baseline: "
            f"{'met' if ratio >= 10 else 'MISSED'}"
        )
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
