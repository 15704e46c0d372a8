"""A feed that answers 200 with the bytes it sent last time is not parsed again (issue 22).

Many feeds send no ETag or Last-Modified, or ignore a conditional request. The hash of the
last answer whose items were all stored is kept (``feeds.body_hash``, with the parser's build
version); the same bytes again are recorded as a 304 is — success time, failures reset, next
poll, item count, dates and rhythm as they were — without reaching the parser. What is kept
is only ever written with the items: a body that failed to parse or to store is parsed again.

Whether a body reached the parser is read from the cycle's timeline (SOKBO_POLL_TRACE's), which
poll marks when it hands a document to the parser and gets it back: the real signal, not a
mock. A real HTTP server on 127.0.0.1; the store on both engines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

import bot.feeds.parse
from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import CycleReport, FeedOutcome, poll_cycle
from bot.feeds.timeline import Timeline
from bot.sources.health import feed_health
from bot.store import articles as article_store
from bot.store import feeds as feed_store
from bot.types import Feed
from tests.feed_server import FeedServer, rss

ITEMS = [
    {"title": "중기부 수출 바우처 공고", "guid": "v-1", "link": "/v/1",
     "pubDate": "Fri, 10 Apr 2026 09:00:00 +0900",
     "description": "<p>중소벤처기업부는 수출 바우처 사업을 공고했다.</p>"
                    "<p>문의: 수출지원과 사무관 홍길동 (044-204-7320)</p>"},
    {"title": "국토부 주택 공급 대책", "guid": "v-2", "link": "/v/2",
     "pubDate": "Thu, 09 Apr 2026 10:00:00 +0900", "description": "<p>국토부 본문이다.</p>"},
    {"title": "환경부 대기 관리 계획", "guid": "v-3", "link": "/v/3",
     "pubDate": "Wed, 08 Apr 2026 10:00:00 +0900", "description": "<p>환경부 본문이다.</p>"},
]  # fmt: skip
NEW = {
    "title": "과기정통부 양자 전략 발표",
    "guid": "v-4",
    "link": "/v/4",
    "pubDate": "Fri, 10 Apr 2026 15:00:00 +0900",
    "description": "<p>과학기술정보통신부는 양자 전략을 발표했다.</p>",
}
REFUSED = {
    "title": "저장이 거부될 글",
    "guid": "refuse-1",
    "link": "/v/9",
    "pubDate": "Fri, 10 Apr 2026 16:00:00 +0900",
    "description": "<p>데이터베이스가 이 글을 받지 않는다.</p>",
}
SETTINGS = dict(poll_interval=300, backoff_initial=60, backoff_max=3600)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


class Poller:
    """One feed on the local server, polled as `poll --once` does, each cycle traced."""

    def __init__(self, engine: Engine, clock: FixedClock, url: str) -> None:
        self.engine, self.clock = engine, clock
        self.settings = FeedSettings(**SETTINGS, sources=(FeedSource(name="부처", url=url),))
        [self.feed_id] = [f.id for f in feed_store.sync_sources(engine, self.settings.sources,
                                                                clock.now())]  # fmt: skip
        self.timeline = Timeline()
        self.report: CycleReport | None = None

    async def poll(self) -> FeedOutcome:
        self.timeline = Timeline()
        async with Fetcher(self.settings) as fetcher:
            self.report = await poll_cycle(
                self.engine, fetcher, self.settings, self.clock, timeline=self.timeline
            )
        [outcome] = self.report.outcomes
        return outcome

    @property
    def parsed(self) -> bool:
        """Whether the last cycle handed the feed's answer to the parser (and got it back)."""
        marks = self.timeline.feeds[self.feed_id]
        assert "fetched" in marks and "done" in marks  # the feed was fetched and recorded
        return "parse_sent" in marks and "parsed" in marks

    @property
    def feed(self) -> Feed:
        feed = feed_store.get_feed(self.engine, self.feed_id)
        assert feed is not None
        return feed


async def test_the_same_bytes_again_are_recorded_as_unchanged_without_parsing(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    # no ETag nor Last-Modified: every poll is answered 200 with the whole document
    url = server.add("/feed", rss(ITEMS))
    poller = Poller(engine, clock, url)
    first = await poller.poll()
    assert (first.status, first.new, poller.parsed) == ("ok", 3, True)
    stored = poller.feed
    assert stored.body_hash is not None and stored.item_count == 3

    clock.advance(300)
    again = await poller.poll()
    assert (again.status, again.new, again.edited, again.items) == ("unchanged", 0, 0, 3)
    assert not poller.parsed
    assert len(server.hits("/feed")) == 2  # fetched in full, only the parse is skipped
    assert again.next_poll_at == clock.now() + timedelta(seconds=300)
    feed = poller.feed
    assert feed.last_success_at == clock.now() and feed.next_poll_at == again.next_poll_at
    assert (feed.body_hash, feed.item_count, feed.newest_item_at, feed.rhythm_seconds) == (
        stored.body_hash, 3, stored.newest_item_at, stored.rhythm_seconds,
    )  # fmt: skip
    assert feed.last_new_at == stored.last_new_at  # nothing new came: silence counts on
    assert article_store.count_articles(engine, poller.feed_id) == 3

    # a failure in between, then the same bytes: the failures are reset as by a 304
    server.add("/feed", "boom", status=500)
    clock.advance(300)
    failed = await poller.poll()
    assert failed.status == "failed" and poller.feed.consecutive_failures == 1
    assert feed_health(poller.feed, clock.now()).state == "failing"
    server.add("/feed", rss(ITEMS))
    clock.advance(3600)
    back = await poller.poll()
    assert (back.status, poller.parsed) == ("unchanged", False)
    feed = poller.feed
    assert (feed.consecutive_failures, feed.last_success_at) == (0, clock.now())
    assert feed_health(feed, clock.now()).state == "ok"

    # weeks of the same bytes: the feed is named silent from the dates it was last parsed with
    clock.advance(30 * 86400)
    quiet = await poller.poll()
    assert (quiet.status, poller.parsed) == ("unchanged", False)
    health = feed_health(poller.feed, clock.now())
    assert health.state == "silent" and health.silence is not None
    assert health.silence.kind == "quiet"


async def test_new_validators_of_the_same_bytes_are_kept(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    """A server that sends an ETag but never answers 304 (it ignores If-None-Match)."""
    url = server.add("/feed", rss(ITEMS), headers={"ETag": '"a"'})
    poller = Poller(engine, clock, url)
    await poller.poll()
    server.add("/feed", rss(ITEMS), headers={"ETag": '"b"', "Last-Modified": "Fri, 10 Apr 2026"})
    clock.advance(300)
    outcome = await poller.poll()
    assert (outcome.status, poller.parsed) == ("unchanged", False)
    assert server.hits("/feed")[-1].get("if-none-match") == '"a"'
    assert (poller.feed.etag, poller.feed.last_modified) == ('"b"', "Fri, 10 Apr 2026")


async def test_changed_bytes_are_parsed_and_become_the_kept_hash(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    url = server.add("/feed", rss(ITEMS))
    poller = Poller(engine, clock, url)
    await poller.poll()
    before = poller.feed.body_hash

    server.add("/feed", rss([NEW, *ITEMS]))
    clock.advance(300)
    outcome = await poller.poll()
    assert (outcome.status, outcome.new, outcome.items, poller.parsed) == ("ok", 1, 4, True)
    assert poller.report is not None and [a.title for a in poller.report.new] == [NEW["title"]]
    after = poller.feed.body_hash
    assert after is not None and after != before

    # one byte differs (a server's timestamp comment): parsed, and nothing changes
    server.add("/feed", rss([NEW, *ITEMS]) + "<!-- 2026-04-10 23:10 -->")
    clock.advance(300)
    outcome = await poller.poll()
    assert (outcome.status, outcome.new, poller.parsed) == ("ok", 0, True)
    assert poller.feed.body_hash not in (None, after)


async def test_a_new_build_version_parses_the_same_bytes_again(
    engine: Engine, server: FeedServer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.add("/feed", rss(ITEMS))
    poller = Poller(engine, clock, url)
    await poller.poll()
    clock.advance(300)
    assert ((await poller.poll()).status, poller.parsed) == ("unchanged", False)
    kept = poller.feed.body_hash
    sources = article_store.source_hashes(engine, poller.feed_id)

    # building changed: the same bytes are read again (and their items built again)
    monkeypatch.setattr(bot.feeds.parse, "BUILD_VERSION", "test-next")
    clock.advance(300)
    outcome = await poller.poll()
    assert (outcome.status, outcome.new, outcome.items, poller.parsed) == ("ok", 0, 3, True)
    rebuilt = poller.feed.body_hash
    assert rebuilt is not None and rebuilt != kept
    rebuilt_sources = article_store.source_hashes(engine, poller.feed_id)
    assert sorted(rebuilt_sources) == sorted(sources) == ["v-1", "v-2", "v-3"]
    assert not set(rebuilt_sources.values()) & set(sources.values())  # each built again
    clock.advance(300)
    assert ((await poller.poll()).status, poller.parsed) == ("unchanged", False)


def _refuse_guids_from(engine: Engine, prefix: str) -> None:
    """The database itself refuses to store articles whose guid starts with ``prefix`` (a
    real refusal of the insert, on either engine), as a full disk or a constraint would."""
    refused = f"substr(NEW.guid, 1, {len(prefix)}) = '{prefix}'"
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_some BEFORE INSERT ON articles "
                f"WHEN {refused} BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_some() RETURNS trigger AS $$ BEGIN "
                f"IF {refused} THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_some BEFORE INSERT ON articles "
                "FOR EACH ROW EXECUTE FUNCTION refuse_some()"
            )


def _allow_all(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER refuse_some")
        else:
            conn.exec_driver_sql("DROP TRIGGER refuse_some ON articles")
            conn.exec_driver_sql("DROP FUNCTION refuse_some()")


async def test_a_body_whose_items_were_not_stored_is_not_kept_as_done(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    url = server.add("/feed", rss(ITEMS))
    poller = Poller(engine, clock, url)
    await poller.poll()
    kept = poller.feed.body_hash

    # a new body whose only new item the database refuses: the feed fails, the hash kept
    # is still the last body stored in full, so the new bytes are parsed again next time
    _refuse_guids_from(engine, "refuse-")
    server.add("/feed", rss([REFUSED, *ITEMS]))
    clock.advance(300)
    outcome = await poller.poll()
    assert (outcome.status, poller.parsed) == ("failed", True)
    assert poller.feed.body_hash == kept
    clock.advance(3600)
    outcome = await poller.poll()
    assert (outcome.status, poller.parsed) == ("failed", True)  # not skipped as unchanged

    # one item refused beside a stored one: partly stored, so not done either
    server.add("/feed", rss([REFUSED, NEW, *ITEMS]))
    clock.advance(3600)
    outcome = await poller.poll()
    assert (outcome.status, outcome.new, poller.parsed) == ("partial", 1, True)
    assert poller.feed.body_hash is None
    clock.advance(300)
    outcome = await poller.poll()  # the stored item is known now; the refused one is not
    assert (outcome.status, outcome.new, poller.parsed) == ("failed", 0, True)
    assert poller.feed.body_hash is None

    # the database takes it now: stored, kept as done, then skipped
    _allow_all(engine)
    clock.advance(300)
    outcome = await poller.poll()
    assert (outcome.status, outcome.new, poller.parsed) == ("ok", 1, True)
    assert poller.feed.body_hash is not None
    clock.advance(300)
    assert ((await poller.poll()).status, poller.parsed) == ("unchanged", False)
    assert article_store.count_articles(engine, poller.feed_id) == 5


def test_a_crash_while_storing_keeps_no_hash(
    engine: Engine, server: FeedServer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed inside the transaction that stores the items: nothing of it is committed, the
    hash neither, and the same bytes are parsed and stored in full by the next poll."""
    url = server.add("/feed", rss(ITEMS))
    poller = Poller(engine, clock, url)
    real = article_store.upsert_in

    def killed(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed mid-transaction")

    monkeypatch.setattr(article_store, "upsert_in", killed)
    with pytest.raises(SystemExit):  # escapes the event loop, as a kill would end the process
        asyncio.run(poller.poll())
    monkeypatch.setattr(article_store, "upsert_in", real)
    assert poller.feed.body_hash is None and article_store.count_articles(engine) == 0
    outcome = asyncio.run(poller.poll())  # still due: nothing recorded
    assert (outcome.status, outcome.new, poller.parsed) == ("ok", 3, True)


async def test_a_body_read_with_a_warning_or_an_item_dated_ahead_is_parsed_each_time(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    malformed = rss(ITEMS).replace("</channel></rss>", "<item><title>잘린 & 글")
    url = server.add("/feed", malformed)
    poller = Poller(engine, clock, url)
    for _ in range(2):  # its warning is shown each time, as before
        outcome = await poller.poll()
        assert (outcome.status, poller.parsed) == ("partial", True)
        assert outcome.error is not None and "malformed document" in outcome.error
        assert poller.feed.body_hash is None
        clock.advance(300)

    # an item dated an hour ahead: not done until its date has passed (the feed's newest
    # date then moves to it), then kept
    ahead = dict(NEW, guid="v-ahead", pubDate="Sat, 11 Apr 2026 09:30:00 +0900")
    server.add("/feed", rss([ahead, *ITEMS]))
    assert clock.now() < datetime(2026, 4, 11, 0, 30, tzinfo=UTC)
    outcome = await poller.poll()
    assert (outcome.status, poller.parsed) == ("ok", True) and poller.feed.body_hash is None
    newest = poller.feed.newest_item_at
    clock.current = datetime(2026, 4, 11, 1, 0, tzinfo=UTC)
    outcome = await poller.poll()
    assert (outcome.status, poller.parsed) == ("ok", True) and poller.feed.body_hash is not None
    assert poller.feed.newest_item_at == datetime(2026, 4, 11, 0, 30, tzinfo=UTC) != newest
    clock.advance(300)
    assert ((await poller.poll()).status, poller.parsed) == ("unchanged", False)


async def test_the_writer_records_the_same_bytes_in_the_batch_transaction(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    """Many feeds in one cycle, some changed, some the same bytes, one failing: each gets its
    own outcome, and the hashes kept are those of the feeds stored in full."""
    items = {k: [dict(i, guid=f"{k}-{i['guid']}") for i in ITEMS] for k in range(6)}
    urls = {f"f{k}": server.add(f"/f{k}", rss(items[k])) for k in range(6)}
    sources = tuple(FeedSource(name=n, url=u) for n, u in urls.items())
    settings = FeedSettings(**SETTINGS, sources=sources)
    feed_store.sync_sources(engine, sources, clock.now())
    async with Fetcher(settings) as fetcher:
        first = await poll_cycle(engine, fetcher, settings, clock)
    assert {o.status for o in first.outcomes} == {"ok"}
    server.add("/f0", rss([NEW, *items[0]]))
    server.add("/f1", "boom", status=500)
    clock.advance(300)
    async with Fetcher(settings) as fetcher:
        second = await poll_cycle(engine, fetcher, settings, clock)
    status = {o.feed.name: o.status for o in second.outcomes}
    assert status == {"f0": "ok", "f1": "failed"} | {f"f{k}": "unchanged" for k in range(2, 6)}
    assert second.new_count == 1 and len(second.failed) == 1
    feeds = {f.name: f for f in feed_store.list_feeds(engine)}
    assert all(feeds[f"f{k}"].last_success_at == clock.now() for k in (0, 2, 3, 4, 5))
    assert feeds["f1"].consecutive_failures == 1
    assert all(f.body_hash for f in feeds.values())
    assert feeds["f0"].body_hash != feeds["f2"].body_hash


def test_the_hash_covers_what_the_parse_reads_besides_the_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same bytes read under another charset, or resolving links against another URL
    (a redirect moved), parse to other items: another hash."""
    body = rss(ITEMS).encode()
    url, kind = "https://www.mss.go.kr/rss", "application/rss+xml; charset=utf-8"
    digest = bot.feeds.parse.body_hash
    kept = digest(body, base_url=url, content_type=kind)
    assert digest(body, base_url=url, content_type=kind.upper()) == kept
    assert digest(body, base_url=url, content_type="text/xml; charset=euc-kr") != kept
    assert digest(body, base_url=url + "?page=1", content_type=kind) != kept
    assert digest(body + b" ", base_url=url, content_type=kind) != kept
    monkeypatch.setattr(bot.feeds.parse, "BUILD_VERSION", "test-next")
    assert digest(body, base_url=url, content_type=kind) != kept
