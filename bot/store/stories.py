"""Grouping stored articles into stories (exact keys from :mod:`bot.stories`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.digest import DigestCandidate
from bot.matching import LEAD_CHARS, StoryFacts, story_facts
from bot.messages import Alert
from bot.store import from_db
from bot.store.schema import articles, feeds, stories
from bot.stories import StoryKeys, story_keys
from bot.summarize.model import Summary

# A title or body seen again this long after the first story is news again (e.g. a monthly
# "고용동향" with the same wording); a URL always means the same story.
TITLE_WINDOW = timedelta(days=30)
# Bodies shorter than this are too thin to prove two articles are the same.
MIN_TEXT_FOR_HASH = 50


@dataclass
class GroupingReport:
    new_story_ids: list[int] = field(default_factory=list)
    merged_story_ids: list[int] = field(default_factory=list)  # gained an article


def assign_pending(engine: Engine, now: datetime, *, limit: int = 5000) -> GroupingReport:
    """Give every article without a story one: an existing story sharing a key, or a new one.

    A story that gains an article from another feed counts one more source; it is never
    delivered again (deliveries are made once, when the story is matched).
    """
    report = GroupingReport()
    with engine.begin() as conn:
        query = (
            sa.select(
                articles.c.id,
                articles.c.feed_id,
                articles.c.url,
                articles.c.title,
                articles.c.text,
                articles.c.published_at,
                articles.c.content_hash,
            )
            .where(articles.c.story_id.is_(None))
            .order_by(articles.c.id)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for row in conn.execute(query).all():
            keys = story_keys(row.url, row.title, row.content_hash)
            hash_usable = len(row.text or "") >= MIN_TEXT_FOR_HASH
            story_id = _find_story(conn, keys, hash_usable, now)
            if story_id is None:
                story_id = _create_story(conn, row, keys, now)
                report.new_story_ids.append(story_id)
            else:
                feeds = set(
                    conn.execute(
                        sa.select(articles.c.feed_id).where(articles.c.story_id == story_id)
                    ).scalars()
                )
                if row.feed_id not in feeds:
                    conn.execute(
                        stories.update()
                        .where(stories.c.id == story_id)
                        .values(source_count=stories.c.source_count + 1)
                    )
                if story_id not in report.new_story_ids:
                    report.merged_story_ids.append(story_id)
            conn.execute(articles.update().where(articles.c.id == row.id).values(story_id=story_id))
    return report


def _find_story(conn: Connection, keys: StoryKeys, hash_usable: bool, now: datetime) -> int | None:
    found = conn.execute(
        sa.select(stories.c.id).where(stories.c.canonical_url == keys.canonical_url).limit(1)
    ).scalar()
    if found is not None:
        return int(found)
    recent = stories.c.first_seen_at >= now - TITLE_WINDOW
    alternatives = []
    if keys.title_usable:
        alternatives.append(stories.c.norm_title == keys.norm_title)
    if hash_usable and keys.content_hash:
        alternatives.append(stories.c.content_hash == keys.content_hash)
    if not alternatives:
        return None
    found = conn.execute(
        sa.select(stories.c.id).where(recent, sa.or_(*alternatives)).order_by(stories.c.id).limit(1)
    ).scalar()
    return None if found is None else int(found)


def _create_story(conn: Connection, row: Any, keys: StoryKeys, now: datetime) -> int:
    result = conn.execute(
        stories.insert().values(
            title=row.title,
            url=row.url,
            canonical_url=keys.canonical_url,
            norm_title=keys.norm_title,
            content_hash=keys.content_hash,
            first_seen_at=now,
            published_at=row.published_at,
            source_count=1,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def story_feed_ids(conn: Connection, story_ids: Sequence[int]) -> dict[int, set[int]]:
    """Feed ids of each story's articles."""
    out: dict[int, set[int]] = {sid: set() for sid in story_ids}
    if not story_ids:
        return out
    rows = conn.execute(
        sa.select(articles.c.story_id, articles.c.feed_id)
        .where(articles.c.story_id.in_(list(story_ids)))
        .distinct()
    )
    for story_id, feed_id in rows:
        out[story_id].add(feed_id)
    return out


def load_summary(raw: str | None, title: str, url: str) -> Summary:
    """The stored Summary JSON, or a bare headline when it is missing or unreadable."""
    if raw:
        try:
            return Summary.model_validate_json(raw)
        except ValueError:
            pass
    return Summary(headline=(title.strip() or url)[:60], bullets=[], source_url=url)


def load_alerts(engine: Engine, story_ids: Sequence[int]) -> dict[int, Alert]:
    """Alerts for the given stories (the message an instant delivery carries)."""
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                stories.c.id,
                stories.c.title,
                stories.c.url,
                stories.c.published_at,
                stories.c.summary,
            ).where(stories.c.id.in_(ids))
        ).all()
        names: dict[int, list[str]] = {}
        for story_id, name in conn.execute(
            sa.select(articles.c.story_id, feeds.c.name)
            .join(feeds, feeds.c.id == articles.c.feed_id)
            .where(articles.c.story_id.in_(ids))
            .order_by(articles.c.id)
        ):
            if name not in names.setdefault(story_id, []):
                names[story_id].append(name)
    return {
        r.id: Alert(
            story_id=r.id,
            summary=load_summary(r.summary, r.title, r.url),
            source=", ".join(names.get(r.id, [])),
            published_at=from_db(r.published_at) or datetime.now(UTC),
            url=r.url,
        )
        for r in rows
    }


def story_rows_facts(
    conn: Connection, where: sa.ColumnElement[bool], *, limit: int = 5000
) -> list[tuple[sa.Row[tuple[object, ...]], Summary, StoryFacts]]:
    """Summarized stories matching ``where`` with their Summary and matching facts."""
    rows = conn.execute(
        sa.select(stories)
        .where(where, stories.c.summary.is_not(None))
        .order_by(stories.c.id)
        .limit(limit)
    ).all()
    ids = [r.id for r in rows]
    feed_ids = story_feed_ids(conn, ids)
    leads: dict[int, str] = {}
    if ids:
        for story_id, text in conn.execute(
            sa.select(articles.c.story_id, articles.c.text)
            .where(articles.c.story_id.in_(ids))
            .order_by(articles.c.id.desc())
        ):
            leads[story_id] = (text or "")[:LEAD_CHARS]
    out = []
    for r in rows:
        summary = load_summary(r.summary, r.title, r.url)
        facts = story_facts(r.id, r.title, summary, feed_ids.get(r.id, ()), leads.get(r.id, ""))
        out.append((r, summary, facts))
    return out


def digest_candidates(
    engine: Engine, since: datetime, until: datetime, *, limit: int = 5000
) -> list[DigestCandidate]:
    """Summarized stories first seen in (since, until], for :func:`bot.digest.build_digest`."""
    with engine.connect() as conn:
        found = story_rows_facts(
            conn,
            sa.and_(stories.c.first_seen_at > since, stories.c.first_seen_at <= until),
            limit=limit,
        )
    return [
        DigestCandidate(
            facts=facts,
            headline=summary.headline,
            url=r.url,
            topics=tuple(summary.topics),
            agencies=tuple(sorted(facts.agencies)),
            published_at=from_db(r.published_at) or until,
            first_seen_at=from_db(r.first_seen_at) or until,
            contacts=tuple(summary.contacts),
            source_count=r.source_count,
        )
        for r, summary, facts in found
    ]
