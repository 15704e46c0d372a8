"""Hostile bench (issue 21): a trickling LLM, a trickling feed, invented claims.

1. A trickling LLM (one byte every 0.5 s, tests/llm_server.py): seconds until each story of
   a run of five has its digest, with the call's total deadline; beside it the same call as
   before the deadline (the client's read timeout only), given up by the bench after
   ``--cap`` seconds; and the seconds until LLM digests come back once the server is well
   again (the pause after a missed deadline).
2. A good feed's polls per minute beside a feed trickling for ``--slow`` seconds, with
   ``run_polling`` (each feed on its own rhythm) and with the old cycle barrier (poll every
   due feed, wait for all, sleep), both against the good feed polled alone.
3. False drops and catches of the claim-support check on tests/data/claims/claims.json.

Loopback servers only; single runs (noisy under load: the load is printed). Run:
make bench-hostile
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grounding import claim_rates  # noqa: E402
from bot.clock import FixedClock, SystemClock  # noqa: E402
from bot.config import FeedSettings, FeedSource, LLMSettings  # noqa: E402
from bot.feeds.fetch import Fetcher  # noqa: E402
from bot.feeds.poll import CycleReport, poll_cycle, run_polling  # noqa: E402
from bot.store import create_engine  # noqa: E402
from bot.store import feeds as feed_store  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.summarize.base import Document  # noqa: E402
from bot.summarize.llm import LLMSummarizer  # noqa: E402
from bot.summarize.prompts import load_prompt  # noqa: E402
from bot.topics import DEFAULT_TAXONOMY  # noqa: E402
from tests.feed_server import FeedServer, rss  # noqa: E402
from tests.llm_server import LLMServer, Reply  # noqa: E402

DOCS = ROOT / "tests" / "data" / "docs"
RELEASE = DOCS / "articles__10_gt_중소벤처기업부_156754060.txt"
DIGEST = {
    "headline": "중기부 추경 1조 6,903억원 확정",
    "bullets": [
        "2026년 제1차 추가경정예산이 1조 6,903억원으로 확정됐다.",
        "수출 중소기업의 중동 전쟁 피해 최소화에 4,622억원을 지원한다.",
    ],
    "key_dates": [], "amounts": [], "contacts": [], "topics": [], "agencies": [], "regions": [],
}  # fmt: skip


def release(n: int) -> Document:
    text = RELEASE.read_text(encoding="utf-8")
    body = text.split("## 본문", 1)[1]
    return Document(title=f"중기부 추경 확정 ({n})", text=f"{n}번째.\n{body}",
                    url=f"https://x.kr/{n}", story_id=n)  # fmt: skip


async def trickling_llm(deadline: float, cap: float, pause_probe: float) -> dict[str, Any]:
    state = {"trickle": True}

    def answer(_request: dict[str, Any]) -> Reply:
        return Reply(content=json.dumps(DIGEST), trickle=0.5 if state["trickle"] else 0.0)

    server = LLMServer(default=answer).start()
    monotonic_offset = [0.0]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        settings = LLMSettings(base_url=server.base_url, model="bench", timeout=deadline,
                               requests_per_minute=60_000)  # fmt: skip
        llm = LLMSummarizer(
            settings, api_key="sk-bench", engine=engine, clock=FixedClock(),
            taxonomy=DEFAULT_TAXONOMY, prompt=load_prompt("digest.txt"),
            monotonic=lambda: time.monotonic() + monotonic_offset[0],
        )  # fmt: skip
        per_story = []
        began = time.perf_counter()
        for n in range(5):
            start = time.perf_counter()
            summary = await llm.summarize(release(n))
            per_story.append((time.perf_counter() - start, summary.summarizer))
        five = time.perf_counter() - began
        pause = llm._paused_until - time.monotonic()  # how long the LLM is left alone now
        # the old call: the client's read timeout only (each byte comes well within it)
        old_start = time.perf_counter()
        finished = True
        try:
            async with asyncio.timeout(cap):
                await llm.client.chat.completions.create(
                    model="bench", messages=[{"role": "user", "content": "요약"}]
                )
        except TimeoutError:
            finished = False
        old = time.perf_counter() - old_start
        # recovery: the server is well again; LLM digests return when the pause ends
        state["trickle"] = False
        monotonic_offset[0] = (
            llm._paused_until - time.monotonic() + pause_probe
        )  # skip the wait instead of sleeping it
        after = await llm.summarize(release(99))
        await llm.close()
        engine.dispose()
    server.stop()
    return {
        "per_story": per_story,
        "five": five,
        "old": old,
        "old_finished": finished,
        "pause": pause,
        "after": after.summarizer,
    }


async def barrier_polling(engine: Any, settings: FeedSettings, stop: asyncio.Event) -> None:
    """The loop before issue 21: poll every due feed, wait for all of them, sleep."""
    clock = SystemClock()
    async with Fetcher(settings) as fetcher:
        while not stop.is_set():
            await poll_cycle(engine, fetcher, settings, clock)
            due = feed_store.next_due_at(engine)
            wait = settings.poll_interval
            if due is not None:
                wait = min(wait, max(1.0, (due - clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)


async def polls_per_minute(slow: float, seconds: float, how: str, with_slow: bool) -> float:
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        good = server.add("/good", rss([{"title": "좋은 항목", "guid": "g", "link": "/g"}]),
                          etag='"v1"')  # fmt: skip
        body = rss([{"title": "느린 항목", "guid": "s", "link": "/s",
                     "content": "<p>느린 피드</p>" * 400}]).encode()  # fmt: skip
        chunks = -(-len(body) // 1024)
        slow_url = server.add("/slow", body, trickle=slow / chunks)
        sources = [FeedSource(name="좋은 피드", url=good)]
        if with_slow:
            sources.insert(0, FeedSource(name="느린 피드", url=slow_url))
        settings = FeedSettings(sources=tuple(sources)).model_copy(update={"poll_interval": 1.0})
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        feed_store.sync_sources(engine, settings.sources, datetime.now(UTC))
        stop = asyncio.Event()

        async def after(_report: CycleReport) -> None:
            pass

        if how == "independent":
            task = asyncio.create_task(run_polling(engine, settings, SystemClock(), stop, after))
        else:
            task = asyncio.create_task(barrier_polling(engine, settings, stop))
        await asyncio.sleep(seconds)
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, slow + 5)
        engine.dispose()
        return len(server.hits("/good")) * 60.0 / seconds


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadline", type=float, default=2.0, help="[llm] timeout, seconds")
    parser.add_argument("--cap", type=float, default=30.0, help="give the old call up after")
    parser.add_argument("--slow", type=float, default=6.0, help="the slow feed's seconds")
    parser.add_argument("--seconds", type=float, default=20.0, help="polling time per run")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), cores: {os.cpu_count()}")

    llm = await trickling_llm(args.deadline, args.cap, 0.1)
    print(f"\n1. trickling LLM (1 byte / 0.5 s), deadline {args.deadline:g} s")
    for n, (took, path) in enumerate(llm["per_story"], start=1):
        print(f"   story {n}: {took:6.2f} s -> {path}")
    print(f"   five stories: {llm['five']:.2f} s")
    state = "finished" if llm["old_finished"] else f"not finished, given up at {args.cap:g} s"
    print(f"   before (read timeout only): one call {llm['old']:.1f} s, {state}")
    print(f"   ratio first story before/after: >= {llm['old'] / llm['per_story'][0][0]:.1f}x")
    print(f"   recovery: LLM left alone {llm['pause']:.0f} s after the missed deadline "
          "(60 s at least, doubling while it keeps missing, 15 min at most), "
          f"then the next story got {llm['after']!r}")  # fmt: skip

    print(f"\n2. good feed polled every 1 s beside a feed trickling {args.slow:g} s "
          f"({args.seconds:g} s per run)")  # fmt: skip
    alone = await polls_per_minute(args.slow, args.seconds, "independent", with_slow=False)
    barrier = await polls_per_minute(args.slow, args.seconds, "barrier", with_slow=True)
    independent = await polls_per_minute(args.slow, args.seconds, "independent", with_slow=True)
    print(f"   good feed alone:                  {alone:5.1f} polls/min")
    print(f"   beside it, old cycle barrier:     {barrier:5.1f} polls/min "
          f"({barrier / alone:.0%} of alone)")  # fmt: skip
    ratio = independent / max(barrier, 0.1)
    print(f"   beside it, each feed on its own:  {independent:5.1f} polls/min "
          f"({independent / alone:.0%} of alone, {ratio:.1f}x barrier)")  # fmt: skip

    print("\n3. claim support (tests/data/claims/claims.json)")
    rates = claim_rates(show=False)
    for split in ("dev", "held"):
        dropped, total = rates.get((split, "good"), (0, 0))
        caught, invented = rates.get((split, "invented"), (0, 0))
        print(f"   {split:4}: false drops {dropped}/{total} ({dropped / max(1, total):.1%}), "
              f"catches {caught}/{invented} ({caught / max(1, invented):.1%})")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
