"""poll_cycle end to end: a real HTTP server on 127.0.0.1 serving good and broken feeds, stored on
both engines. Every broken feed gets its error in words, the others are processed, nothing
stored before is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource
from bot.errors import SokboError
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import CycleReport, poll_cycle, run_polling
from bot.feeds.writer import CycleWriter
from bot.store import articles as article_store
from bot.store import create_engine, schema
from bot.store import feeds as feed_store
from bot.store.articles import UpsertResult
from bot.store.feeds import FeedFailure, FeedSuccess
from bot.types import Article, Contact
from tests.feed_server import FeedServer, rss

GOOD = [
    {"title": "중기부 추경 확정", "guid": "mss-1", "link": "/view?id=1",
     "pubDate": "Fri, 10 Apr 2026 22:42:00 +0900",
     "content": "<p>중소벤처기업부는 추경이 확정되었다고 밝혔다. 총 1조 6,903억원이다.</p>"
                "<p>문의: 정책총괄과 사무관 홍길동 (044-204-7320)</p>"},
    {"title": "국토부 추경", "guid": "molit-1", "link": "/view?id=2", "description": "국토부 본문"},
]  # fmt: skip


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def settings_for(sources: list[FeedSource]) -> FeedSettings:
    return FeedSettings(
        connect_timeout=1, read_timeout=0.5, total_timeout=2, max_bytes=20_000,
        max_redirects=3, backoff_initial=60, backoff_max=3600, poll_interval=300,
        sources=tuple(sources),
    )  # fmt: skip


def routes(server: FeedServer) -> dict[str, str]:
    """name → URL of every fault the issue names, plus two good feeds."""
    good2 = rss([{"title": "둘째 피드 글", "guid": "b-1", "description": "내용"}])
    dup = rss(GOOD[1:] + GOOD[1:] + [{"title": "다른 글", "guid": "d-2", "description": "x"}])
    server.add("/loop-b", location="/loop-a")
    return {
        "good": server.add("/good", rss(GOOD), etag='"v1"', gzip=True),
        "good2": server.add("/good2", good2),
        "malformed": server.add(
            "/malformed", rss(GOOD[1:]).replace("</channel></rss>", "<item><title>잘린 & 글")
        ),
        "html": server.add(
            "/html",
            "<!DOCTYPE html><html><body>점검 중</body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "empty": server.add("/empty", ""),
        "big": server.add(
            "/big", rss([{"title": "큰 글", "guid": "x", "description": "가" * 20_000}])
        ),
        "hang": server.add("/hang", hang=True),
        "404": server.add("/404", "no", status=404),
        "500": server.add("/500", "boom", status=500),
        "429": server.add("/429", "wait", status=429, headers={"Retry-After": "900"}),
        "loop": server.add("/loop-a", location="/loop-b"),
        "encoding": server.add(
            "/enc", rss([{"title": "인코딩 글", "guid": "e-1"}]).encode("cp949")
        ),
        "duplicates": server.add("/dup", dup),
    }


EXPECTED_ERRORS = {
    "html": "not a feed (HTML page)",
    "empty": "empty response body",
    "big": "response larger than 20000 bytes",
    "hang": "timed out after 0.5 s waiting for data",
    "404": "HTTP 404 Not Found",
    "500": "HTTP 500 Internal Server Error",
    "429": "HTTP 429 Too Many Requests (retry after 900 s)",
}


async def cycle(engine: Engine, settings: FeedSettings, clock: FixedClock) -> CycleReport:
    async with Fetcher(settings) as fetcher:
        return await poll_cycle(engine, fetcher, settings, clock)


async def test_every_fault_recorded_others_processed_nothing_lost(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    urls = routes(server)
    sources = [FeedSource(name=name, url=url) for name, url in urls.items()]
    settings = settings_for(sources)
    feed_store.sync_sources(engine, sources, clock.now())
    ids = {f.name: f.id for f in feed_store.list_feeds(engine)}

    report = await cycle(engine, settings, clock)
    by_name = {o.feed.name: o for o in report.outcomes}
    assert len(by_name) == len(urls)
    for name, error in EXPECTED_ERRORS.items():
        assert (by_name[name].status, by_name[name].error) == ("failed", error), name
    assert by_name["loop"].status == "failed"
    assert by_name["loop"].error is not None and by_name["loop"].error.startswith("redirect loop")
    assert (by_name["good"].status, by_name["good"].new) == ("ok", 2)
    assert (by_name["good2"].status, by_name["good2"].new) == ("ok", 1)
    assert by_name["malformed"].status == "partial" and by_name["malformed"].new >= 1
    assert by_name["encoding"].status == "partial"
    assert by_name["encoding"].error == "declared encoding utf-8 is wrong; decoded as cp949"
    assert by_name["duplicates"].new == 2
    titles = {a.title for a in report.new}
    assert {"중기부 추경 확정", "국토부 추경", "인코딩 글", "둘째 피드 글", "다른 글"} <= titles
    first = next(a for a in report.new if a.guid == "mss-1")
    assert first.url == server.url("/view?id=1")
    assert first.contacts == (  # extracted by the parse step from the item's Document
        Contact(department="정책총괄과", role="사무관", name="홍길동", phone="044-204-7320"),
    )

    # the failures are recorded in words with a backoff; Retry-After pushes the 429 feed back
    feeds = {f.name: f for f in feed_store.list_feeds(engine)}
    for name, error in EXPECTED_ERRORS.items():
        assert feeds[name].last_error == error
        assert feeds[name].consecutive_failures == 1
    assert feeds["429"].next_poll_at == clock.now().replace(microsecond=0) + _seconds(900)
    assert feeds["404"].next_poll_at == clock.now().replace(microsecond=0) + _seconds(60)
    stored_before = article_store.count_articles(engine)
    # each fetch's time was kept (for due_feeds' order), a timed-out one's too
    with engine.connect() as conn:
        query = sa.select(schema.feeds.c.name, schema.feeds.c.last_fetch_seconds)
        took = {name: seconds for name, seconds in conn.execute(query)}
    assert took["hang"] >= 0.5 and took["good"] < 0.5
    assert all(seconds is not None for seconds in took.values())

    # second cycle: the good feed edited one item (new ETag), good2 answers 304 by content
    clock.advance(300)
    edited_doc = rss([dict(GOOD[0], content="<p>정정: 총 1조 7,000억원이다.</p>"), GOOD[1]])
    server.add("/good", edited_doc, etag='"v2"', gzip=True)
    server.routes["/hang"].hang = False  # the silent server answers garbage now
    server.routes["/hang"].body = b"<<<"
    report2 = await cycle(engine, settings, clock)
    by_name2 = {o.feed.name: o for o in report2.outcomes}
    assert "429" not in by_name2  # still waiting for Retry-After
    assert [a.guid for a in report2.edited] == ["mss-1"]
    assert report2.edited[0].text == "정정: 총 1조 7,000억원이다."
    assert by_name2["good"].new == 0 and by_name2["good"].edited == 1
    assert by_name2["hang"].error is not None and by_name2["hang"].error.startswith("not a feed")
    assert article_store.count_articles(engine) == stored_before  # nothing lost, nothing doubled
    assert server.hits("/good")[-1].get("if-none-match") == '"v1"'

    # third cycle: ETag unchanged → 304, no parse, no change
    clock.advance(300)
    report3 = await cycle(engine, settings, clock)
    assert {o.feed.name: o.status for o in report3.outcomes}["good"] == "not_modified"
    assert article_store.count_articles(engine) == stored_before
    feeds = {f.name: f for f in feed_store.list_feeds(engine)}
    assert feeds["404"].consecutive_failures == 3
    assert feeds["good"].consecutive_failures == 0
    assert ids == {f.name: f.id for f in feed_store.list_feeds(engine)}


def _seconds(n: float) -> object:
    from datetime import timedelta

    return timedelta(seconds=n)


async def test_feeds_list_shows_errors(
    db_url: str, server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = server.add("/ok", rss(GOOD))
    broken = server.add("/broken", "<!doctype html><html></html>")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n[feeds]\nread_timeout = 1\n'
        f'[[feeds.sources]]\nname = "좋은 피드"\nurl = "{ok}"\n'
        f'[[feeds.sources]]\nname = "깨진 피드"\nurl = "{broken}"\n',
        encoding="utf-8",
    )
    assert await asyncio.to_thread(main, ["poll", "--once", "--config", str(config)]) == 0
    out = capsys.readouterr()
    assert "중기부 추경 확정" in out.out and "[속보] 중기부" not in out.out  # April: old news
    assert "깨진 피드: not a feed (HTML page)" in out.err
    assert await asyncio.to_thread(main, ["feeds", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    # its items are from April 2026 and the CLI runs on the wall clock: read, but silent
    assert "좋은 피드" in listing and "status:       silent: nothing new for" in listing
    assert "last error:   not a feed (HTML page)" in listing
    assert "failing (1 consecutive failures)" in listing
    assert "recovered since" not in listing
    # the broken feed works again: its old error stays visible, said to be behind it
    engine = create_engine(db_url)
    try:
        broken_feed = next(f for f in feed_store.list_feeds(engine) if f.name == "깨진 피드")
        feed_store.record_success(
            engine, broken_feed.id, datetime.now(UTC), poll_interval=300, etag=None,
            last_modified=None,
        )  # fmt: skip
    finally:
        engine.dispose()
    assert await asyncio.to_thread(main, ["feeds", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "not a feed (HTML page)" in listing and ", recovered since)" in listing


async def test_run_polling_service_stops_and_reports(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    url = server.add("/s", rss(GOOD))
    settings = settings_for(
        [FeedSource(name="서비스", url=url), FeedSource(name="죽은", url=server.url("/404x"))]
    )
    stop = asyncio.Event()
    reports: list[CycleReport] = []

    async def after(report: CycleReport) -> None:
        reports.append(report)
        stop.set()

    await asyncio.wait_for(run_polling(engine, settings, clock, stop, after), timeout=10)
    assert len(reports) == 1 and reports[0].new_count == 2  # counts: the bodies are stored
    assert [o.error for o in reports[0].failed] == ["HTTP 404 Not Found"]


def _articles(feed_id: int, prefix: str, n: int = 3) -> tuple[Article, ...]:
    from datetime import UTC, datetime

    return tuple(
        Article(
            feed_id=feed_id,
            guid=f"{prefix}-{i}",
            url=f"https://x.kr/{prefix}/{i}",
            title=f"{prefix} {i}",
            text="본문",
            published_at=datetime(2026, 4, 10, tzinfo=UTC),
            content_hash=f"h{i}",
        )
        for i in range(n)
    )


async def test_writer_stores_many_feeds_in_one_transaction_and_isolates_a_bad_one(
    engine: Engine, clock: FixedClock
) -> None:
    sources = [FeedSource(name=n, url=f"https://{n}.kr/") for n in ("a", "b", "c", "d")]
    a, b, c, d = feed_store.sync_sources(engine, sources, clock.now())
    settings = settings_for(sources)
    commits = []
    sa.event.listen(engine, "commit", lambda conn: commits.append(1))
    async with CycleWriter(engine, settings, clock, linger=0.2) as writer:
        writer.not_modified(d.id, clock.now())
        got = await asyncio.gather(
            writer.store(_articles(a.id, "a"), FeedSuccess(a.id, '"a1"', None)),
            writer.store(_articles(b.id, "b"), FeedSuccess(b.id, None, "Fri, 10 Apr", "경고")),
            writer.fail(FeedFailure(c.id, "HTTP 500")),
        )
    assert len(commits) == 1  # one transaction for the whole batch
    stored_a, stored_b, next_poll = got
    assert isinstance(stored_a, UpsertResult) and isinstance(stored_b, UpsertResult)
    assert [x.guid for x in stored_a.new] == ["a-0", "a-1", "a-2"]
    assert {x.feed_id for x in stored_b.new} == {b.id}
    assert next_poll == clock.now() + _seconds(60)
    feeds = {f.id: f for f in feed_store.list_feeds(engine)}
    assert feeds[a.id].etag == '"a1"' and feeds[b.id].last_modified == "Fri, 10 Apr"
    assert feeds[b.id].last_error == "경고" and feeds[c.id].consecutive_failures == 1
    assert feeds[d.id].last_success_at == clock.now()

    # an item the database refuses (its feed does not exist) fails only its own feed
    commits.clear()
    clock.advance(300)
    edited = tuple(replace(x, text="고친 본문", content_hash="new") for x in _articles(a.id, "a"))
    async with CycleWriter(engine, settings, clock, linger=0.2) as writer:
        results = await asyncio.gather(
            writer.store(edited, FeedSuccess(a.id, '"a2"', None)),
            writer.store(_articles(9999, "ghost"), FeedSuccess(9999, '"g"', None)),
            writer.store(
                _articles(b.id, "b") + _articles(b.id, "b"), FeedSuccess(b.id, None, None)
            ),
            return_exceptions=True,
        )
    assert isinstance(results[1], Exception)
    first, _, again = results
    assert isinstance(first, UpsertResult) and len(first.edited) == 3 and first.new == ()
    assert isinstance(again, UpsertResult) and again.new == again.edited == ()  # duplicates
    assert article_store.count_articles(engine) == 6
    assert feed_store.get_feed(engine, a.id).etag == '"a2"'  # type: ignore[union-attr]


def test_a_crash_mid_cycle_keeps_what_was_committed_and_saves_no_validator_alone(
    engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = [FeedSource(name=n, url=f"https://{n}.kr/") for n in ("a", "b")]
    a, b = feed_store.sync_sources(engine, sources, clock.now())
    settings = settings_for(sources)
    real = feed_store.record_successes

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed mid-transaction")

    async def cycle_killed_in_its_second_batch() -> None:
        async with CycleWriter(engine, settings, clock, linger=0) as writer:
            await writer.store(_articles(a.id, "a"), FeedSuccess(a.id, '"a1"', None))
            monkeypatch.setattr(feed_store, "record_successes", crash)
            await writer.store(_articles(b.id, "b"), FeedSuccess(b.id, '"b1"', None))

    with pytest.raises(SystemExit):  # escapes the event loop, as a kill would end the process
        asyncio.run(cycle_killed_in_its_second_batch())
    monkeypatch.setattr(feed_store, "record_successes", real)
    assert article_store.count_articles(engine, a.id) == 3
    assert feed_store.get_feed(engine, a.id).etag == '"a1"'  # type: ignore[union-attr]
    assert article_store.count_articles(engine, b.id) == 0  # rolled back with its validator
    assert feed_store.get_feed(engine, b.id).etag is None  # type: ignore[union-attr]


async def test_validators_are_saved_only_with_the_items(
    engine: Engine, server: FeedServer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a feed's items cannot be stored, its ETag is not saved either: otherwise the next
    cycle's 304 would hide items that were never stored. The other feed is not affected."""
    urls = {
        "ok": server.add("/ok", rss(GOOD), etag='"ok1"'),
        "bad": server.add("/bad", rss([{"title": "안 저장된 글", "guid": "b-1"}]), etag='"bad1"'),
    }
    sources = [FeedSource(name=name, url=url) for name, url in urls.items()]
    settings = settings_for(sources)
    feed_store.sync_sources(engine, sources, clock.now())
    ids = {f.name: f.id for f in feed_store.list_feeds(engine)}
    real = feed_store.record_successes

    def refuse_bad(conn: object, successes: list[FeedSuccess], *a: object, **kw: object) -> None:
        if any(s.feed_id == ids["bad"] for s in successes):
            raise SokboError("disk full")
        real(conn, successes, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(feed_store, "record_successes", refuse_bad)
    report = await cycle(engine, settings, clock)
    by_name = {o.feed.name: o for o in report.outcomes}
    assert (by_name["ok"].status, by_name["ok"].new) == ("ok", 2)
    assert (by_name["bad"].status, by_name["bad"].error) == ("failed", "SokboError: disk full")
    assert article_store.count_articles(engine, ids["bad"]) == 0
    bad = feed_store.get_feed(engine, ids["bad"])
    assert bad is not None and bad.etag is None and bad.consecutive_failures == 1
    assert feed_store.get_feed(engine, ids["ok"]).etag == '"ok1"'  # type: ignore[union-attr]

    monkeypatch.setattr(feed_store, "record_successes", real)
    clock.advance(300)
    report2 = await cycle(engine, settings, clock)
    by_name = {o.feed.name: o for o in report2.outcomes}
    assert server.hits("/bad")[-1].get("if-none-match") is None  # fetched in full again
    assert (by_name["bad"].status, by_name["bad"].new) == ("ok", 1)
    assert by_name["ok"].status == "not_modified"
    assert [a.title for a in report2.new] == ["안 저장된 글"]
    bad = feed_store.get_feed(engine, ids["bad"])
    assert bad is not None and bad.etag == '"bad1"' and bad.consecutive_failures == 0
