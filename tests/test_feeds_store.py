"""Feed and article queries, on SQLite and PostgreSQL (the ``engine`` fixture runs both)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.config import FeedSource
from bot.errors import FeedError
from bot.store import articles as article_store
from bot.store import create_engine, to_db
from bot.store import feeds as feed_store
from bot.store.migrate import upgrade
from bot.store.schema import articles, feeds
from bot.types import Article, Contact

NOW = datetime(2026, 4, 11, 0, 0, tzinfo=UTC)


def article(feed_id: int, guid: str, text: str = "본문", **kw: object) -> Article:
    return Article(
        feed_id=feed_id, guid=guid, url=f"https://example.kr/{guid}", title=f"제목 {guid}",
        text=text, published_at=NOW, content_hash=f"h-{guid}-{text}", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_sync_add_remove_list(engine: Engine) -> None:
    sources = [
        FeedSource(name="가", url="https://a.kr/rss"),
        FeedSource(name="나", url="file:///x"),
    ]
    assert len(feed_store.sync_sources(engine, sources, NOW)) == 2
    assert feed_store.sync_sources(engine, sources, NOW) == []
    added = feed_store.add_feed(engine, "https://c.kr/rss", "다", NOW)
    with pytest.raises(FeedError, match="already followed"):
        feed_store.add_feed(engine, "https://c.kr/rss", "다", NOW)
    assert [f.name for f in feed_store.list_feeds(engine)] == ["가", "나", "다"]
    assert feed_store.remove_feed(engine, added.id) == "deleted"
    assert feed_store.remove_feed(engine, added.id) == "missing"
    first = feed_store.list_feeds(engine)[0]
    article_store.upsert_articles(engine, [article(first.id, "g1")], NOW)
    assert feed_store.remove_feed(engine, first.id) == "disabled"
    assert article_store.count_articles(engine, first.id) == 1  # archive kept
    assert [f.name for f in feed_store.list_feeds(engine, include_disabled=False)] == ["나"]
    again = feed_store.add_feed(engine, first.url, "가 again", NOW)
    assert again.id == first.id and again.enabled


def test_due_success_failure_backoff(engine: Engine) -> None:
    feed_store.sync_sources(engine, [FeedSource(name="가", url="https://a.kr/rss")], NOW)
    [feed] = feed_store.due_feeds(engine, NOW)
    feed_store.record_success(
        engine, feed.id, NOW, poll_interval=300, etag='"e1"', last_modified="Fri, 10 Apr 2026"
    )
    assert feed_store.due_feeds(engine, NOW) == []
    assert [f.id for f in feed_store.due_feeds(engine, NOW + timedelta(seconds=300))] == [feed.id]
    stored = feed_store.get_feed(engine, feed.id)
    assert stored is not None
    assert (stored.etag, stored.last_success_at, stored.consecutive_failures) == ('"e1"', NOW, 0)
    assert feed_store.next_due_at(engine) == NOW + timedelta(seconds=300)

    delays = []
    for i in range(12):
        now = NOW + timedelta(hours=i)
        nxt = feed_store.record_failure(
            engine, feed.id, now, "connection refused", backoff_initial=60, backoff_max=21600
        )
        delays.append((nxt - now).total_seconds())
    assert delays[:4] == [60, 120, 240, 480]
    assert delays[-1] == 21600  # capped at 6 h
    stored = feed_store.get_feed(engine, feed.id)
    assert stored is not None
    assert stored.consecutive_failures == 12
    assert stored.last_error == "connection refused"
    assert stored.last_success_at == NOW  # kept
    assert stored.etag == '"e1"'  # validators survive failures

    later = NOW + timedelta(days=1)
    nxt = feed_store.record_failure(
        engine, feed.id, later, "HTTP 429", backoff_initial=60, backoff_max=21600,
        retry_after=30,
    )  # fmt: skip
    assert nxt == later + timedelta(seconds=21600)
    feed_store.record_success(
        engine, feed.id, later, poll_interval=300, etag=None, last_modified=None,
        warning="malformed document: x",
    )  # fmt: skip
    stored = feed_store.get_feed(engine, feed.id)
    assert stored is not None
    assert stored.consecutive_failures == 0 and stored.last_error == "malformed document: x"


def test_backoff_seconds_respects_retry_after() -> None:
    assert feed_store.backoff_seconds(1, initial=60, maximum=3600) == 60
    assert feed_store.backoff_seconds(1, initial=60, maximum=3600, retry_after=900) == 900
    assert feed_store.backoff_seconds(1, initial=60, maximum=3600, retry_after=10**9) == 3600
    assert feed_store.backoff_seconds(40, initial=60, maximum=3600) == 3600


def test_upsert_new_edited_duplicates(engine: Engine) -> None:
    [feed] = feed_store.sync_sources(engine, [FeedSource(name="가", url="https://a.kr/")], NOW)
    contacts = (
        Contact(department="정책총괄과", role="사무관", name="홍길동", phone="044-200-0000"),
    )
    batch = [article(feed.id, "g1", contacts=contacts, author="고용노동부"), article(feed.id, "g2"),
             article(feed.id, "g1", "중복 본문")]  # fmt: skip
    result = article_store.upsert_articles(engine, batch, NOW)
    assert [a.guid for a in result.new] == ["g1", "g2"]
    assert all(a.id for a in result.new)
    assert result.edited == ()
    stored = article_store.get_article(engine, result.new[0].id or 0)
    assert stored is not None
    assert stored.contacts == contacts and stored.text == "본문"
    assert stored.author == "고용노동부"
    assert article_store.get_article(engine, result.new[1].id or 0).author == ""  # type: ignore[union-attr]
    assert stored.published_at == NOW

    later = NOW + timedelta(hours=1)
    batch2 = [article(feed.id, "g1", "고친 본문", author="노동부"), article(feed.id, "g2"),
              article(feed.id, "g3")]  # fmt: skip
    second = article_store.upsert_articles(engine, batch2, later)
    assert [a.guid for a in second.new] == ["g3"]
    assert [a.guid for a in second.edited] == ["g1"]
    assert second.edited[0].id == result.new[0].id
    assert second.unchanged == 1
    edited = article_store.get_article(engine, result.new[0].id or 0)
    assert edited is not None and edited.text == "고친 본문" and edited.author == "노동부"
    assert article_store.count_articles(engine) == 3


def test_same_guid_in_two_feeds_is_two_articles(engine: Engine) -> None:
    a, b = feed_store.sync_sources(
        engine, [FeedSource(name="가", url="https://a.kr/"), FeedSource(name="나", url="https://b.kr/")],
        NOW,
    )  # fmt: skip
    result = article_store.upsert_articles(engine, [article(a.id, "g"), article(b.id, "g")], NOW)
    assert len(result.new) == 2


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    [feed] = feed_store.sync_sources(engine, [FeedSource(name="가", url="https://a.kr/")], NOW)
    with pytest.raises(ValueError, match="naive"):
        article_store.upsert_articles(
            engine, [replace(article(feed.id, "g"), published_at=datetime(2026, 1, 1))], NOW
        )


def test_due_feeds_start_with_the_slowest_last_fetch(engine: Engine) -> None:
    sources = [FeedSource(name=n, url=f"https://{n}.kr/rss") for n in ("a", "b", "c", "d")]
    ids = [f.id for f in feed_store.sync_sources(engine, sources, NOW)]
    with engine.begin() as conn:
        feed_store.record_fetch_seconds_in(conn, [(ids[1], 0.004), (ids[2], 1.5), (ids[3], 2.5)])
    # slow ones (≥ 1 s) first, slowest first; the others (a never timed) in their usual order
    assert [f.id for f in feed_store.due_feeds(engine, NOW)] == [ids[3], ids[2], ids[0], ids[1]]


def test_author_column_upgrade_keeps_existing_rows(tmp_path: Path) -> None:
    """0009 adds ``articles.author`` to a database that already holds articles: they read
    back with author '' and nothing else changes."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0008_summary_claims")
    with engine.begin() as conn:
        conn.execute(
            feeds.insert().values(id=1, name="가", url="https://a.kr/", created_at=to_db(NOW))
        )
        conn.execute(
            articles.insert().values(
                id=1,
                feed_id=1,
                guid="g",
                url="https://a.kr/g",
                title="제목",
                text="본문",
                published_at=to_db(NOW),
                fetched_at=to_db(NOW),
                content_hash="h",
            )
        )
    upgrade(engine)
    stored = article_store.get_article(engine, 1)
    assert stored is not None and (stored.title, stored.author) == ("제목", "")
    engine.dispose()
