"""Migration 0015 (``feeds.body_hash``) on a database that already polls feeds: every feed
keeps its row, validators and health, and starts with no body kept, so its next answer is
parsed once as before; downgrading drops only the column. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store import feeds as feed_store
from bot.store.migrate import alembic_config, upgrade
from tests.test_migration_0011 import empty  # noqa: F401  (the fixture: both engines)

NOW = datetime(2026, 4, 13, 7, 0, tzinfo=UTC)


def _columns(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_columns("feeds")}


def test_feeds_keep_everything_and_start_with_no_body_kept(empty: Engine) -> None:  # noqa: F811
    upgrade(empty, "0014_article_source_hash")
    assert "body_hash" not in _columns(empty)
    with empty.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO feeds (id, name, url, etag, consecutive_failures, item_count,"
                " last_success_at, created_at) VALUES (7, '중기부', 'https://mss.go.kr/rss',"
                " '\"v3\"', 2, 20, :t, :t)"
            ),
            {"t": NOW},
        )
    upgrade(empty)
    feed = feed_store.get_feed(empty, 7)
    assert feed is not None
    assert (feed.name, feed.etag, feed.consecutive_failures, feed.item_count) == (
        "중기부", '"v3"', 2, 20,
    )  # fmt: skip
    assert feed.last_success_at == NOW and feed.body_hash is None

    with empty.begin() as conn:  # the column holds a SHA-256 in hex
        conn.execute(sa.text("UPDATE feeds SET body_hash = :h WHERE id = 7"), {"h": "ab" * 32})
    assert feed_store.get_feed(empty, 7).body_hash == "ab" * 32  # type: ignore[union-attr]

    from alembic import command

    command.downgrade(alembic_config(empty), "0014_article_source_hash")
    assert "body_hash" not in _columns(empty) and "etag" in _columns(empty)
    with empty.connect() as conn:
        assert conn.scalar(sa.text("SELECT name FROM feeds WHERE id = 7")) == "중기부"
