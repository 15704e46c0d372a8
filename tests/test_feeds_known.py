"""Items a feed sends again exactly as they were stored are not built again (issue 22).

Most items of a feed that changed are the ones it already had; building each one's Document
(contacts, cleaning, spacing repair) was most of a warm poll's time. The parser is told the
source hash of the feed's stored items and counts those sent unchanged instead of building
them; what is stored stays what building them would have stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import bot.feeds.parse
from bot.clock import FixedClock
from bot.config import FeedSettings, FeedSource
from bot.feeds.parse import parse_feed
from bot.store import articles as article_store
from bot.store.schema import articles
from tests.feed_server import FeedServer, poll_sources, rss

NOW = datetime(2026, 4, 11, 3, 0, tzinfo=UTC)
ITEMS = [
    {"title": "중기부 수출 지원", "guid": "a-1", "link": "/v/1",
     "pubDate": "Fri, 10 Apr 2026 22:42:00 +0900",
     "description": "<p>중소벤처기업부는 수출 지원 사업을 공고했다.</p>"
                    "<p>문의: 수출지원과 사무관 홍길동 (044-204-7320)</p>"},
    {"title": "국토부 주택 공급", "guid": "a-2", "link": "/v/2",
     "pubDate": "Thu, 09 Apr 2026 10:00:00 +0900", "description": "<p>국토부 본문이다.</p>"},
    {"title": "환경부 대기 관리", "guid": "a-3", "link": "/v/3",
     "pubDate": "Wed, 08 Apr 2026 10:00:00 +0900", "description": "<p>환경부 본문이다.</p>"},
]  # fmt: skip
EDITED = dict(ITEMS[1], description="<p>국토부 본문을 고쳤다.</p>")
NEW = {
    "title": "과기정통부 양자 전략",
    "guid": "a-4",
    "link": "/v/4",
    "pubDate": "Sat, 11 Apr 2026 09:00:00 +0900",
    "description": "<p>양자 본문이다.</p>",
}


def _parse(items: list[dict[str, str]], known: dict[str, str] | None = None) -> Any:
    body = rss(items).encode()
    return parse_feed(body, feed_id=1, base_url="http://example.kr/rss", now=NOW, known=known)


def test_items_stored_as_sent_are_counted_not_built() -> None:
    first = _parse(ITEMS)
    assert first.unchanged == 0 and len(first.articles) == 3
    assert all(a.source_hash for a in first.articles)
    assert [a.source_hash for a in _parse(ITEMS).articles] == [
        a.source_hash for a in first.articles
    ]  # the same item always has the same source hash
    known = {a.guid: a.source_hash for a in first.articles}

    again = _parse([NEW, ITEMS[0], EDITED, ITEMS[2]], known)
    assert [a.guid for a in again.articles] == ["a-4", "a-2"]  # new and edited: built
    assert again.articles[1].text == "국토부 본문을 고쳤다."
    assert again.unchanged == 2
    full = _parse([NEW, ITEMS[0], EDITED, ITEMS[2]])
    assert (again.newest, again.rhythm) == (full.newest, full.rhythm)  # every item's date
    assert [a for a in full.articles if a.guid in ("a-4", "a-2")] == list(again.articles)

    # a known guid with another hash (an older build, a source hash never stored) is built
    stale = _parse(ITEMS, {"a-1": "0" * 64})
    assert stale.unchanged == 0 and len(stale.articles) == 3


def test_a_duplicate_after_an_unchanged_item_is_still_a_duplicate() -> None:
    first = _parse(ITEMS[:1])
    known = {a.guid: a.source_hash for a in first.articles}
    twice = [ITEMS[0], dict(ITEMS[0], description="<p>같은 guid의 다른 본문</p>")]
    parsed = _parse(twice, known)
    assert (parsed.articles, parsed.unchanged) == ((), 1)  # the first of a guid wins, as before


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the items whose Document the poll built (parsing runs in a thread for
    a cycle this small, so the count is seen here)."""
    built: list[str] = []
    real = bot.feeds.parse.build_document

    def counted(raw: str, **kwargs: Any) -> Any:
        built.append(kwargs.get("title", ""))
        return real(raw, **kwargs)

    monkeypatch.setattr(bot.feeds.parse, "build_document", counted)
    return built


async def test_a_poll_builds_only_new_edited_and_unhashed_items(
    engine: Engine, server: FeedServer, clock: FixedClock, builds: list[str]
) -> None:
    url = server.add("/feed", rss(ITEMS), etag='"v1"')
    settings = FeedSettings(poll_interval=300, sources=(FeedSource(name="피드", url=url),))
    report = await poll_sources(engine, settings, clock)
    assert (report.new_count, len(builds)) == (3, 3)
    with engine.begin() as conn:
        hashes = dict(conn.execute(sa.select(articles.c.guid, articles.c.source_hash)).all())
        assert all(hashes.values())
        # a row stored before source hashes were kept
        conn.execute(articles.update().where(articles.c.guid == "a-3").values(source_hash=None))

    clock.advance(300)
    builds.clear()
    server.add("/feed", rss([NEW, ITEMS[0], EDITED, ITEMS[2]]), etag='"v2"')
    report = await poll_sources(engine, settings, clock)
    [outcome] = report.outcomes
    assert (outcome.new, outcome.edited, outcome.items) == (1, 1, 4)
    assert sorted(builds) == sorted([NEW["title"], EDITED["title"], ITEMS[2]["title"]])
    assert [a.text for a in report.edited] == ["국토부 본문을 고쳤다."]
    with engine.connect() as conn:
        after = dict(conn.execute(sa.select(articles.c.guid, articles.c.source_hash)).all())
    assert after["a-3"] == hashes["a-3"]  # filled in: sent unchanged, its hash is known now
    assert after["a-1"] == hashes["a-1"] and after["a-2"] != hashes["a-2"]

    clock.advance(300)
    builds.clear()
    server.add("/feed", rss([NEW, ITEMS[0], EDITED, ITEMS[2]]), etag='"v3"')
    report = await poll_sources(engine, settings, clock)
    [outcome] = report.outcomes
    assert (outcome.status, outcome.new, outcome.edited, outcome.items) == ("ok", 0, 0, 4)
    assert builds == []  # every item stored as sent: nothing built
    assert article_store.count_articles(engine) == 4
