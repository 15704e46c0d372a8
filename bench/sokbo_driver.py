"""Runs inside the measured process, with the venv of the sokbo being measured.

Started as ``<venv>/bin/python bench/sokbo_driver.py MODE ...``: ``bot`` is whatever that
venv installed (main, or a baseline checkout), so one script measures both. Marks (JSON
lines: name, ``time.monotonic()``, CPU of the process and its reaped children, the process's
own VmHWM) go to the file named by ``SOKBO_BENCH_MARKS``, so the parent can split a run into
phases on the clock it shares with this process.

Modes:
- ``cli ARGS...``: exactly ``sokbo ARGS...`` (bot.cli.console_main, the console script, where
  the checkout has it; else bot.cli.main), with a mark when
  ``App.poll_once`` returns (end of fetch-parse-store) and one when ``App.process_pending``
  returns (the pipeline: grouping, summaries, index, matching; with its report).
- ``seed CONFIG``: migrate, add the config's feeds, store the validators a previous cycle would
  have stored (ETag of generation 1, fetch times), as bench-poll's 80 %-unchanged cycle needs.
- ``phase CONFIG``: only the fetch-parse-store phase, as ``poll --once`` runs it
  (``App.poll_once``: every enabled feed), and nothing after it.
- ``extractive BENCH_DIR PASSES``: the extractive summarizer over bench/summarize.py's 1,000
  stories (of BENCH_DIR, i.e. the measured checkout), PASSES times; prints stories/s per pass.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def mark(name: str, **extra: Any) -> None:
    path = os.environ.get("SOKBO_BENCH_MARKS")
    if not path:
        return
    cpu = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        cpu += usage.ru_utime + usage.ru_stime
    record = {"name": name, "t": time.monotonic(), "cpu": cpu, "hwm_mb": _hwm_mb(), **extra}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def _trace() -> None:
    """With SOKBO_POLL_TRACE=1, the cycle's timeline on stderr (poll_once passes none)."""
    if os.environ.get("SOKBO_POLL_TRACE") != "1":
        return
    import bot.feeds.poll
    from bot.feeds.timeline import Timeline

    cycle = bot.feeds.poll.poll_cycle

    async def traced(*args: Any, **kwargs: Any) -> Any:
        timeline = kwargs.setdefault("timeline", Timeline())
        report = await cycle(*args, **kwargs)
        print(timeline.summary(), file=sys.stderr)
        return report

    bot.feeds.poll.poll_cycle = traced  # type: ignore[assignment]


def cli(argv: list[str]) -> int:
    import bot.cli
    from bot.app import App
    from bot.cli import main

    poll_once, process_pending = App.poll_once, App.process_pending

    async def timed_poll(self: App, *args: Any, **kwargs: Any) -> Any:
        report = await poll_once(self, *args, **kwargs)
        mark("fetched", new=report.new_count, failed=len(report.failed))
        return report

    async def timed_pipeline(self: App, *args: Any, **kwargs: Any) -> Any:
        began = time.monotonic()
        report = await process_pending(self, *args, **kwargs)
        mark(
            "pipeline",
            seconds=time.monotonic() - began,
            new_stories=len(report.new_story_ids),
            merged=len(report.merged_story_ids),
            summarized=report.summarized,
            indexed=report.indexed,
            matched=report.matched_stories,
        )
        return report

    _trace()
    App.poll_once = timed_poll  # type: ignore[method-assign]
    App.process_pending = timed_pipeline  # type: ignore[method-assign]
    console_main = getattr(bot.cli, "console_main", None)  # as the console script runs it
    if console_main is not None:
        console_main(argv)
    return main(argv)  # older checkouts


def _app(config: str) -> Any:
    from bot.app import App
    from bot.config import load_settings

    return App.build(load_settings(Path(config)))


def seed(config: str) -> int:
    import sqlalchemy as sa
    from loopfeeds import SLOW, changed

    from bot.store import feeds as feed_store
    from bot.store.schema import feeds

    app = _app(config)
    app.migrate()
    feed_store.sync_sources(app.engine, app.settings.feeds.sources, app.clock.now())
    with app.engine.begin() as conn:
        for row in conn.execute(sa.select(feeds.c.id, feeds.c.url)).all():
            i = int(row.url.rsplit("/", 1)[1])
            slow = "/feed/" in row.url and i in SLOW
            seconds = 2.0 if slow else 0.02 if changed(i) else 0.003
            conn.execute(
                feeds.update()
                .where(feeds.c.id == row.id)
                .values(etag=f'"f{i}-g1"', last_fetch_seconds=seconds)
            )
    app.engine.dispose()
    return 0


def phase(config: str) -> int:
    import logging

    logging.basicConfig(level=logging.ERROR)
    _trace()
    app = _app(config)
    app.migrate()
    mark("ready")
    # as ``sokbo poll --once`` runs it: counts, not the articles (older checkouts keep them)
    lean = (
        {"keep_items": False} if "keep_items" in inspect.signature(app.poll_once).parameters else {}
    )
    report = asyncio.run(app.poll_once(**lean))
    mark("fetched", new=report.new_count, failed=len(report.failed))
    app.engine.dispose()
    return 0


def extractive(bench_dir: str, passes: int) -> int:
    sys.path.insert(0, bench_dir)
    import summarize  # the measured checkout's bench/summarize.py (it puts its root first)

    docs = summarize.stories()
    summarizer = summarize.ExtractiveSummarizer()
    began = time.perf_counter()
    summarizer.summarize_now(docs[0])
    first = time.perf_counter() - began
    rates = []
    for _ in range(passes):
        began = time.perf_counter()
        for doc in docs:
            summarizer.summarize_now(doc)
        rates.append(len(docs) / (time.perf_counter() - began))
    print(json.dumps({"stories": len(docs), "first_call_s": first, "rates": rates}))
    return 0


def main() -> int:
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "cli":
        return cli(args)
    if mode == "seed":
        return seed(args[0])
    if mode == "phase":
        return phase(args[0])
    if mode == "extractive":
        return extractive(args[0], int(args[1]))
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main())
