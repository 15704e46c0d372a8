"""bench-catalog-world: a poll of the whole source catalog, with every reported quirk, beside
the same releases served as well-behaved feeds. Medians.

The loopback ministry world of tests/ministry_world.py serves each of the catalog's 17 feeds
at its own path: 405 → POST, two 307 cookie gates (one wanting a browser-like User-Agent),
zone-less, dotted, Java and dc:date dates, the link in CDATA and the channel repeated as an
item, a ~130 KB body of HWP/office debris and doubled entities, relative links with a new
jsessionid per request, tracking parameters, an EUC-KR → UTF-8 switch. The baseline
("plain") serves the same releases at the same addresses as plain RSS 2.0. The slow first
byte is set to 0 here: the bench measures the bot's work, not a server's sleep.

Each world is measured in a fresh child process (``--world plain|catalog``), so its peak
memory is its own: "peak MB" is the process's peak RSS (VmHWM) minus its RSS once the modules
were imported. Per run: a fresh SQLite database, a first poll (every release new: fetch,
retry, parse, Document, contacts, store) and a second poll (nothing new; the POST method and
the cookies remembered), through ``poll_cycle`` without full-text enrichment (the feed path;
bench/sources.py measures full text).

``bench/catalog_world.py [--runs N]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.clock import FixedClock
    from bot.config import FeedSettings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORLDS = ("plain", "catalog")


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _cycle(engine: Engine, settings: FeedSettings, clock: FixedClock) -> tuple[int, int]:
    """One poll cycle: how many releases were new, how many feeds were polled."""
    from bot.feeds.fetch import Fetcher
    from bot.feeds.poll import poll_cycle

    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock)
    failed = [o.feed.name for o in report.outcomes if o.status == "failed"]
    assert not failed, failed
    return len(report.new), len(report.outcomes)


def measure(world_kind: str, runs: int) -> dict[str, object]:
    """One world in this (fresh) process: seconds of the first and second polls, requests."""
    from bot.clock import FixedClock
    from bot.config import FeedSettings, FeedSource
    from bot.store import create_engine
    from bot.store import feeds as feed_store
    from bot.store.migrate import upgrade
    from tests.ministry_world import NOW, RELEASES, MinistryWorld

    base_rss = _rss_mb("VmRSS")
    first: list[float] = []
    second: list[float] = []
    requests: list[int] = []
    new_items: list[int] = []
    again: list[int] = []
    with MinistryWorld(first_byte=0.0, plain=world_kind == "plain") as world:
        sources = tuple(
            FeedSource(name=f"{body} 보도자료", url=url) for body, url in world.feeds().items()
        )
        settings = FeedSettings(
            connect_timeout=2, read_timeout=5, total_timeout=10, max_bytes=2_000_000,
            poll_interval=300, sources=sources,
        )  # fmt: skip
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
                upgrade(engine)
                clock = FixedClock(NOW)
                feed_store.sync_sources(engine, sources, clock.now())
                world.asked.clear()

                began = time.perf_counter()
                fresh, polled = asyncio.run(_cycle(engine, settings, clock))
                first.append(time.perf_counter() - began)
                clock.advance(settings.poll_interval + 1)
                began = time.perf_counter()
                repeated, _ = asyncio.run(_cycle(engine, settings, clock))
                second.append(time.perf_counter() - began)
                requests.append(len(world.asked))
                new_items.append(fresh)
                again.append(repeated)
                engine.dispose()
        feeds = polled
    return {
        "world": world_kind,
        "feeds": feeds,
        "releases": sum(len(r) for r in RELEASES.values()),
        "new_first": statistics.median(new_items),
        "new_second": max(again),
        "first_s": statistics.median(first),
        "second_s": statistics.median(second),
        "requests": statistics.median(requests),
        "peak_mb": _rss_mb("VmHWM") - base_rss,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--world", choices=WORLDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.world:
        print(json.dumps(measure(args.world, args.runs)))
        return 0
    results = {}
    for world in WORLDS:
        out = subprocess.run(
            [sys.executable, __file__, "--world", world, "--runs", str(args.runs)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        results[world] = json.loads(out.stdout.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    print(f"catalog world: medians of {args.runs} runs; load average {load:.1f} on "
          f"{os.cpu_count()} cores")  # fmt: skip
    base = results["plain"]
    print(
        f"{'world':8} {'feeds':>5} {'new 1st':>7} {'new 2nd':>7} {'1st poll s':>10} "
        f"{'2nd poll s':>10} {'requests':>8} {'peak MB':>8} {'1st ×':>6} {'2nd ×':>6}"
    )
    for world in WORLDS:
        r = results[world]
        print(
            f"{world:8} {r['feeds']:>5} {r['new_first']:>7g} {r['new_second']:>7} "
            f"{r['first_s']:>10.3f} {r['second_s']:>10.3f} {r['requests']:>8g} "
            f"{r['peak_mb']:>8.1f} {r['first_s'] / base['first_s']:>6.2f} "
            f"{r['second_s'] / base['second_s']:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
