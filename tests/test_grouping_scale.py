"""What keeps grouping's reads bounded (issue 20, scale), through the store on both engines:
index keys are read week by week and merged into the newest PER_KEY of the span; exact keys
are read by URL at any age but by title or body only within TITLE_WINDOW, which gives the
same stories as choose_story's own rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.store.schema import article_features, grouping_keys, stories
from bot.store.stories import (
    PER_KEY,
    DecodedFeatures,
    _candidates,
    article_story_ids,
    assign_pending,
    key_week,
)
from bot.stories import TITLE_WINDOW, canonical_url, normalize_title
from bot.story_features import StoryFeatures
from tests.core_helpers import add_article, add_feed

NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
KEY = 123_456_789_012


def test_a_key_is_read_week_by_week_and_the_newest_of_its_span_kept(engine: Engine) -> None:
    feed = add_feed(engine, "중기부", NOW)
    ids = []
    # 2 × PER_KEY articles under one key, a day apart, across three weeks, and one outside
    # the span; each in a story of its own.
    times = [NOW - timedelta(days=d) for d in range(2 * PER_KEY)] + [NOW - timedelta(days=200)]
    for n, when in enumerate(times):
        ids.append(add_article(engine, feed, f"기사 {n}", f"https://a.kr/{n}", when))
    assign_pending(engine, NOW)
    features = StoryFeatures(frozenset({"합성"}), frozenset(), frozenset(), frozenset())
    with engine.begin() as conn:
        conn.execute(grouping_keys.delete())
        conn.execute(
            grouping_keys.insert(),
            [
                {"week": key_week(w), "key": KEY, "article_id": a, "published_at": w}
                for a, w in zip(ids, times, strict=True)
            ],
        )
        conn.execute(article_features.delete())
        conn.execute(
            article_features.insert(),
            [{"article_id": a, "features": features.to_json()} for a in ids],
        )
        span = (NOW - timedelta(days=60), NOW + timedelta(days=14))
        found = _candidates(conn, {KEY: span})[KEY]
    assert len({key_week(w) for w in times[:PER_KEY]}) > 1  # the newest span several weeks
    assert [c.article_id for c in found] == ids[:PER_KEY]  # newest first
    with engine.begin() as conn:
        assert _candidates(conn, {KEY + 1: span}) == {}


def _story(engine: Engine, url: str, title: str, seen: datetime) -> int:
    with engine.begin() as conn:
        key = conn.execute(
            stories.insert().values(
                title=title, url=url, canonical_url=canonical_url(url),
                norm_title=normalize_title(title), content_hash="", first_seen_at=seen,
                published_at=seen, source_count=1,
            )
        ).inserted_primary_key  # fmt: skip
    assert key is not None
    return int(key[0])


def test_a_url_joins_at_any_age_a_title_only_within_its_window(engine: Engine) -> None:
    feed = add_feed(engine, "고용부", NOW)
    title = "2026년 고용행정 통계로 본 노동시장 동향"
    old_url = _story(engine, "https://www.moel.go.kr/news/1", "옛 제목", NOW - timedelta(days=400))
    stale = _story(
        engine, "https://www.moel.go.kr/news/2", title, NOW - TITLE_WINDOW - timedelta(hours=1)
    )
    by_url = add_article(
        engine, feed, "전혀 다른 제목의 기사", "https://www.moel.go.kr/news/1", NOW
    )
    by_title = add_article(engine, feed, title, "https://news.example.kr/3", NOW)
    assign_pending(engine, NOW)
    found = article_story_ids(engine, [by_url, by_title])
    assert found[by_url] == old_url
    assert found[by_title] != stale  # past the window the same title is news again

    fresh = _story(
        engine,
        "https://www.moel.go.kr/news/4",
        "노동시장 동향 월간 보고서 발표",
        NOW - timedelta(days=29),
    )
    again = add_article(engine, feed, "노동시장 동향 월간 보고서 발표", "https://b.kr/5", NOW)
    assign_pending(engine, NOW)
    assert article_story_ids(engine, [again])[again] == fresh


def test_stored_features_are_decoded_once_a_pass_and_held_one_slice() -> None:
    """A slice's neighbours are decoded once and reused by the next slice, then dropped when
    that slice did not use them; features rewritten meanwhile (the same article edited) are
    decoded afresh, since they are found by their stored text, not the article."""
    features = StoryFeatures(frozenset({"반도체", "지원"}), frozenset({"300억원"}), frozenset(),
                             frozenset())  # fmt: skip
    raw = features.to_json()
    decoded = DecodedFeatures()
    first = decoded.decode(raw)
    assert first == features and decoded.decode(raw) is first
    decoded.next_slice()
    assert decoded.decode(raw) is first  # the next slice finds it decoded
    decoded.next_slice()
    decoded.next_slice()  # a slice that did not use it: gone
    again = decoded.decode(raw)
    assert again == features and again is not first
    edited = replace(features, figures=frozenset({"500억원"}))
    assert decoded.decode(edited.to_json()) == edited
    kept = replace(features, words=frozenset({"신규"}))
    decoded.keep(kept.to_json(), kept)  # computed and stored this slice: found as it is
    decoded.next_slice()
    assert decoded.decode(kept.to_json()) is kept


def test_candidate_reads_come_in_a_few_statement_shapes(engine: Engine) -> None:
    """Every distinct statement stays in SQLAlchemy's compiled cache and sqlite3's statement
    cache for the engine's life (~1 MB each at 200 scans): a batch of any number of keys is
    read with one of a few padded statements, not one per count, and finds the same rows."""
    import sqlalchemy as sa

    feed = add_feed(engine, "중기부", NOW)
    article = add_article(engine, feed, "기사", "https://a.kr/1", NOW)
    assign_pending(engine, NOW)
    with engine.begin() as conn:
        conn.execute(grouping_keys.delete())
        conn.execute(
            grouping_keys.insert(),
            [{"week": key_week(NOW), "key": KEY, "article_id": article, "published_at": NOW}],
        )
    statements: set[str] = set()

    def seen(*args: object) -> None:
        statement = str(args[2])
        if "grouping_keys" in statement and "article_id" in statement:
            statements.add(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    span = (NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    for count in range(1, 41):
        with engine.begin() as conn:
            found = _candidates(conn, {KEY + i: span for i in range(count)})
        assert [c.article_id for c in found[KEY]] == [article]
        assert set(found) == {KEY}
    sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) <= 7  # 1, 2, 4, … 64 scans (40 before: one per count)
