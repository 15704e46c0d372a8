"""Grouping stored articles into stories: the store side of :func:`bot.stories.choose_story`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.digest import DigestCandidate
from bot.matching import LEAD_CHARS, StoryFacts, story_facts
from bot.messages import Alert, DigestEntry
from bot.store import from_db, from_db_required
from bot.store.schema import articles, feeds, stories
from bot.stories import StoryCandidate, StoryKeys, choose_story, story_keys
from bot.types import Summary


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
            story_id = choose_story(keys, len(row.text or ""), _sharing(conn, keys), now)
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


def _sharing(conn: Connection, keys: StoryKeys) -> list[StoryCandidate]:
    """Stories sharing any key with ``keys`` (choose_story decides which, if any, it joins)."""
    same = [stories.c.canonical_url == keys.canonical_url]
    if keys.norm_title:
        same.append(stories.c.norm_title == keys.norm_title)
    if keys.content_hash:
        same.append(stories.c.content_hash == keys.content_hash)
    rows = conn.execute(
        sa.select(
            stories.c.id,
            stories.c.canonical_url,
            stories.c.norm_title,
            stories.c.content_hash,
            stories.c.first_seen_at,
        )
        .where(sa.or_(*same))
        .order_by(stories.c.id)
    )
    never = datetime.min.replace(tzinfo=UTC)
    return [
        StoryCandidate(
            r.id, r.canonical_url, r.norm_title, r.content_hash, from_db(r.first_seen_at) or never
        )
        for r in rows
    ]


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


# What a message or a page about a story reads first (the summary is parsed by load_summary).
STORY_HEAD = (
    stories.c.id,
    stories.c.title,
    stories.c.url,
    stories.c.published_at,
    stories.c.summary,
)


def load_alerts(engine: Engine, story_ids: Sequence[int]) -> dict[int, Alert]:
    """Alerts for the given stories (the message an instant delivery carries)."""
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*STORY_HEAD).where(stories.c.id.in_(ids))).all()
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
            published_at=from_db_required(r.published_at),
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
        .where(where, stories.c.summary.is_not(None), stories.c.withdrawn_at.is_(None))
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
            entry=DigestEntry(
                story_id=r.id,
                headline=summary.headline,
                url=r.url,
                agencies=tuple(sorted(facts.agencies)),
                published_at=from_db(r.published_at) or until,
                contacts=tuple(summary.contacts),
                source_count=r.source_count,
            ),
            facts=facts,
            topics=tuple(summary.topics),
            first_seen_at=from_db(r.first_seen_at) or until,
        )
        for r, summary, facts in found
    ]


def unmatched_facts(engine: Engine, *, limit: int) -> list[StoryFacts]:
    """Summarized stories not yet matched to chats, with what matching reads of each."""
    with engine.connect() as conn:
        found = story_rows_facts(conn, stories.c.matched_at.is_(None), limit=limit)
    return [facts for _row, _summary, facts in found]
