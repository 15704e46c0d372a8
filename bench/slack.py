"""make bench-slack: Slack delivery throughput and pacing against the local Web API server.

The server (tests/slack_api.py) runs in its own process on 127.0.0.1. Measured:

1. pacing off: one story to 1,000 subscribed channels through the real path (SQLite outbox →
   SlackAdapter → slack_sdk → HTTP), messages/s; and a raw-HTTP baseline in the same run
   (aiohttp posting the same JSON with the same concurrency, no database, no slack_sdk); ratio.
   The adapter alone (render + slack_sdk, no database) shows where the time goes.
2. pacing on (1 msg/s per channel, burst 3): the same 1,000-channel fan-out (messages/s, 429s),
   and 10 channels × 10 stories to see the achieved per-channel rate and the 429s the server
   had to issue because a channel went over ~1 msg/s (target 0).

Medians of 3 rounds where it says so. The machine is shared: figures are noisy.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import SlackAdapter
from bot.clock import SystemClock
from bot.config import DeliverySettings
from bot.documents.contacts import extract_contacts
from bot.messages import Alert
from bot.outbox import Outbox
from bot.render.slack import render
from bot.store import create_engine
from bot.store import deliveries as delivery_store
from bot.store.migrate import upgrade
from bot.store.schema import articles, chats, feeds, rules, stories
from bot.types import ChatRef, Summary

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "tests" / "data" / "docs" / "articles__10_gt_중소벤처기업부_156754060.txt"
TOKEN = "xoxb-test-token"
WORKERS = DeliverySettings().workers


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.slack_api"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def story_summary() -> tuple[str, str, Summary]:
    """A real press release (중기부 추경, April 2026) → title, url, a Summary with its contacts."""
    text = DOC.read_text(encoding="utf-8")
    title = text.split("\n# ", 1)[1].split("\n", 1)[0].strip()
    url = "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156754060"
    summary = Summary(
        headline=title[:60],
        bullets=[
            "중기부 2026년 제1차 추가경정예산이 1조 6,903억원으로 확정됐다.",
            "수출 중소기업 중동 전쟁 피해 최소화에 4,622억원을 지원한다.",
            "소상공인 민생안정에 4,952억원, 스타트업 열풍 조성에 6,719억원을 쓴다.",
        ],
        topics=["중소기업"],
        agencies=["중기부"],
        contacts=extract_contacts(text)[:3],
        source_url=url,
    )
    return title, url, summary


def build_db(path: Path, n_channels: int, n_stories: int) -> tuple[sa.Engine, list[int]]:
    """A migrated SQLite file with channels subscribed to 중소기업 and stories to deliver."""
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    now = datetime.now(UTC)
    title, url, summary = story_summary()
    story_ids = []
    with engine.begin() as conn:
        feed_id = conn.execute(
            feeds.insert().values(
                name="정책브리핑 보도자료", url="https://www.korea.kr/rss/x.xml", created_at=now
            )
        ).inserted_primary_key[0]
        for i in range(n_stories):
            story_id = conn.execute(
                stories.insert().values(
                    title=f"{title} ({i})",
                    url=f"{url}&n={i}",
                    canonical_url=f"{url}&n={i}",
                    norm_title=f"{title} {i}",
                    content_hash=f"h{i}",
                    first_seen_at=now,
                    published_at=now,
                    summary=summary.model_copy(
                        update={"headline": f"{summary.headline[:55]} {i}"}
                    ).model_dump_json(),
                    summarized_at=now,
                )
            ).inserted_primary_key[0]
            conn.execute(
                articles.insert().values(
                    feed_id=feed_id,
                    guid=f"g{i}",
                    url=f"{url}&n={i}",
                    title=title,
                    text="본문",
                    published_at=now,
                    fetched_at=now,
                    content_hash=f"h{i}",
                    story_id=story_id,
                )
            )
            story_ids.append(story_id)
        conn.execute(
            chats.insert(),
            [
                {"platform": "slack", "chat_id": f"C{i:06d}", "kind": "group", "created_at": now}
                for i in range(n_channels)
            ],
        )
        chat_pks = [r[0] for r in conn.execute(sa.select(chats.c.id).order_by(chats.c.id))]
        conn.execute(
            rules.insert(),
            [
                {"chat_id": pk, "kind": "topic", "value": "중소기업", "created_at": now}
                for pk in chat_pks
            ],
        )
    for story_id in story_ids:
        delivery_store.enqueue(engine, chat_pks, story_id, now)
    return engine, story_ids


async def control(http: aiohttp.ClientSession, base: str, **body: object) -> None:
    async with http.post(f"{base}/_control", json=body) as response:
        response.raise_for_status()


async def stats(http: aiohttp.ClientSession, base: str) -> dict[str, object]:
    async with http.get(f"{base}/_stats") as response:
        data: dict[str, object] = await response.json()
        return data


async def raw_baseline(base: str, n: int, payload: dict[str, object]) -> float:
    """n chat.postMessage calls with plain aiohttp, WORKERS at a time; messages/s."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    queue = list(range(n))

    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            while queue:
                i = queue.pop()
                body = json.dumps({**payload, "channel": f"R{i:06d}"})
                async with session.post(
                    f"{base}/api/chat.postMessage", data=body, headers=headers
                ) as response:
                    assert (await response.json())["ok"]

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(WORKERS)))
        return n / (time.perf_counter() - start)


async def adapter_only(base: str, n: int, alert: Alert) -> float:
    """n sends straight through SlackAdapter (render + slack_sdk), WORKERS at a time; msg/s."""
    client = AsyncWebClient(token=TOKEN, base_url=f"{base}/api/")
    adapter = SlackAdapter(client, pacing=False)
    queue = list(range(n))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            result = await adapter.send(ChatRef("slack", f"A{i:06d}"), alert)
            assert result.outcome == "sent", result

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return n / (time.perf_counter() - start)


async def deliver_all(engine: sa.Engine, base: str, *, pacing: bool, expected: int) -> float:
    """Run the outbox with a SlackAdapter until ``expected`` deliveries are sent; messages/s."""
    client = AsyncWebClient(token=TOKEN, base_url=f"{base}/api/")
    adapter = SlackAdapter(client, rate_per_channel=1.0, burst=3, pacing=pacing)
    outbox = Outbox(
        engine, {"slack": adapter}, SystemClock(), DeliverySettings(interval=0.02, batch_size=200)
    )
    stop = asyncio.Event()
    start = time.perf_counter()
    task = asyncio.create_task(outbox.run(stop))
    while True:
        counts = delivery_store.state_counts(engine)
        if counts.get("sent", 0) >= expected:
            break
        if counts.get("dead", 0):
            raise SystemExit(f"deliveries died: {counts}")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - start
    stop.set()
    await task
    return expected / elapsed


async def main() -> None:
    proc, base = start_server()
    _, _, summary = story_summary()
    alert = Alert(1, summary, "정책브리핑 보도자료", datetime.now(UTC), summary.source_url)
    first = render(alert)[0]
    payload: dict[str, object] = {
        "text": first.text,
        "blocks": first.blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    try:
        async with aiohttp.ClientSession() as http:
            print(
                f"bench-slack: local Web API in its own process at {base}; "
                f"{WORKERS} concurrent senders; 2 shared cores (noisy)"
            )
            raw_rates, adapter_rates, sokbo_rates = [], [], []
            with tempfile.TemporaryDirectory() as tmp:
                for round_ in range(3):
                    await control(http, base, reset=True, enforce_channel_rate=False)
                    raw_rates.append(await raw_baseline(base, 1000, payload))
                    adapter_rates.append(await adapter_only(base, 1000, alert))
                    engine, _ = build_db(Path(tmp) / f"off{round_}.db", 1000, 1)
                    await control(http, base, reset=True)
                    sokbo_rates.append(await deliver_all(engine, base, pacing=False, expected=1000))
                    got = await stats(http, base)
                    assert got["posts"] == 1000, got
                    engine.dispose()
                raw, sokbo = statistics.median(raw_rates), statistics.median(sokbo_rates)
                print("1) pacing off, 1,000 channels × 1 story (median of 3)")
                print(
                    f"   raw aiohttp baseline : {raw:8.0f} msg/s   "
                    f"(rounds {', '.join(f'{r:.0f}' for r in raw_rates)})"
                )
                adapter = statistics.median(adapter_rates)
                print(
                    f"   SlackAdapter only    : {adapter:8.0f} msg/s   "
                    f"(rounds {', '.join(f'{r:.0f}' for r in adapter_rates)})"
                )
                print(
                    f"   sokbo outbox+adapter : {sokbo:8.0f} msg/s   "
                    f"(rounds {', '.join(f'{r:.0f}' for r in sokbo_rates)})"
                )
                print(f"   ratio adapter/raw    : {adapter / raw:8.2f}")
                print(f"   ratio sokbo/raw      : {sokbo / raw:8.2f}")

                await control(http, base, reset=True, enforce_channel_rate=True)
                engine, _ = build_db(Path(tmp) / "on.db", 1000, 1)
                rate = await deliver_all(engine, base, pacing=True, expected=1000)
                got = await stats(http, base)
                engine.dispose()
                print("2) pacing on (1 msg/s per channel, burst 3), server enforcing ~1 msg/s")
                print(
                    f"   1,000 channels × 1 story : {rate:8.0f} msg/s, "
                    f"429s caused: {got['pace_violations']}"
                )

                await control(http, base, reset=True, enforce_channel_rate=True)
                engine, _ = build_db(Path(tmp) / "per.db", 10, 10)
                start = time.perf_counter()
                await deliver_all(engine, base, pacing=True, expected=100)
                elapsed = time.perf_counter() - start
                got = await stats(http, base)
                engine.dispose()
                rates = [float(r) for r in got["channel_rates"]]  # type: ignore[attr-defined]
                print(
                    f"   10 channels × 10 stories : {elapsed:.1f} s; per-channel rate "
                    f"median {statistics.median(rates):.2f} msg/s (first 3 are a burst), "
                    f"max {got['max_in_one_second']} in any 1 s; "
                    f"429s caused: {got['pace_violations']} (target 0)"
                )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(main())
