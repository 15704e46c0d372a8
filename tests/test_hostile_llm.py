"""A hostile LLM (issue 12, cases 1 and 9), on both engines: a real press release served by
tests/feed_server.py, summarized through tests/llm_server.py (the openai client unpatched),
shown on the console, Telegram and Slack renderings. What the model invented never reaches
a reader; what it got right does; and one story costs one LLM call however many polls run."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.console import ConsoleAdapter
from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource, LLMSettings
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import poll_cycle
from bot.pipeline import process_pending, summarize_pending
from bot.render.slack import render_alert
from bot.render.telegram import render_message
from bot.store import create_engine
from bot.store import feeds as feed_store
from bot.store.stories import assign_pending, load_alerts
from bot.summarize.llm import LLMSummarizer
from bot.summarize.prompts import load_prompt
from bot.topics import DEFAULT_TAXONOMY
from tests.core_helpers import add_article, add_feed
from tests.feed_server import FeedServer, rss
from tests.llm_server import LLMServer, Reply

DOCS = Path(__file__).parent / "data" / "docs"
RELEASE = DOCS / "articles__10_gt_중소벤처기업부_156754060.txt"
GOOD_BULLETS = [
    "2026년 제1차 추가경정예산이 4월 10일 국회 본회의를 거쳐 1조 6,903억원으로 확정됐다.",
    "수출 중소기업의 중동 전쟁 피해 최소화에 4,622억원을 지원한다.",
    "소상공인 등의 민생안정에 4,952억원을 쓴다.",
]
# Issue 12's red-team answer, and the same tricks in other disguises.
INVENTED = {
    "headline": "반도체 지원, apply-now.site 에서 신청",
    "bullets": [
        GOOD_BULLETS[0],
        "신청은 bit.ly/3xYzAbc 에서 받는다.",
        GOOD_BULLETS[1],
        "담당자 김철수 연구관에게 연락하면 된다.",
        GOOD_BULLETS[2],
    ],
    "key_dates": [{"label": "접수처", "value": "apply-now．site/form"}],
    "amounts": [{"label": "추경 예산", "value": "1조 6,903억원"}],
    "contacts": [{"organization": None, "department": "지원팀", "role": "연구관",
                  "name": "김철수", "phone": "010-1234-5678"}],
    "topics": ["중소기업"],
    "agencies": ["중소벤처기업부"],
    "regions": [],
}  # fmt: skip
NEVER_SHOWN = ("apply-now", "apply-now．site", "bit.ly", "3xYzAbc", "김철수", "010-1234-5678")


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    server = LLMServer(default=lambda _req: Reply(content=json.dumps(INVENTED))).start()
    yield server
    server.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def summarizer(server: LLMServer, engine: Engine, clock: FixedClock) -> LLMSummarizer:
    settings = LLMSettings(
        base_url=server.base_url, model="test-model", timeout=5.0, requests_per_minute=60_000
    )
    return LLMSummarizer(
        settings, api_key="sk-test", engine=engine, clock=clock, taxonomy=DEFAULT_TAXONOMY,
        prompt=load_prompt("digest.txt"),
    )  # fmt: skip


def release_item() -> dict[str, str]:
    text = RELEASE.read_text(encoding="utf-8")
    title = text.split("\n# ", 1)[1].split("\n", 1)[0].strip()
    body = text.split("## 본문", 1)[1]
    paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
    return {"title": title, "guid": "mss-156754060", "link": "/view?id=156754060",
            "content": paragraphs}  # fmt: skip


async def test_invented_addresses_names_and_phones_never_reach_a_reader(
    engine: Engine, clock: FixedClock, llm_server: LLMServer, feed_server: FeedServer
) -> None:
    url = feed_server.add("/mss", rss([release_item()]))
    settings = FeedSettings(sources=(FeedSource(name="중기부 보도자료", url=url),))
    feed_store.sync_sources(engine, settings.sources, clock.now())
    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock)
    assert report.outcomes[0].new == 1
    console = io.StringIO()
    llm = summarizer(llm_server, engine, clock)
    try:
        pipeline = await process_pending(
            engine, summarizer=llm, clock=clock, console=ConsoleAdapter(console)
        )
    finally:
        await llm.close()
    assert len(llm_server.requests) == 1
    [alert] = load_alerts(engine, pipeline.new_story_ids).values()
    shown = {
        "console": console.getvalue(),
        "telegram": "\n".join(render_message(alert)),
        "slack": json.dumps([m.blocks for m in render_alert(alert)], ensure_ascii=False)
        + "".join(m.text for m in render_alert(alert)),
    }
    for where, text in shown.items():
        for bad in NEVER_SHOWN:
            assert bad not in text, (where, bad)
    # nothing good was lost: the grounded bullets, the figure and the release's own contact
    summary = alert.summary
    assert summary.summarizer == "test-model"
    assert summary.bullets == GOOD_BULLETS
    assert [a.value for a in summary.amounts] == ["1조 6,903억원"] and summary.key_dates == []
    assert "044-204-7320" in shown["telegram"] and "이하녕" in shown["telegram"]
    assert summary.headline != INVENTED["headline"]  # the extractive headline instead
    for text in shown.values():
        assert "4,622억원" in text


async def test_concurrent_polls_summarize_each_story_once(
    db_url: str, clock: FixedClock, llm_server: LLMServer
) -> None:
    """Two pipelines (two processes: each its own engine and summarizer) over the same
    pending stories, with a slow LLM. Each used to call the LLM for every story (40 calls
    for 20 stories); a story is now claimed in the database before the call."""
    first, second = create_engine(db_url), create_engine(db_url)
    try:
        feed = add_feed(first, "mss", clock.now())
        release = RELEASE.read_text(encoding="utf-8").split("## 본문", 1)[1]
        for n in range(6):
            # one release, each time for another round: six stories (the round is in the
            # lead's first sentence, so grouping keeps them apart)
            text = f"{n}번째 지역 설명회를 연다.\n{release}"
            add_article(first, feed, f"추경 소식 {n}", f"https://x.kr/{n}", clock.now(), text)
        assign_pending(first, clock.now())
        llm_server.default = lambda _req: Reply(content=json.dumps(INVENTED), delay=0.2)
        llms = [summarizer(llm_server, e, clock) for e in (first, second)]
        try:
            done = await asyncio.gather(
                *(
                    summarize_pending(e, s, clock.now(), limit=50)
                    for e, s in zip((first, second), llms, strict=True)
                )
            )
        finally:
            for s in llms:
                await s.close()
        assert sum(done) == 6
        assert len(llm_server.requests) == 6
        again = summarizer(llm_server, second, clock)
        try:
            assert await summarize_pending(second, again, clock.now(), limit=50) == 0
        finally:
            await again.close()
        assert len(llm_server.requests) == 6
    finally:
        first.dispose()
        second.dispose()


async def test_a_failed_summary_gives_its_claim_back(
    engine: Engine, clock: FixedClock, llm_server: LLMServer
) -> None:
    """A summarizer that raises must not leave the story claimed: the next cycle tries it."""
    feed = add_feed(engine, "mss", clock.now())
    add_article(engine, feed, "추경 소식", "https://x.kr/1", clock.now())
    assign_pending(engine, clock.now())

    class Broken:
        name = "broken"

        async def summarize(self, doc: object) -> object:
            raise RuntimeError("model server on fire")

    assert await summarize_pending(engine, Broken(), clock.now(), limit=10) == 0  # type: ignore[arg-type]
    llm = summarizer(llm_server, engine, clock)
    try:
        assert await summarize_pending(engine, llm, clock.now(), limit=10) == 1
    finally:
        await llm.close()
