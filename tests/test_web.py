"""The web archive over a real socket, on both engines: pages, bad input, Atom, health, metrics.

Stories are stored as the pipeline stores them (tests/search_corpus.add_story with a digest)
and indexed; the site is served by bot.web.server on 127.0.0.1 and read with httpx.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from bot import metrics
from bot.adapters.console import ConsoleAdapter
from bot.clock import FixedClock
from bot.config import Settings, WebSettings
from bot.outbox import Outbox
from bot.search import index_pending
from bot.store import create_engine
from bot.store import feeds as feed_store
from bot.store.chats import ensure_chat
from bot.store.deliveries import enqueue
from bot.topics import DEFAULT_TAXONOMY
from bot.types import ChatRef
from bot.web.listen import WebServer
from bot.web.queries import health
from bot.web.server import WebSite
from tests.search_corpus import add_feed, add_story

NOW = datetime(2026, 4, 11, 3, 0, tzinfo=UTC)


def digest(headline: str, **extra: object) -> dict[str, object]:
    return {"headline": headline, "bullets": [f"{headline} 내용을 발표했다."], **extra}


@pytest.fixture
def archive(engine: Engine) -> dict[str, int]:
    """Stories a day apart, newest last; names → story ids."""
    feed = add_feed(engine, "과기정통부 보도자료")
    ids = {}
    stories = [
        ("deeptech", "딥테크 스케일업 밸리 300억 지원", ["창업·벤처", "반도체"], ["과기정통부"],
         "과학기술정보통신부는 딥테크 창업 기업을 지원한다."),
        ("quantum", "양자 기술 실증 사업 공모", ["양자"], ["과기정통부"],
         "양자 컴퓨터 실증 사업을 공모한다."),
        ("script", "<script>alert('x')</script> 소상공인 지원", ["중소기업"], ["중기부"],
         "중소벤처기업부는 소상공인을 지원한다. <b>굵게</b>"),
    ]  # fmt: skip
    for i, (name, title, topics, agencies, text) in enumerate(stories):
        contacts = [{"department": "창업진흥과", "name": "홍길동", "phone": "044-202-4745"}]
        ids[name] = add_story(
            engine,
            feed,
            title=title,
            text=text,
            published_at=NOW - timedelta(days=len(stories) - i),
            summary=digest(title, topics=topics, agencies=agencies, contacts=contacts),
        )
    index_pending(engine)
    return ids


@pytest.fixture
async def site(engine: Engine, archive: dict[str, int]) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(web=WebSettings(page_size=2, base_url="https://sokbo.example.kr"))
    clock = FixedClock(NOW)
    web = WebSite(engine, settings, clock, DEFAULT_TAXONOMY, started_at=NOW)
    server = WebServer(web.build(), "127.0.0.1", 0)
    port = await server.start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield client
    await server.stop()
    web.pool.shutdown()


async def test_index_lists_digests_newest_first_and_pages(
    site: httpx.AsyncClient, archive: dict[str, int]
) -> None:
    first = await site.get("/")
    assert first.status_code == 200
    assert "text/html" in first.headers["content-type"]
    ids = [int(x) for x in re.findall(r'<h2><a href="/stories/(\d+)">', first.text)]
    assert ids == [archive["script"], archive["quantum"]]  # page_size 2, newest first
    assert "044-202-4745" in first.text and "창업진흥과 홍길동" in first.text  # 문의처
    # a phone is a tel: link that never wraps mid-number (issue 19)
    assert '<a class="tel" href="tel:0442024745">044-202-4745</a>' in first.text
    assert ".tel { white-space: nowrap; }" in first.text
    assert "2026-04-10 (금)" in first.text  # KST
    assert 'href="/?page=2"' in first.text
    second = await site.get("/?page=2")
    assert re.findall(r'<h2><a href="/stories/(\d+)">', second.text) == [str(archive["deeptech"])]
    assert "page=3" not in second.text
    beyond = await site.get("/?page=9")
    assert beyond.status_code == 200 and "이 쪽에는 소식이 없어요" in beyond.text


async def test_feed_and_llm_text_is_escaped(site: httpx.AsyncClient) -> None:
    page = await site.get("/")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 소상공인 지원" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("bad", ["-1", "0", "abc", "99999999", "1.5"])
async def test_bad_page_number_is_a_korean_400(site: httpx.AsyncClient, bad: str) -> None:
    answer = await site.get(f"/?page={bad}")
    assert answer.status_code == 400
    assert "페이지 번호는 1부터" in answer.text


async def test_topic_and_agency_pages(site: httpx.AsyncClient, archive: dict[str, int]) -> None:
    topic = await site.get("/topics/" + quote("반도체"))
    assert re.findall(r'<h2><a href="/stories/(\d+)">', topic.text) == [str(archive["deeptech"])]
    assert "반도체 소식" in topic.text
    alias = await site.get("/topics/" + quote("칩"), follow_redirects=False)
    assert alias.status_code == 302 and alias.headers["location"] == "/topics/" + quote("반도체")
    agency = await site.get("/agencies/" + quote("과학기술정보통신부"), follow_redirects=True)
    assert agency.url.path == "/agencies/과기정통부"
    found = re.findall(r'<h2><a href="/stories/(\d+)">', agency.text)
    assert found == [str(archive["quantum"]), str(archive["deeptech"])]
    unknown = await site.get("/topics/" + quote("없는주제"))
    assert unknown.status_code == 404
    assert (
        "&#39;없는주제&#39; 주제는 없어요" in unknown.text and 'href="/topics/AI"' in unknown.text
    )
    nobody = await site.get("/agencies/" + quote("우주청장"))
    assert nobody.status_code == 404 and "기관을 찾지 못했어요" in nobody.text


async def test_story_page_has_sources_contacts_and_preview_tags(
    site: httpx.AsyncClient, archive: dict[str, int]
) -> None:
    page = await site.get(f"/stories/{archive['deeptech']}")
    assert page.status_code == 200
    text = page.text
    assert '<meta property="og:title" content="딥테크 스케일업 밸리 300억 지원">' in text
    assert f'content="https://sokbo.example.kr/stories/{archive["deeptech"]}"' in text
    assert '<meta property="og:description" content="딥테크 스케일업 밸리 300억 지원 내용' in text
    assert "출처 1곳" in text and "과기정통부 보도자료" in text
    assert 'href="https://example.kr/a/' in text
    assert "044-202-4745" in text
    for missing in ("/stories/999999", "/stories/abc", "/stories/" + "9" * 40):
        answer = await site.get(missing)
        assert answer.status_code == 404, missing
        assert "소식을 찾을 수 없어요" in answer.text
    nowhere = await site.get("/no/such/page")
    assert nowhere.status_code == 404 and "페이지를 찾을 수 없어요" in nowhere.text


async def test_search_page(site: httpx.AsyncClient, archive: dict[str, int]) -> None:
    found = await site.get("/search", params={"q": "딥테크를"})
    assert found.status_code == 200
    assert f'href="/stories/{archive["deeptech"]}"' in found.text
    assert 'value="딥테크를"' in found.text  # the query stays in the box
    assert "<mark>딥테크</mark>" in found.text
    filtered = await site.get("/search", params={"q": "지원", "topic": "양자"})
    assert f'/stories/{archive["deeptech"]}"' not in filtered.text
    long_query = ("반도체 AI " * 2000)[:10_000]  # httpx refuses URLs over 64 KiB
    huge = await site.get("/search", params={"q": long_query})
    assert huge.status_code == 400 and "검색어가 너무 길어요(10,000자)" in huge.text
    only_excluded = await site.get("/search", params={"q": "-부동산"})
    assert only_excluded.status_code == 400 and "찾을 단어를 함께" in only_excluded.text
    bad_topic = await site.get("/search", params={"q": "지원", "topic": "없는주제"})
    assert bad_topic.status_code == 400 and "주제를 찾지 못했" in bad_topic.text
    bad_date = await site.get("/search", params={"q": "지원", "since": "어제"})
    assert bad_date.status_code == 400 and "2026-04-01 처럼" in bad_date.text
    for far in ("0001-01-01", "9999-12-31"):  # issue 21, item 8: was a 500 (OverflowError)
        out_of_range = await site.get("/search", params={"q": "지원", "since": far})
        assert out_of_range.status_code == 400, out_of_range.text
        assert f"1900년부터 2999년 사이로 적어 주세요 (받은 값: {far})" in out_of_range.text
    empty = await site.get("/search")
    assert empty.status_code == 200 and "찾을 말을 적어 주세요" in empty.text
    none = await site.get("/search", params={"q": "블록체인"})
    assert none.status_code == 200 and "찾지 못했어요" in none.text


async def test_atom_feed_parses(site: httpx.AsyncClient, archive: dict[str, int]) -> None:
    answer = await site.get("/feed.xml")
    assert answer.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    titles = [e.title for e in parsed.entries]
    assert titles[0] == "<script>alert('x')</script> 소상공인 지원"  # text, escaped in XML
    assert len(titles) == 3
    entry = parsed.entries[-1]
    assert entry.link == f"https://sokbo.example.kr/stories/{archive['deeptech']}"
    assert {t.term for t in entry.tags} == {"창업·벤처", "반도체"}
    assert "044-202-4745" in entry.content[0].value
    topic = feedparser.parse((await site.get("/feed.xml", params={"topic": "양자"})).content)
    assert [e.title for e in topic.entries] == ["양자 기술 실증 사업 공모"]
    assert topic.feed.title == "속보 — 양자 소식"
    unknown = await site.get("/feed.xml", params={"topic": "없는주제"})
    assert unknown.status_code == 404


async def test_healthz(site: httpx.AsyncClient, engine: Engine) -> None:
    feed_store.record_success(
        engine, 1, NOW - timedelta(minutes=5), poll_interval=300, etag=None, last_modified=None
    )
    answer = await site.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["feeds"] == {"ok": 1, "failing": 0, "never_polled": 0, "silent": 0}
    assert body["last_success_at"].startswith("2026-04-11T11:55")  # KST


def test_health_rules(engine: Engine) -> None:
    start = NOW - timedelta(hours=2)
    fresh = health(engine, now=NOW, started_at=start, poll_interval=300)
    assert fresh.healthy and fresh.reason == "no feeds to poll"
    feed = add_feed(engine, "피드")
    young = health(engine, now=NOW, started_at=NOW - timedelta(minutes=10), poll_interval=300)
    assert young.healthy  # not yet 3 intervals since the start
    stale = health(engine, now=NOW, started_at=start, poll_interval=300)
    assert not stale.healthy and "no feed fetched successfully yet" in stale.reason
    feed_store.record_success(
        engine, feed, NOW - timedelta(minutes=14), poll_interval=300, etag=None, last_modified=None
    )
    assert health(engine, now=NOW, started_at=start, poll_interval=300).healthy
    later = NOW + timedelta(minutes=2)  # 16 minutes > 3 x 5 minutes
    assert not health(engine, now=later, started_at=start, poll_interval=300).healthy


def test_health_database_unreachable(tmp_path: object) -> None:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = create_engine(f"postgresql://nobody@127.0.0.1:{port}/none")
    state = health(engine, now=NOW, started_at=NOW, poll_interval=300)
    engine.dispose()
    assert not state.healthy and not state.database
    assert state.reason.startswith("database unreachable")


async def test_healthz_503_when_database_is_gone(archive: dict[str, int]) -> None:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = create_engine(f"postgresql://nobody@127.0.0.1:{port}/none")
    web = WebSite(engine, Settings(), FixedClock(NOW), DEFAULT_TAXONOMY)
    server = WebServer(web.build(), "127.0.0.1", 0)
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.get("/healthz")
            assert answer.status_code == 503
            assert answer.json()["database"] == "unreachable"
            page = await client.get("/")  # a page without a database: a Korean 500 page
            assert page.status_code == 500 and "잠시 문제가 생겼어요" in page.text
    finally:
        await server.stop()
        web.pool.shutdown()
        engine.dispose()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_metrics_scrape_and_delivery_counter(
    site: httpx.AsyncClient, engine: Engine, archive: dict[str, int]
) -> None:
    before = _samples((await site.get("/metrics")).text)
    assert before[("sokbo_articles", ())] == 3
    assert before[("sokbo_stories", (("summarized", "yes"),))] == 3
    assert before[("sokbo_feeds", (("state", "never_polled"),))] == 1
    assert before[("sokbo_outbox_depth", ())] == 0
    assert ("process_resident_memory_bytes", ()) in before
    chat = ensure_chat(
        engine, ChatRef("console", "web-test"), kind="private", now=NOW, max_chats=10
    )
    enqueue(engine, [chat.id], archive["deeptech"], NOW - timedelta(minutes=3))
    queued = _samples((await site.get("/metrics")).text)
    assert queued[("sokbo_outbox_depth", ())] == 1
    assert queued[("sokbo_outbox_oldest_pending_seconds", ())] == 180
    key = ("sokbo_deliveries_total", (("outcome", "sent"), ("platform", "console")))
    outbox = Outbox(engine, {"console": ConsoleAdapter()}, FixedClock(NOW), Settings().delivery)
    assert await outbox.drain_once() == 1
    after = _samples((await site.get("/metrics")).text)
    assert after.get(key, 0) == before.get(key, 0) + 1
    assert after[("sokbo_outbox_depth", ())] == 0
    page_key = ("sokbo_web_requests_total", (("page", "/metrics"), ("status", "200")))
    assert after[page_key] >= 2  # a scrape is counted once answered


def test_summary_path() -> None:
    assert metrics.summary_path("gpt-4o-mini", "gpt-4o-mini") == "llm"
    assert metrics.summary_path("extractive", "gpt-4o-mini") == "fallback"
    assert metrics.summary_path("extractive", "extractive") == "extractive"


def test_web_reads_only(engine: Engine, archive: dict[str, int]) -> None:
    """Serving every page leaves the database as it was."""

    def snapshot() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            return [
                tuple(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
                    "feeds", "stories", "articles", "search_docs", "deliveries", "chats"))
            ]  # fmt: skip

    before = snapshot()

    async def visit() -> None:
        web = WebSite(engine, Settings(), FixedClock(NOW), DEFAULT_TAXONOMY)
        server = WebServer(web.build(), "127.0.0.1", 0)
        port = await server.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for path in ("/", "/feed.xml", "/healthz", "/metrics", "/search?q=지원",
                         f"/stories/{archive['quantum']}", "/topics/AI"):  # fmt: skip
                assert (await client.get(path)).status_code < 500
        await server.stop()
        web.pool.shutdown()

    asyncio.run(visit())
    assert snapshot() == before
