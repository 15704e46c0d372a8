"""Hostile feeds (issue 12, cases 3, 4 and 7), served over real sockets by tests/feed_server.py
and stored on both engines. Each case checks what a reader would see and that every good item
of the feed arrived anyway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import poll_cycle
from bot.feeds.writer import CycleWriter
from bot.hygiene import BIDI_CONTROLS, clean_text
from bot.pipeline import process_pending
from bot.render.slack import render_alert
from bot.render.telegram import render_message
from bot.render.text import render_alert as render_console
from bot.store import articles as article_store
from bot.store import feeds as feed_store
from bot.store.feeds import FeedSuccess
from bot.store.schema import articles
from bot.store.stories import load_alerts
from bot.types import Article, Feed
from tests.core_helpers import TitleSummarizer
from tests.feed_server import FeedServer, poll_sources, rss

GOOD = [
    {"title": "중기부 추경 확정", "guid": "good-1", "link": "/v?id=1",
     "description": "중소벤처기업부는 추경이 확정되었다고 밝혔다."},
    {"title": "국토부 주거 지원", "guid": "good-2", "link": "/v?id=2",
     "description": "국토교통부는 청년 주거 지원을 늘린다고 밝혔다."},
]  # fmt: skip
SQL_WORDS = ("[SQL", "INSERT", "parameters", "Background on this error")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def settings_for(sources: list[FeedSource], **changes: object) -> FeedSettings:
    base = FeedSettings(
        connect_timeout=1, read_timeout=1, total_timeout=3, max_bytes=200_000,
        max_redirects=3, backoff_initial=60, backoff_max=3600, poll_interval=300,
        sources=tuple(sources),
    )  # fmt: skip
    return base.model_copy(update=changes)


def stored(engine: Engine) -> dict[str, tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(articles.c.guid, articles.c.title, articles.c.text))
        return {r.guid: (r.title, r.text, r.guid) for r in rows}


def unsafe(text: str) -> list[str]:
    return [
        hex(ord(c)) for c in text if (ord(c) < 32 and c not in "\n\t") or ord(c) in BIDI_CONTROLS
    ]


# --- case 3: NUL and other controls ----------------------------------------------------------


async def test_nul_and_controls_never_cost_a_feed_its_good_items(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    """Raw NUL in a title, a C0 control in a body, ``&#0;`` as a character reference and a
    NUL inside the guid: on PostgreSQL any of these used to fail the whole feed at every poll
    (and store the INSERT as its error); on SQLite the NUL was stored and sent to chats."""
    hostile = [
        GOOD[0],
        {"title": "널\x00 문자 제목", "guid": "nul-1", "description": "본문\x01에 제어 문자"},
        {"title": "참조 &#0; 제목 &#x1b;[31m", "guid": "nul\x00-2", "description": "둘째 &#0;"},
        GOOD[1],
    ]
    url = server.add("/nul", rss(hostile))
    report = await poll_sources(engine, settings_for([FeedSource(name="널", url=url)]), clock)
    [outcome] = report.outcomes
    assert outcome.status in ("ok", "partial") and outcome.new == 4
    rows = stored(engine)
    assert set(rows) == {"good-1", "good-2", "nul-1", "nul-2"}
    assert rows["nul-1"][:2] == ("널 문자 제목", "본문에 제어 문자")
    for title, text, guid in rows.values():
        assert unsafe(title + text + guid) == []
    feed = feed_store.list_feeds(engine)[0]
    assert feed.consecutive_failures == 0
    assert not any(word in (feed.last_error or "") for word in SQL_WORDS)


async def test_an_item_the_database_refuses_fails_only_itself(
    pg_url: str, clock: FixedClock
) -> None:
    """The store's own guard, below the parser: PostgreSQL refuses a NUL in text. The feed's
    other items are stored with its validators; the refusal is recorded in words."""
    from bot.store import create_engine

    engine = create_engine(pg_url)
    try:
        [feed] = feed_store.sync_sources(
            engine, [FeedSource(name="f", url="http://127.0.0.1:9/f")], clock.now()
        )
        items = tuple(
            Article(feed_id=feed.id, guid=g, url=f"http://x/{g}", title=t, text="본문",
                    published_at=clock.now(), content_hash=g)
            for g, t in (("a", "좋은 글"), ("b", "나쁜\x00글"), ("c", "또 좋은 글"))
        )  # fmt: skip
        settings = settings_for([])
        async with CycleWriter(engine, settings, clock) as writer:
            result = await writer.store(items, FeedSuccess(feed.id, '"e1"', None))
        assert sorted(a.guid for a in result.new) == ["a", "c"]
        assert result.note is not None and result.note.startswith("1 of 3 items not stored")
        assert "NUL" in result.note and not any(w in result.note for w in SQL_WORDS)
        after = feed_store.get_feed(engine, feed.id)
        assert after is not None and after.etag == '"e1"'
        assert after.last_error == result.note
        assert article_store.count_articles(engine, feed.id) == 2
    finally:
        engine.dispose()


async def test_database_errors_reach_the_feed_list_in_words(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    """A feed whose rows the database refuses (here: its feed row is gone) fails in words;
    before, the outcome carried SQLAlchemy's message with the INSERT and its parameters."""
    url = server.add("/orphan", rss(GOOD))
    settings = settings_for([])
    ghost = Feed(id=987_654, name="사라진 피드", url=url)
    async with Fetcher(settings) as fetcher:
        report = await poll_cycle(engine, fetcher, settings, clock, feeds=[ghost])
    [outcome] = report.outcomes
    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.startswith("database refused")
    assert not any(word in outcome.error for word in SQL_WORDS), outcome.error


async def test_invalid_utf8_costs_one_character_not_the_feed(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    body = rss([*GOOD, {"title": "깨진 글자 XX", "guid": "bad-utf8", "description": "본문"}])
    raw = body.encode("utf-8").replace(b"XX", b"\xed\xa0\x80\xff")  # a surrogate, a stray byte
    url = server.add("/utf8", raw)
    report = await poll_sources(engine, settings_for([FeedSource(name="u", url=url)]), clock)
    [outcome] = report.outcomes
    assert outcome.new == 3 and "invalid UTF-8" in (outcome.error or "")
    rows = stored(engine)
    assert rows["good-1"][0] == "중기부 추경 확정" and rows["good-2"][0] == "국토부 주거 지원"
    assert rows["bad-utf8"][0].startswith("깨진 글자 \ufffd")


# --- case 7: bidirectional controls ----------------------------------------------------------


async def test_bidi_controls_never_reach_a_chat(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    """``\\u202egnp.exe`` displays as ``exe.png``: the overrides and isolates are removed at
    ingest, raw or as character references, so no renderer ever gets them."""
    hostile = [
        {"title": "첨부 \u202egnp.exe 확인", "guid": "bidi-1", "link": "/v?id=9",
         "description": "본문 &#x2066;격리&#x2069; 와 &#8238;역방향"},
        GOOD[0],
    ]  # fmt: skip
    url = server.add("/bidi", rss(hostile))
    report = await poll_sources(engine, settings_for([FeedSource(name="b", url=url)]), clock)
    assert report.outcomes[0].new == 2
    rows = stored(engine)
    assert rows["bidi-1"][0] == "첨부 gnp.exe 확인"
    assert rows["bidi-1"][1] == "본문 격리 와 역방향"
    pipeline = await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)
    alerts = load_alerts(engine, pipeline.new_story_ids)
    assert len(alerts) == 2
    for alert in alerts.values():
        shown = "".join(render_message(alert)) + render_console(alert)
        shown += "".join(str(m) for m in render_alert(alert))
        assert unsafe(shown) == []
    assert any("gnp.exe" in "".join(render_message(a)) for a in alerts.values())


def test_renderers_strip_bidi_from_text_that_never_came_through_a_feed() -> None:
    """An LLM's answer or a feed name set by hand is not cleaned at ingest: the renderers'
    last step removes the controls as well."""
    from datetime import UTC, datetime

    from bot.messages import Alert, Reply
    from bot.render.telegram import render_reply
    from bot.types import Summary

    summary = Summary(headline="첨부 \u202egnp.exe 안내", bullets=["설명\u2067이다\u2069."])
    alert = Alert(story_id=1, summary=summary, source="피드\u202d", url="https://x.kr/\u202e",
                  published_at=datetime(2026, 4, 10, tzinfo=UTC))  # fmt: skip
    shown = "".join(render_message(alert)) + render_reply(Reply("검색어 \u202e반도체"))
    assert unsafe(shown) == [] and "gnp.exe" in shown
    assert 'href="https://x.kr/' not in shown  # a link with a control in it is not a link
    assert clean_text("a\u202eb\x00c\r\nd") == "abc\nd"


# --- case 4: redirects -----------------------------------------------------------------------


async def test_redirects_to_private_hosts_are_refused(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    """A feed that redirects to another loopback port, to ``localhost`` or to a non-HTTP
    address gets a clear error and nothing of the other server is stored; a redirect on the
    feed's own origin is still followed."""
    with FeedServer() as other:
        secret = other.add("/admin", rss([{"title": "내부 비밀", "guid": "s-1"}]))
        urls = {
            "port": server.add("/to-port", location=secret),
            "localhost": server.add(
                "/to-localhost", location=f"http://localhost:{server.port}/same"
            ),
            "file": server.add("/to-file", location="file:///etc/passwd"),
            "same": server.add("/to-same", location="/same"),
        }
        server.add("/same", rss(GOOD))
        sources = [FeedSource(name=n, url=u) for n, u in urls.items()]
        report = await poll_sources(engine, settings_for(sources), clock)
        by_name = {o.feed.name: o for o in report.outcomes}
        assert other.hits("/admin") == []
        assert by_name["port"].status == "failed"
        assert by_name["port"].error == (
            "redirect to a private address refused (127.0.0.1); "
            "set [feeds] allow_private_hosts = true to allow it"
        )
        assert by_name["localhost"].status == "failed"
        assert "private address refused (localhost is " in (by_name["localhost"].error or "")
        assert (
            by_name["file"].error == "redirect to a non-HTTP address refused (file:///etc/passwd)"
        )
        assert (by_name["same"].status, by_name["same"].new) == ("ok", 2)
        assert "내부 비밀" not in {t for t, _, _ in stored(engine).values()}


async def test_allow_private_hosts_follows_redirects_anywhere(
    engine: Engine, server: FeedServer, clock: FixedClock
) -> None:
    with FeedServer() as other:
        target = other.add("/feed", rss(GOOD))
        url = server.add("/moved", location=target)
        settings = settings_for([FeedSource(name="m", url=url)], allow_private_hosts=True)
        report = await poll_sources(engine, settings, clock)
        assert (report.outcomes[0].status, report.outcomes[0].new) == ("ok", 2)
        assert len(other.hits("/feed")) == 1


def test_public_address_rule() -> None:
    import ipaddress

    from bot.feeds.fetch import _public

    private_ones = (
        "127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1",
    )  # fmt: skip
    for private in private_ones:
        assert not _public(ipaddress.ip_address(private)), private
    for public in ("8.8.8.8", "211.249.220.24", "2001:4860:4860::8888"):
        assert _public(ipaddress.ip_address(public)), public
