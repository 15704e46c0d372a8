"""bench-pipeline: stories per second through the pipeline after a poll, offline (extractive).

STORIES new articles (default 5,000: ``FEEDS`` loopback feeds' worth, the same realistic items
bench-poll serves, bench/loopfeeds.py, parsed by the real parser) are stored in a fresh SQLite
database with the 5 console chats of bench-poll subscribed; then one
``bot.pipeline.process_pending`` (group, summarize, index, match, enqueue) runs with the
extractive summarizer and no console output, timed in this process (CPU and wall). Printed:
stories grouped and summarized, seconds, stories/s (and new items/s: the loopfeeds items
are rewrites of 22 releases, so grouping makes a few hundred stories of them), the peak
RSS of the run, and the CPU of parsing and storing the items before it (untimed).

``bench/pipeline.py [RUNS] [--stories N] [--profile] [--sokbo-python PATH]``: medians of RUNS
(default 3); ``--profile`` prints the top of a cProfile of one run (the worker-thread steps
run in place so that it sees them; ``BENCH_PROFILE_OUT=FILE`` also writes the raw stats);
``--sokbo-python`` runs the same measurement with another checkout's venv (a baseline) beside
this one, alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from loopfeeds import ITEMS, SUBSCRIPTIONS, document  # noqa: E402

START = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)


def measure_once(stories: int, profile: bool) -> dict[str, float]:
    """One run in this process: returns its figures (JSON-able)."""
    from bot.clock import FixedClock
    from bot.commands import CommandCore
    from bot.config import FeedSource, Settings
    from bot.feeds.parse import parse_feed
    from bot.pipeline import process_pending
    from bot.store import create_engine
    from bot.store.articles import upsert_articles
    from bot.store.feeds import sync_sources
    from bot.store.migrate import upgrade
    from bot.summarize.extractive import ExtractiveSummarizer
    from bot.types import ChatRef

    feeds = -(-stories // ITEMS)
    clock = FixedClock(START)
    with tempfile.TemporaryDirectory(prefix="sokbo-bench-pipeline-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'sokbo.db'}"
        engine = create_engine(url)
        upgrade(engine)
        sources = [
            FeedSource(name=f"보도자료 {i}", url=f"http://feeds.test/{i}") for i in range(feeds)
        ]
        sync_sources(engine, sources, clock.now())
        core = CommandCore(engine, Settings(database={"url": url}), clock)  # type: ignore[arg-type]
        for n, text in enumerate(SUBSCRIPTIONS):
            chat = ChatRef("console", str(n + 1))
            asyncio.run(core.handle(chat, "bench", text, is_admin=True, is_group=False))
        parse_cpu = time.process_time()
        for i in range(feeds):
            parsed = parse_feed(document(i, 1), feed_id=i + 1, base_url="", now=clock.now())
            upsert_articles(engine, parsed.articles, clock.now())
        parse_cpu = time.process_time() - parse_cpu
        summarizer = ExtractiveSummarizer()
        summarizer.summarize_now  # noqa: B018 (exists in both versions)
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()

            async def inline(func, /, *args, **kwargs):
                # the steps run in worker threads, which cProfile does not see: in place
                return func(*args, **kwargs)

            asyncio.to_thread = inline  # type: ignore[assignment]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        report = asyncio.run(process_pending(engine, summarizer=summarizer, clock=clock))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        if profiler is not None:
            import pstats

            profiler.disable()
            if os.environ.get("BENCH_PROFILE_OUT"):  # raw stats, for pstats' callers/callees
                profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
        engine.dispose()
    return {
        "grouped": len(report.new_story_ids),
        "summarized": report.summarized,
        "indexed": report.indexed,
        "matched": report.matched_stories,
        "deliveries": report.deliveries,
        "wall": wall,
        "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parse_cpu": parse_cpu,
        "articles": feeds * ITEMS,
    }


def run_child(python: str, stories: int) -> dict[str, float]:
    out = subprocess.run(
        [python, __file__, "--child", "--stories", str(stories)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SOKBO_"))},
    )
    if out.returncode != 0:
        raise SystemExit(f"{python} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sokbo-python", metavar="PATH", help="a baseline checkout's python")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.profile:
        print(json.dumps(measure_once(args.stories, args.profile)))
        return
    sides = {"this": sys.executable}
    if args.sokbo_python:
        sides["baseline"] = args.sokbo_python
    load = os.getloadavg()[0]
    print(
        f"bench-pipeline: {args.stories} new stories (loopfeeds items, parsed), 5 chats "
        f"subscribed, extractive, SQLite; {args.runs} runs; {os.cpu_count()} CPUs, load {load:.1f}"
    )
    got: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for n in range(args.runs):
        order = list(sides) if n % 2 == 0 else list(reversed(sides))
        for name in order:
            got[name].append(run_child(sides[name], args.stories))
    print(f"medians of {args.runs} runs [load {os.getloadavg()[0]:.1f} at the end]:")
    rates = {}
    for name, runs in got.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        rates[name] = med["summarized"] / med["wall"]
        walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
        print(
            f"  {name:8} ({sides[name]}): {med['grouped']:.0f} grouped, {med['summarized']:.0f} "
            f"summarized, {med['indexed']:.0f} indexed, {med['matched']:.0f} matched → "
            f"{med['deliveries']:.0f} deliveries in {med['wall']:.1f} s ({walls}), CPU "
            f"{med['cpu']:.1f} s, peak RSS {med['peak_mb']:.0f} MB → "
            f"{rates[name]:.0f} summarized stories/s, {med['articles'] / med['wall']:.0f} new "
            f"items/s; parse+store before it (untimed) CPU {med['parse_cpu']:.1f} s"
        )
    if "baseline" in rates:
        print(f"  ratio this / baseline: {rates['this'] / rates['baseline']:.2f}× stories/s")
    verdict = "met" if rates["this"] >= 500 else "MISSED"
    print(f"target: ≥ 500 stories/s through the pipeline: {verdict}")


if __name__ == "__main__":
    main()
