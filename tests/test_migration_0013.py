"""Migration 0013 (grouping keys filed by week) on a database grouped under 0012: every key
row is kept with the week the code computes (on both sides of a week's first instant), the
new indexes replace the old ones, and a rewrite grouped after the upgrade still finds the
release indexed before it. Both engines."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store.migrate import upgrade
from bot.store.stories import article_story_ids, assign_pending, key_week, story_members
from bot.story_features import bucket_keys, story_features
from tests.test_grouping import BUDGET, PLASTIC, REWRITES
from tests.test_migration_0011 import empty  # noqa: F401  (the fixture: both engines)

# 1970-01-01 was a Thursday: a week starts on Thursday 00:00 UTC; this is one such instant.
WEEK_STARTS = datetime(2026, 4, 16, tzinfo=UTC)


def _stored(conn: sa.Connection, article_id: int, item: tuple[str, str], when: datetime) -> None:
    """An article grouped under 0012: its story, features and index keys as 0012 wrote them."""
    title, text = item
    digest = hashlib.sha256(text.encode()).hexdigest()
    url = f"https://www.mss.go.kr/bbs/View.do?bcIdx={article_id}"
    conn.execute(
        sa.text(
            "INSERT INTO stories (id, title, url, canonical_url, norm_title, content_hash,"
            " first_seen_at, published_at, primary_article_id) VALUES (:i, :t, :u, :c, :n, :h,"
            " :w, :p, :a)"
        ),
        {"i": article_id, "t": title, "u": url, "c": url, "n": title, "h": digest, "w": when}
        | {"p": when, "a": article_id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO articles (id, feed_id, guid, url, title, text, published_at, fetched_at,"
            " content_hash, story_id) VALUES (:i, 1, :g, :u, :t, :x, :w, :f, :h, :s)"
        ),
        {"i": article_id, "g": f"g{article_id}", "u": url, "t": title, "x": text, "w": when}
        | {"f": when, "h": digest, "s": article_id},
    )
    features = story_features(title, text)
    conn.execute(
        sa.text("INSERT INTO article_features (article_id, features) VALUES (:i, :f)"),
        {"i": article_id, "f": features.to_json()},
    )
    for key in bucket_keys(features):
        conn.execute(
            sa.text(
                "INSERT INTO grouping_keys (key, article_id, published_at) VALUES (:k, :i, :w)"
            ),
            {"k": key, "i": article_id, "w": when},
        )


def test_grouping_keys_keep_every_row_and_the_week_the_code_computes(empty: Engine) -> None:  # noqa: F811
    upgrade(empty, "0012_near_duplicates")
    release_at = WEEK_STARTS - timedelta(microseconds=1)  # the last instant of a week
    with empty.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO feeds (id, name, url, created_at) VALUES (1, '중기부', 'f', :t)"),
            {"t": release_at},
        )
        _stored(conn, 1, BUDGET, release_at)
        _stored(conn, 2, PLASTIC, WEEK_STARTS)  # the first instant of the next week
        before = sorted(
            tuple(r) for r in conn.execute(sa.text("SELECT key, article_id FROM grouping_keys"))
        )
    assert before
    applied = [m.revision for m in upgrade(empty, "0013_grouping_scale")]
    assert applied == ["0013_grouping_scale"]
    with empty.begin() as conn:
        rows = conn.execute(sa.text("SELECT key, article_id, week FROM grouping_keys")).all()
    assert sorted((r.key, r.article_id) for r in rows) == before
    weeks = {r.article_id: r.week for r in rows}
    assert weeks == {1: key_week(release_at), 2: key_week(WEEK_STARTS)}
    assert weeks[2] == weeks[1] + 1
    inspector = sa.inspect(empty)
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("grouping_keys")}
    assert indexes == {
        "ix_grouping_keys_week_key": ["week", "key", "published_at", "article_id"],
        "ix_grouping_keys_article": ["article_id"],
    }
    story_indexes = {i["name"] for i in inspector.get_indexes("stories")}
    assert {"ix_stories_norm_title_seen", "ix_stories_content_hash_seen"} <= story_indexes
    assert not {"ix_stories_norm_title", "ix_stories_content_hash"} & story_indexes

    # A rewrite of the release, published in the next week, finds it through the migrated rows.
    rewrite = REWRITES["news_rewrite"]
    when = WEEK_STARTS + timedelta(hours=9)
    with empty.begin() as conn:
        new_id = conn.execute(
            sa.text(
                "INSERT INTO articles (id, feed_id, guid, url, title, text, published_at,"
                " fetched_at, content_hash)"
                " VALUES (3, 1, 'n1', 'https://www.news1.kr/a/1', :t, :x, :w, :f, :h)"
                " RETURNING id"
            ),
            {"t": rewrite["title"], "x": rewrite["text"], "w": when, "f": when}
            | {"h": hashlib.sha256(rewrite["text"].encode()).hexdigest()},
        ).scalar_one()
    report = assign_pending(empty, when)
    assert report.near_joined == 1
    assert article_story_ids(empty, [new_id]) == {new_id: 1}
    with empty.connect() as conn:
        member = next(m for m in story_members(conn, [1])[1] if m.article_id == new_id)
    assert (member.reason, member.via_article_id) == ("near", 1)
    with empty.connect() as conn:
        assert conn.execute(
            sa.text("SELECT week FROM grouping_keys WHERE article_id = :i"), {"i": new_id}
        ).scalars().all() == [key_week(when)] * len(
            bucket_keys(story_features(rewrite["title"], rewrite["text"]))
        )
